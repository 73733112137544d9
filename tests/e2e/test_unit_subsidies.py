"""Per-unit subsidies (issue 20 item 4): seed 001 §5(4)3 pays a logistics subsidy per delivered order after the
fact (按照先建后补政策，实现每单物流补贴) out of its §6(1) line 物流补贴 (90万元).

A call on that line pays 3.00 yuan an order, at most 40万 a month; the enterprise awarded reports each month's
orders with evidence, commerce verifies them (someone other than the reporter), and each verified month is
paid on the usual payment path up to what the award — the line's budget — has left.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from disburse.adapters.orm import VolumeReport
from disburse.domain.notice import local_date
from tests.e2e.test_documents import PDF, upload
from tests.flow import DECLARED, Flow, credit_code, unmet_codes
from tests.helpers import example

COUNTY = "654321"  # 布尔津县
COMMERCE, COMMERCE_2 = "bej-commerce", "bej-commerce-2"
FINANCE, FINANCE_2 = "bej-finance", "bej-finance-2"
LEADER = "bej-leader"
INSPECTOR = "alt-inspector"
ENTERPRISE = "bej-express"  # the logistics enterprise's own user
OTHER_ENTERPRISE = "bej-other"
CODE = credit_code("91654321MA78WLPX1")
OTHER_CODE = credit_code("91654321MA78QTQY2")
NAME = "布尔津县快递物流有限公司"
RATE = {"unit": "单", "rate": "3.00", "cap": "400000.00"}
PANEL = [{"name": "张三", "bureau": "县商务科技和工业信息化局", "no_conflict": True},
         {"name": "李四", "bureau": "县财政局", "no_conflict": True},
         {"name": "王五", "bureau": "县交通运输局", "no_conflict": True}]


@pytest.fixture
def county(app: Any, client: Any) -> Flow:
    """布尔津县's users: two at commerce, two at finance, the leader, the logistics enterprise and another one,
    and an inspector of 阿勒泰地区."""
    flow = Flow(app, client)
    for name, role in ((COMMERCE, "commerce"), (COMMERCE_2, "commerce"), (FINANCE, "finance"),
                       (FINANCE_2, "finance"), (LEADER, "leader")):
        flow.user(name, role, COUNTY)
    flow.user(INSPECTOR, "inspector", "654300")
    flow.user(ENTERPRISE, "contractor", COUNTY, contractor=CODE)
    flow.user(OTHER_ENTERPRISE, "contractor", COUNTY, contractor=OTHER_CODE)
    return flow


def logistics_line(project: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = next(line for line in project["lines"] if line["item"] == "物流补贴")
    return line


def filed_project(flow: Flow) -> dict[str, Any]:
    project = flow.ok(flow.post("/projects", example("001"), COMMERCE), 201)
    return flow.ok(flow.post(f"/projects/{project['id']}/events", {"event": "file"}, COMMERCE))


def open_call(flow: Flow, project: dict[str, Any], unit_rate: dict[str, Any] | None = RATE,
              total: str = "900000.00") -> Any:
    return flow.post(f"/projects/{project['id']}/calls",
                     {"title": "企业产业“触网”物流补贴申报", "line_ids": [logistics_line(project)["id"]],
                      "total": total, "deadline": "2024-12-31", "materials": ["营业执照", "物流订单台账"],
                      "unit_rate": unit_rate}, COMMERCE)


def act(flow: Flow, application: dict[str, Any], event: str, as_: str = COMMERCE, **data: Any) -> dict[str, Any]:
    return flow.ok(flow.post(f"/applications/{application['id']}/events", {"event": event, **data}, as_))


def awarded(flow: Flow, call: dict[str, Any], subsidy: str = "900000.00") -> dict[str, Any]:
    """The enterprise applies, is reviewed jointly, re-checked, publicised and awarded ``subsidy``."""
    application = flow.ok(flow.post(f"/calls/{call['id']}/applications", {
        "applicant": {"name": NAME, "credit_code": CODE, "region": COUNTY, "declarations": DECLARED},
        "amount_requested": subsidy, "description": "县域快递进村，每单补贴物流费用", "document_ids": []},
        ENTERPRISE), 201)
    act(flow, application, "start_review")
    act(flow, application, "review", panel=PANEL, site_visit={"date": "2024-09-27", "note": "现场核实分拣中心"},
        verdict="pass", proposed_subsidy=subsidy)
    act(flow, application, "finance_recheck", FINANCE, note="经复核，评审结果属实")
    noticed = act(flow, application, "publish")
    flow.set_clock(datetime.fromisoformat(noticed["notice"]["ends_at"]) + timedelta(hours=1))
    act(flow, application, "close_notice")
    done = act(flow, application, "award", LEADER)
    assert done["state"] == "awarded" and done["awarded"] == subsidy
    return done


def evidence(flow: Flow, project: dict[str, Any], month: str, as_: str = COMMERCE) -> list[int]:
    """The month's order ledger, uploaded to the project."""
    doc = flow.ok(upload(flow, as_, project["id"], content=PDF + month.encode(), filename=f"订单台账-{month}.pdf",
                         kind="report"), 201)
    return [doc["id"]]


