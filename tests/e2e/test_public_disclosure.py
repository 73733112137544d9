"""Public disclosure without a login (SPEC §9): what is shown, and what never is."""

import json
from typing import Any

from disburse.services import disclosure
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, LEADER, NAME_A, Flow

CASHIER = "xp-finance-2"


def disbursed_advance(flow: Flow, contract: dict[str, Any]) -> dict[str, Any]:
    """Requested by contractor A, verified by commerce, approved by finance, disbursed by a second finance user."""
    flow.user(CASHIER, "finance")
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": "900000.00"},
                                CONTRACTOR_A), 201)
    for event, who, extra in (("verify", COMMERCE, {}), ("approve", FINANCE, {}),
                              ("disburse", CASHIER, {"voucher_no": "PZ-2024-0917", "disbursed_on": "2024-09-27"})):
        payment = flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": event, **extra}, who))
    assert payment["state"] == "disbursed"
    return payment


def test_a_draft_plan_is_not_public_and_a_filed_one_is(flow: Flow) -> None:
    draft = flow.create_project()
    assert flow.client.get(f"/api/v1/public/projects/{draft['id']}").status_code == 404
    assert flow.client.get("/api/v1/public/projects").get_json()["total"] == 0
    flow.fire_ok(draft["id"], "file")
    listed = flow.client.get("/api/v1/public/projects").get_json()
    assert [p["id"] for p in listed["items"]] == [draft["id"]]
    assert listed["items"][0]["county"] == {"code": "350921", "name": "霞浦县"}
    assert flow.client.get("/api/v1/public/projects?region=350900").get_json()["total"] == 1
    assert flow.client.get("/api/v1/public/projects?region=530000").get_json()["total"] == 0


def test_the_public_project_discloses_the_plan_contracts_payments_and_results_but_no_people(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    disbursed_advance(flow, a)
    acceptance = flow.in_notice(project, a)
    resp = flow.client.get(f"/api/v1/public/projects/{project['id']}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["name"] == project["name"] and body["total"] == "10000000.00"
    assert [r["name"] for r in body["regions"]] == ["福建省", "宁德市", "霞浦县"]
    assert len(body["lines"]) == len(project["lines"]) and set(body["lines"][0]) == {"category", "item", "amount",
                                                                                     "tags"}
    assert body["rule_set"]["id"] == project["rule_set"]
    assert {c["contractor"] for c in body["contracts"]} >= {NAME_A}
    assert body["payments"] == [{"lot": "标段一", "kind": "advance", "amount": "900000.00",
                                 "disbursed_on": "2024-09-27"}]
    assert [n["id"] for n in body["notices"]] == [acceptance["notice"]["id"]]
    assert [(x["kind"], x["state"]) for x in body["acceptances"]] == [("stage", "in_notice")]
    assert body["supervision"]["phone"] == "0593-12388"
    assert body["audit"]["entries"] > 0 and len(body["audit"]["head"]) == 64
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("PZ-2024-0917", COMMERCE, FINANCE, CASHIER, LEADER, CONTRACTOR_A, "credit_code", "voucher",
                   "by"):
        assert secret not in text, secret


def test_a_notice_is_no_longer_listed_once_it_has_ended(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    notice_id = acceptance["notice"]["id"]
    assert disclosure.public_notice(flow.db, notice_id, flow.clock.now())["open"]
    flow.after_notice(acceptance)
    body = flow.client.get(f"/api/v1/public/projects/{project['id']}").get_json()
    assert body["notices"] == []
    assert not disclosure.public_notice(flow.db, notice_id, flow.clock.now())["open"]


def test_the_nearest_enclosing_region_gives_the_supervision_contact() -> None:
    contacts = {"default": {"zh": "全国", "en": "national", "phone": "12388"},
                "regions": {"350000": {"zh": "省", "en": "province", "phone": "1"},
                            "350921": {"zh": "县", "en": "county", "phone": "3"}}}
    assert disclosure.supervision_contact("/350000/350900/350921/", contacts)["phone"] == "3"
    assert disclosure.supervision_contact("/350000/350900/350922/", contacts)["phone"] == "1"
    assert disclosure.supervision_contact("/530000/530300/530325/", contacts)["phone"] == "12388"
    assert disclosure.supervision_contact("/530000/530300/530325/")["zh"] == "中央纪委国家监委举报电话 12388"


def test_the_public_endpoints_need_no_login_in_the_openapi_document(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/public/projects", "/api/v1/public/projects/{project_id}"):
        assert spec["paths"][path]["get"]["security"] == []
