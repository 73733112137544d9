"""One county with an object of every kind, and users of every role here and in another province.

Used by the API fuzzing (``tests/fuzz/test_schemathesis.py``) and the authorization sweep
(``tests/integration/test_authorization_sweep.py``), issue 10. County A is seed 003's county
(``tests.flow.COUNTY``, 霞浦县 in 宁德市, Fujian); the other county is 富源县 (530325, 曲靖市, Yunnan),
the county of ``tests.helpers.small_plan`` — in another province, so no user of it sees county A.
County A's project has a small advance disbursed on contract A and a recovery ordered on that contract
(issue 17), beside the advance still waiting for verification.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from disburse.services import checkpoints, scheduling
from tests.flow import (
    CODE_A,
    COMMERCE,
    CONTRACTOR_A,
    COUNTY,
    DECLARED,
    FINANCE,
    INSPECTOR,
    LEADER,
    NAME_A,
    SUPERVISOR,
    Flow,
    credit_code,
)
from tests.server_process import FINANCE_2

PROVINCE = "350000"  # 福建省, county A's province (the admin's region)
OTHER_COUNTY = "530325"  # 富源县
OTHER_CITY = "530300"  # 曲靖市
OTHER_PROVINCE = "530000"  # 云南省
OTHER_CODE = "91530325MA6K0X0X1"  # the other county's contractor (first 17 characters)

#: The users of county A by role (its supervisor and inspector sit in the city, the admin in the province).
HOME = {"commerce": COMMERCE, "finance": FINANCE, "leader": LEADER, "supervisor": SUPERVISOR,
        "inspector": INSPECTOR, "contractor": CONTRACTOR_A, "admin": "fj-admin"}
#: The users of the other county, one per role, at the same levels.
OTHER = {"commerce": "fy-commerce", "finance": "fy-finance", "leader": "fy-leader", "supervisor": "qj-supervisor",
         "inspector": "qj-inspector", "contractor": "fy-contractor", "admin": "yn-admin"}
ROLES = tuple(HOME)
#: A user of county A that only the admin's routes touch (enabling an enabled user changes nothing).
CLERK = "xp-clerk"

PDF = "%PDF-1.7\n% 验收报告\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".encode()


@dataclass
class County:
    """The ids of county A's objects, one (at least) of each kind."""

    flow: Flow
    project: dict[str, Any]
    contract: dict[str, Any]
    acceptance: dict[str, Any]
    payment: dict[str, Any]
    document: dict[str, Any]
    notification_id: int
    ids: dict[str, int] = field(default_factory=dict)