def report(flow: Flow, application: dict[str, Any], month: str, volume: int, document_ids: list[int],
           as_: str = ENTERPRISE) -> Any:
    return flow.post(f"/applications/{application['id']}/volume-reports",
                     {"month": month, "volume": volume, "document_ids": document_ids}, as_)


def step(flow: Flow, report_: dict[str, Any], event: str, as_: str = COMMERCE_2, **data: Any) -> Any:
    return flow.post(f"/volume-reports/{report_['id']}/events", {"event": event, **data}, as_)


def test_a_call_pays_per_unit_and_shows_its_rate(county: Flow) -> None:
    project = filed_project(county)
    call = county.ok(open_call(county, project), 201)
    assert call["unit_rate"] == RATE and call["total"] == "900000.00"
    assert county.ok(county.get(f"/calls/{call['id']}", COMMERCE))["unit_rate"] == RATE
    lump = county.ok(open_call(county, project, None, total="100.00"), 201)
    assert lump["unit_rate"] is None
    zero = open_call(county, project, {"unit": "单", "rate": "0.00"}, total="100.00")
    assert zero.status_code == 422 and "unit_rate" in zero.get_json()["errors"]
    number = open_call(county, project, {"unit": "单", "rate": 1.5}, total="100.00")
    assert number.status_code == 422
    opened = [e for e in county.audit_actions(project["id"], INSPECTOR) if e["action"] == "call.open"]
    assert opened[0]["data"]["unit_rate"] == RATE and "unit_rate" not in opened[1]["data"]


def test_a_month_is_reported_with_evidence_and_verified_by_another_commerce_user(county: Flow) -> None:
    project = filed_project(county)
    call = county.ok(open_call(county, project), 201)
    application = awarded(county, call)
    docs = evidence(county, project, "2024-09")

    reported = county.ok(report(county, application, "2024-09", 120000, docs), 201)
    assert reported["state"] == "reported" and reported["state_label"] == {"zh": "已报送", "en": "Reported"}
    assert reported["claimed"] == "360000.00" and reported["payable"] is None
    assert reported["unit_rate"] == RATE and reported["document_ids"] == docs

    above = step(county, reported, "verify", verified_volume=120001)
    assert above.status_code == 422 and "verified_volume" in above.get_json()["errors"]
    missing = step(county, reported, "verify")
    assert missing.status_code == 422 and "verified_volume" in missing.get_json()["errors"]
    assert step(county, reported, "verify", FINANCE, verified_volume=1).status_code == 403
    verified = county.ok(step(county, reported, "verify", verified_volume=118500, note="核减退货1500单"))
    assert verified["state"] == "verified" and verified["verified_volume"] == 118500
    assert verified["payable"] == "355500.00" and verified["allowed_events"] == []
    assert county.ok(county.get(f"/volume-reports/{reported['id']}", ENTERPRISE))["payable"] == "355500.00"
    listed = county.ok(county.get(f"/applications/{application['id']}/volume-reports", INSPECTOR))
    assert [(r["month"], r["state"]) for r in listed] == [("2024-09", "verified")]

    entries = [e for e in county.audit_actions(project["id"], INSPECTOR) if e["action"].startswith("volume_report.")]
    assert [(e["action"], e["to_state"]) for e in entries] == [("volume_report.report", "reported"),
                                                              ("volume_report.verify", "verified")]
    assert entries[0]["data"]["claimed"] == "360000.00" and entries[0]["data"]["document_ids"] == docs
    assert entries[1]["data"]["verified_volume"] == 118500 and entries[1]["data"]["payable"] == "355500.00"


def test_whoever_reported_does_not_verify_and_a_month_over_the_cap_pays_the_cap(county: Flow) -> None:
    project = filed_project(county)
    application = awarded(county, county.ok(open_call(county, project), 201))
    by_commerce = county.ok(report(county, application, "2024-08", 150000, evidence(county, project, "2024-08"),
                                   as_=COMMERCE), 201)
    assert by_commerce["claimed"] == "400000.00"  # 150000 × 3.00 = 45万, capped at 40万 a month
    same = step(county, by_commerce, "verify", COMMERCE, verified_volume=150000)
    assert same.status_code == 409 and unmet_codes(same) == ["same_user_as_reporter"]
    why = county.ok(county.get(f"/volume-reports/{by_commerce['id']}/events/verify", COMMERCE))
    assert not why["allowed"] and [u["code"] for u in why["unmet"]] == ["same_user_as_reporter"]
    assert county.ok(step(county, by_commerce, "verify", verified_volume=150000))["payable"] == "400000.00"


def test_a_report_is_refused_before_the_award_outside_the_period_twice_a_month_and_without_evidence(
        county: Flow) -> None:
    project = filed_project(county)
    call = county.ok(open_call(county, project), 201)
    lump_call = county.ok(open_call(county, project, None, total="100.00"), 201)
    application = awarded(county, call)
    docs = evidence(county, project, "2024-07")

    no_evidence = report(county, application, "2024-07", 100, [])
    assert no_evidence.status_code == 422 and "document_ids" in no_evidence.get_json()["errors"]
    not_ended = report(county, application, "2024-10", 100, docs)
    assert not_ended.status_code == 422 and "month" in not_ended.get_json()["errors"]
    county.set_clock(datetime(2024, 12, 2, 2, 0, tzinfo=UTC))
    outside = report(county, application, "2024-11", 100, docs)  # the plan's period ends on 2024-10-31
    assert outside.status_code == 422 and "month" in outside.get_json()["errors"]
    zero = report(county, application, "2024-07", 0, docs)
    assert zero.status_code == 422 and "volume" in zero.get_json()["errors"]

    first = county.ok(report(county, application, "2024-07", 100, docs), 201)
    twice = report(county, application, "2024-07", 90, docs)
    assert twice.status_code == 409 and unmet_codes(twice) == ["month_already_reported"]
    assert step(county, first, "reject").status_code == 422  # a rejection says why
    rejected = county.ok(step(county, first, "reject", note="订单台账与快递系统数据不符"))
    assert rejected["state"] == "rejected" and rejected["reject_note"] == "订单台账与快递系统数据不符"
    again = county.ok(report(county, application, "2024-07", 90, docs), 201)
    assert again["month"] == "2024-07" and again["id"] != first["id"]

    not_own = report(county, application, "2024-06", 100, docs, as_=OTHER_ENTERPRISE)
    assert not_own.status_code == 404
    assert county.get(f"/volume-reports/{again['id']}", OTHER_ENTERPRISE).status_code == 404

    lump = county.ok(county.post(f"/calls/{lump_call['id']}/applications", {
        "applicant": {"name": NAME, "credit_code": CODE, "region": COUNTY, "declarations": DECLARED},
        "amount_requested": "100.00", "description": "其他", "document_ids": []}, ENTERPRISE), 201)
    not_awarded = report(county, lump, "2024-06", 100, docs)
    assert not_awarded.status_code == 409
    assert set(unmet_codes(not_awarded)) == {"application_not_awarded", "not_per_unit"}