def build(flow: Flow) -> County:
    """County A's users and objects, and the other county's users (``flow.county_users()`` done already)."""
    flow.user(HOME["admin"], "admin", PROVINCE)
    clerk = flow.user(CLERK, "commerce")  # the user the admin's routes act on (no other caller logs in as it)
    levels = {"supervisor": OTHER_CITY, "inspector": OTHER_CITY, "admin": OTHER_PROVINCE}
    for role, name in OTHER.items():
        flow.user(name, role, levels.get(role, OTHER_COUNTY),
                  contractor=credit_code(OTHER_CODE[:17]) if role == "contractor" else None)
    project, a, _b = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    flow.ok(flow.object_to(acceptance), 201)
    flow.user(FINANCE_2, "finance")
    paid = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "50000.00"},
                             CONTRACTOR_A), 201)
    for event, who, data in (("verify", COMMERCE, {}), ("approve", FINANCE, {}),
                             ("disburse", FINANCE_2, {"voucher_no": "XP-PZ-9001", "disbursed_on": "2024-09-27"})):
        flow.ok(flow.post(f"/payments/{paid['id']}/events", {"event": event, **data}, who))
    recovery = flow.ok(flow.post(f"/projects/{project['id']}/recoveries",
                                 {"basis": "default", "amount": "10000.00", "reason": "承办企业未按期建设",
                                  "contract_id": a["id"]}, SUPERVISOR), 201)
    payment = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1900000.00"},
                                CONTRACTOR_A), 201)
    amendment = flow.ok(flow.post(f"/projects/{project['id']}/amendments",
                                  {"plan": flow.plan_of(project), "reason": "补充绩效指标说明"}), 201)
    report = {"month": "2024-09", "text": "九月进度：服务中心已开工。"}
    flow.ok(flow.post(f"/projects/{project['id']}/reports", report), 201)
    document = flow.ok(flow.client.post(
        "/api/v1/documents", headers=flow.h(CONTRACTOR_A), content_type="multipart/form-data",
        data={"project_id": str(project["id"]), "contract_id": str(a["id"]), "kind": "application",
              "file": (io.BytesIO(PDF), "验收申请.pdf")}), 201)
    scheduling.remind_reports(flow.db, datetime(2024, 11, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    mine = flow.ok(flow.get("/me/notifications"))["items"]
    assert mine, "the report reminder gave county A's commerce user a notification"
    acceptance = flow.ok(flow.get(f"/acceptances/{acceptance['id']}"))
    entry = flow.audit_actions(project["id"])[0]
    signed = checkpoints.checkpoint(flow.db, checkpoints.signer(flow.app.extensions["disburse.settings"]),
                                    flow.clock.now())
    applying = flow.fire_ok(flow.create_project()["id"], "file")  # a second plan, its lines not contracted
    call = flow.ok(flow.post(f"/projects/{applying['id']}/calls",
                             {"title": "电商扶贫项目申报", "line_ids": [applying["lines"][3]["id"]], "total": "1.00",
                              "deadline": "2024-12-31"}), 201)
    application = flow.ok(flow.post(f"/calls/{call['id']}/applications", {
        "applicant": {"name": NAME_A, "credit_code": CODE_A, "region": COUNTY, "declarations": DECLARED},
        "amount_requested": "1.00", "description": "电商扶贫项目"}), 201)
    volume_report = per_unit_report(flow, applying)
    delegation = flow.ok(flow.post("/me/delegations", {"to": CLERK, "from": "2029-01-01", "until": "2029-02-01"}),
                         201)  # county A's commerce user's, not in force: it changes nobody's rights
    county = County(flow, project, a, acceptance, payment, document, notification_id=mine[0]["id"])
    county.ids = {"project_id": project["id"], "contract_id": a["id"], "acceptance_id": acceptance["id"],
                  "payment_id": payment["id"], "document_id": document["id"], "notice_id": acceptance["notice"]["id"],
                  "notification_id": mine[0]["id"], "seq": entry["seq"], "size": signed["size"],
                  "amendment_id": amendment["id"], "recovery_id": recovery["id"],
                  "user_id": clerk, "call_id": call["id"], "application_id": application["id"],
                  "report_id": volume_report["id"], "delegation_id": delegation["id"]}
    return county


def per_unit_report(flow: Flow, applying: dict[str, Any]) -> dict[str, Any]:
    """A per-unit call on the second plan's line 5, enterprise A awarded on it (the clock moves past the notice)
    and its volume of September reported by commerce with evidence (issue 20 item 4)."""
    call = flow.ok(flow.post(f"/projects/{applying['id']}/calls",
                             {"title": "物流补贴申报", "line_ids": [applying["lines"][4]["id"]], "total": "3.00",
                              "deadline": "2024-12-31", "unit_rate": {"unit": "单", "rate": "1.50"}}), 201)
    application = flow.ok(flow.post(f"/calls/{call['id']}/applications", {
        "applicant": {"name": NAME_A, "credit_code": CODE_A, "region": COUNTY, "declarations": DECLARED},
        "amount_requested": "3.00", "description": "物流补贴"}), 201)
    panel = [{"name": "张三", "bureau": "县商务局", "no_conflict": True}]
    steps: tuple[tuple[str, str, dict[str, Any]], ...] = (
        ("start_review", COMMERCE, {}),
        ("review", COMMERCE, {"panel": panel, "site_visit": {"date": "2024-09-27"}, "verdict": "pass",
                              "proposed_subsidy": "3.00"}),
        ("finance_recheck", FINANCE, {}), ("publish", COMMERCE, {}))
    for event, who, data in steps:
        application = flow.ok(flow.post(f"/applications/{application['id']}/events", {"event": event, **data}, who))
    flow.set_clock(datetime.fromisoformat(application["notice"]["ends_at"]) + timedelta(hours=1))
    for event, who in (("close_notice", COMMERCE), ("award", LEADER)):
        flow.ok(flow.post(f"/applications/{application['id']}/events", {"event": event}, who))
    evidence = flow.ok(flow.client.post(
        "/api/v1/documents", headers=flow.h(COMMERCE), content_type="multipart/form-data",
        data={"project_id": str(applying["id"]), "kind": "report", "file": (io.BytesIO(PDF), "订单台账.pdf")}), 201)
    return flow.ok(flow.post(f"/applications/{application['id']}/volume-reports",
                             {"month": "2024-09", "volume": 2, "document_ids": [evidence["id"]]}), 201)