def today(flow: Flow) -> str:
    return local_date(flow.clock.now()).isoformat()


def request(flow: Flow, application: dict[str, Any], amount: str, report_: dict[str, Any] | None,
            as_: str = ENTERPRISE) -> Any:
    body: dict[str, Any] = {"amount": amount}
    if report_ is not None:
        body["volume_report_id"] = report_["id"]
    return flow.post(f"/applications/{application['id']}/payments", body, as_)


def pay(flow: Flow, payment: dict[str, Any], voucher: str) -> dict[str, Any]:
    """Verified by commerce (not who verified the volume), approved by finance, disbursed by another at finance."""
    for event, who, data in (("verify", COMMERCE, {}), ("approve", FINANCE, {}),
                             ("disburse", FINANCE_2, {"voucher_no": voucher, "disbursed_on": today(flow)})):
        payment = flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": event, **data}, who))
    assert payment["state"] == "disbursed" and payment["on_behalf_of"] == {}
    return payment


def verified_month(flow: Flow, project: dict[str, Any], application: dict[str, Any], month: str, volume: int,
                   verified: int) -> dict[str, Any]:
    """The enterprise uploads the month's order ledger to its agreement and reports; commerce's second user
    verifies."""
    doc = flow.ok(upload(flow, ENTERPRISE, project["id"], content=PDF + month.encode(), kind="report",
                         filename=f"订单台账-{month}.pdf", contract_id=application["contract_id"]), 201)
    reported = flow.ok(report(flow, application, month, volume, [doc["id"]]), 201)
    return flow.ok(step(flow, reported, "verify", verified_volume=verified))


def test_three_verified_months_are_paid_and_the_third_stops_at_the_lines_budget(county: Flow) -> None:
    """Issue 20, done when: a per-unit logistics subsidy pays 3 months of reported orders and stops at the line's
    budget. The award is the whole 物流补贴 line (90万元); at 3.00 yuan an order, July and August pay 36万 and 33万,
    September's 30万 stops at the 21万 the line has left; October is refused."""
    project = filed_project(county)
    application = awarded(county, county.ok(open_call(county, project), 201))
    assert application["awarded"] == logistics_line(project)["amount"] == "900000.00"
    agreement = application["contract_id"]
    county.ok(county.client.put(f"/api/v1/contracts/{agreement}/payee", headers=county.h(COMMERCE),
                                json={"payee_bank": "中国农业银行布尔津县支行",
                                      "payee_account": "6228 4801 6543 2100 017"}))

    july = verified_month(county, project, application, "2024-07", 120000, 120000)
    assert july["payable"] == july["due"] == "360000.00"
    unverified = county.ok(report(county, application, "2024-08", 110500, july["document_ids"]), 201)
    assert unmet_codes(request(county, application, "1.00", unverified)) == ["volume_report_not_verified"]
    no_report = request(county, application, "360000.00", None)
    assert no_report.status_code == 422 and "volume_report_id" in no_report.get_json()["errors"]
    above = request(county, application, "360000.01", july)
    assert above.status_code == 409 and unmet_codes(above) == ["above_unit_subsidy_due"]
    first = county.ok(request(county, application, "360000.00", july), 201)
    assert first["volume_report_id"] == july["id"]
    assert first["kind"] == "subsidy"
    twice = request(county, application, "1.00", july)
    assert twice.status_code == 409 and unmet_codes(twice) == ["volume_report_paid"]
    by_volume_verifier = county.post(f"/payments/{first['id']}/events", {"event": "verify"}, COMMERCE_2)
    assert by_volume_verifier.status_code == 409 and unmet_codes(by_volume_verifier) == ["volume_verifier"]
    pay(county, first, "BEJ-WL-2024-07")

    august = county.ok(step(county, unverified, "verify", verified_volume=110000, note="核减重复订单500单"))
    assert august["payable"] == august["due"] == "330000.00"
    pay(county, county.ok(request(county, application, "330000.00", august), 201), "BEJ-WL-2024-08")

    september = verified_month(county, project, application, "2024-09", 100000, 100000)
    assert september["payable"] == "300000.00" and september["due"] == "210000.00"
    stopped = request(county, application, "300000.00", september)
    assert stopped.status_code == 409 and unmet_codes(stopped) == ["above_unit_subsidy_due"]
    refusal = stopped.get_json()["unmet"][0]
    assert "至多可拨付 210,000.00 元（21万元）" in refusal["message_zh"], refusal
    assert refusal["message_en"].startswith("At most 210,000.00 yuan can be paid for 2024-09"), refusal
    last = pay(county, county.ok(request(county, application, "210000.00", september), 201), "BEJ-WL-2024-09")
    assert {last[f"{s}_by"] for s in ("requested", "verified", "approved", "disbursed")} == \
        {county.user_ids[u] for u in (ENTERPRISE, COMMERCE, FINANCE, FINANCE_2)}

    county.set_clock(datetime(2024, 11, 1, 2, 0, tzinfo=UTC))
    october = report(county, application, "2024-10", 90000, july["document_ids"])
    assert october.status_code == 409 and unmet_codes(october) == ["award_used_up"]

    shown = county.ok(county.get(f"/applications/{application['id']}", COMMERCE))
    assert [(p["amount"], p["state"]) for p in shown["payments"]] == [
        ("360000.00", "disbursed"), ("330000.00", "disbursed"), ("210000.00", "disbursed")]
    months = county.ok(county.get(f"/applications/{application['id']}/volume-reports", INSPECTOR))
    assert [(m["month"], m["payable"], [p["amount"] for p in m["payments"]], m["due"]) for m in months] == [
        ("2024-07", "360000.00", ["360000.00"], None), ("2024-08", "330000.00", ["330000.00"], None),
        ("2024-09", "300000.00", ["210000.00"], None)]
    ledger = county.ok(county.get(f"/projects/{project['id']}/ledger", FINANCE))
    [row] = [c for c in ledger["contracts"] if c["contract_id"] == agreement]
    assert (row["contracted"], row["disbursed"]) == ("900000.00", "900000.00")

    entries = county.audit_actions(project["id"], INSPECTOR)
    steps = [e["action"] for e in entries if e["action"].startswith(("volume_report.", "payment."))]
    assert steps == ["volume_report.report", "volume_report.verify", "volume_report.report", "payment.request",
                     "payment.verify", "payment.approve", "payment.disburse", "volume_report.verify",
                     "payment.request", "payment.verify", "payment.approve", "payment.disburse",
                     "volume_report.report", "volume_report.verify", "payment.request", "payment.verify",
                     "payment.approve", "payment.disburse"]
    requested = [e["data"]["volume_report"] for e in entries if e["action"] == "payment.request"]
    assert [(r["month"], r["payable"], r["due"]) for r in requested] == [
        ("2024-07", "360000.00", "360000.00"), ("2024-08", "330000.00", "330000.00"),
        ("2024-09", "300000.00", "210000.00")]


def test_the_database_keeps_one_live_report_a_month_whatever_writes_it(county: Flow) -> None:
    """The partial unique index of migration 0020 backs the guard: a second live report of a month is refused by
    the database itself; a rejected one is not counted."""
    project = filed_project(county)
    application = awarded(county, county.ok(open_call(county, project), 201))
    first = county.ok(report(county, application, "2024-09", 100, evidence(county, project, "2024-09")), 201)
    now = county.clock.now()

    def insert(state: str) -> None:
        with county.db.writing() as tx:
            tx.session.add(VolumeReport(application_id=application["id"], project_id=project["id"], month="2024-09",
                                        volume=1, state=state, created_at=now, updated_at=now))
            tx.session.flush()
            tx.commit()

    with pytest.raises(IntegrityError):
        insert("reported")
    insert("rejected")
    county.ok(step(county, first, "reject", note="重复报送"))
    insert("verified")  # the month's only live report now
