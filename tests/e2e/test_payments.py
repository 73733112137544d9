"""Gated payments on seed 001's plan (national-2020): advance, stage, final (SPEC §5.3; seed 001 §6(2)2)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from disburse.clock import ManualClock
from disburse.domain.credit_code import check_char
from disburse.domain.notice import local_date
from tests.helpers import Tokens, example, make_user

COUNTY = "654321"  # 布尔津县
CODE = "91654321MA78BEJN1" + check_char("91654321MA78BEJN1")
USERS = {"bej-commerce": "commerce", "bej-commerce-2": "commerce", "bej-finance": "finance",
         "bej-finance-2": "finance", "bej-leader": "leader", "bej-contractor": "contractor",
         "alt-inspector": "inspector"}
CONTRACT = "5000000.00"  # the whole plan to one contractor
ADVANCE_CAP = "1500000.00"  # 30 %


class Desk:
    """Seed 001's county at work, through the API."""

    def __init__(self, app: Any, client: Any) -> None:
        self.client = client
        self.clock = ManualClock(datetime(2023, 3, 1, 2, 0, tzinfo=UTC))
        app.extensions["disburse.clock"] = self.clock
        db = app.extensions["disburse.db"]
        self.ids = {}
        for name, role in USERS.items():
            region = "654300" if role == "inspector" else COUNTY
            self.ids[name] = make_user(db, name, role, region, contractor=CODE if role == "contractor" else None)
        self.headers = Tokens(client, self.clock)

    def post(self, path: str, body: dict[str, Any], as_: str, **headers: str) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers={**self.headers[as_], **headers})

    def get(self, path: str, as_: str = "bej-commerce") -> dict[str, Any]:
        resp = self.client.get(f"/api/v1{path}", headers=self.headers[as_])
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def ok(self, resp: Any, status: int = 200) -> dict[str, Any]:
        assert resp.status_code == status, resp.get_json()
        return resp.get_json()

    def today(self) -> str:
        """The clock's date in Asia/Shanghai: a disbursement is dated neither later nor before its approval."""
        return local_date(self.clock.now()).isoformat()

    def project_with_contract(self) -> tuple[dict[str, Any], dict[str, Any]]:
        project = self.ok(self.post("/projects", example("001"), "bej-commerce"), 201)
        pid = project["id"]
        self.ok(self.post(f"/projects/{pid}/events", {"event": "file"}, "bej-commerce"))
        self.ok(self.post(f"/projects/{pid}/events", {"event": "open_tender", "method": "open",
                                                       "packaging": "whole", "announced_on": "2022-12-01"},
                          "bej-commerce"))
        contract = self.ok(self.post(f"/projects/{pid}/contracts", {
            "lot": "布尔津县电商后续资金项目", "amount": CONTRACT, "signed_on": "2022-12-20",
            "contractor": {"name": "布尔津县电子商务运营有限公司", "credit_code": CODE, "region": COUNTY,
                           "declarations": {"independent_legal_person": True, "sound_accounting": True,
                                            "no_violation_3y": True}},
            "line_ids": [line["id"] for line in project["lines"]],
            "schedule": {"advance": "0.30", "stages": [{"name": "阶段一", "share": "0.40"}], "final": "0.30"},
            "payee_bank": "中国农业银行布尔津县支行", "payee_account": "1234 5678 9012 3456 789",
        }, "bej-commerce"), 201)
        project = self.ok(self.post(f"/projects/{pid}/events", {"event": "select_contractor"}, "bej-commerce"))
        return project, contract

    def request(self, contract: dict[str, Any], kind: str, amount: str, as_: str = "bej-contractor",
                **extra: Any) -> Any:
        return self.post(f"/contracts/{contract['id']}/payments", {"kind": kind, "amount": amount, **extra}, as_)

    def step(self, payment: dict[str, Any], event: str, as_: str, **data: Any) -> Any:
        return self.post(f"/payments/{payment['id']}/events", {"event": event, **data}, as_)

    def through(self, payment: dict[str, Any], voucher: str) -> dict[str, Any]:
        """verify (commerce-2), approve (finance), disburse (finance-2): four users in all."""
        self.ok(self.step(payment, "verify", "bej-commerce-2"))
        self.ok(self.step(payment, "approve", "bej-finance"))
        return self.ok(self.step(payment, "disburse", "bej-finance-2", voucher_no=voucher,
                                 disbursed_on=self.today()))

    def apply(self, contract: dict[str, Any], kind: str, **extra: Any) -> int:
        body = {"kind": kind, **({"stage": 1} if kind == "stage" else {}), **extra}
        return int(self.ok(self.post(f"/contracts/{contract['id']}/acceptances", body, "bej-contractor"), 201)["id"])

    def clear(self, project: dict[str, Any], aid: int, verdicts: list[dict[str, Any]] | None = None) -> None:
        """Review, pass (as bej-commerce; every line it covers in full unless ``verdicts`` say otherwise),
        publish and close the notice once it has ended."""
        if verdicts is None:
            verdicts = [{"line_id": line["line_id"], "result": "pass", "accepted_amount": line["amount"]}
                        for line in self.get(f"/acceptances/{aid}")["lines"]]
        for event, data in (("start_review", {}), ("pass", {"verdicts": verdicts}), ("publish", {})):
            self.ok(self.post(f"/acceptances/{aid}/events", {"event": event, **data}, "bej-commerce"))
        self.clock.advance(timedelta(days=20))
        self.ok(self.post(f"/acceptances/{aid}/events", {"event": "close_notice"}, "bej-commerce"))

    def approved_acceptance(self, project: dict[str, Any], contract: dict[str, Any], kind: str) -> dict[str, Any]:
        aid = self.apply(contract, kind)
        self.clear(project, aid)
        return self.ok(self.post(f"/acceptances/{aid}/events", {"event": "approve"}, "bej-leader"))


def codes(resp: Any) -> list[str]:
    return [u["code"] for u in resp.get_json().get("unmet", [])]


@pytest.fixture
def desk(app: Any, client: Any) -> Desk:
    return Desk(app, client)


def test_seed_001_pays_advance_stage_and_final_exactly_to_the_limits(desk: Desk) -> None:
    project, contract = desk.project_with_contract()
    advance = desk.ok(desk.request(contract, "advance", ADVANCE_CAP), 201)
    done = desk.through(advance, "BEJ-2023-001")
    assert done["state"] == "disbursed"
    assert len({done["requested_by"], done["verified_by"], done["approved_by"], done["disbursed_by"]}) == 4

    one_more = desk.request(contract, "advance", "1.00")
    assert one_more.status_code == 409 and codes(one_more) == ["advance_above_cap"]
    assert "30%" in one_more.get_json()["unmet"][0]["message"]

    early = desk.request(contract, "stage", "2000000.00", acceptance_id=None)
    assert early.status_code == 422  # a stage payment names its acceptance
    aid = desk.apply(contract, "stage")
    early = desk.request(contract, "stage", "2000000.00", acceptance_id=aid)
    assert early.status_code == 409 and "acceptance_not_approved" in codes(early)
    desk.clear(project, aid)
    still_early = desk.request(contract, "stage", "2000000.00", acceptance_id=aid)
    assert "acceptance_not_approved" in codes(still_early)
    desk.ok(desk.post(f"/acceptances/{aid}/events", {"event": "approve"}, "bej-leader"))
    stage = desk.through(desk.ok(desk.request(contract, "stage", "2000000.00", acceptance_id=aid), 201), "BEJ-2")
    assert stage["state"] == "disbursed"
    assert desk.get("/audit/verify", "alt-inspector")["ok"] is True


def test_the_whole_contract_is_paid_and_not_a_yuan_more(desk: Desk) -> None:
    project, contract = desk.project_with_contract()
    desk.through(desk.ok(desk.request(contract, "advance", ADVANCE_CAP), 201), "BEJ-1")
    stage = desk.approved_acceptance(project, contract, "stage")
    over_share = desk.request(contract, "stage", "2000000.01", acceptance_id=stage["id"])
    assert over_share.status_code == 409 and "stage_above_share" in codes(over_share)
    paid = desk.through(desk.ok(desk.request(contract, "stage", "2000000.00", acceptance_id=stage["id"]), 201),
                        "BEJ-2")
    assert paid["state"] == "disbursed"
    twice = desk.request(contract, "stage", "1.00", acceptance_id=stage["id"])
    assert "acceptance_already_paid" in codes(twice)

    early_final = desk.request(contract, "final", "1500000.00")
    assert early_final.status_code == 409 and "final_acceptance_missing" in codes(early_final)
    desk.approved_acceptance(project, contract, "final")
    too_much = desk.request(contract, "final", "1500000.01")
    assert too_much.status_code == 409 and "final_above_remaining" in codes(too_much)
    final = desk.through(desk.ok(desk.request(contract, "final", "1500000.00"), 201), "BEJ-3")
    assert final["state"] == "disbursed"
    assert desk.request(contract, "final", "1.00").status_code == 409

    ledger = desk.get(f"/contracts/{contract['id']}")["ledger"]
    assert ledger == {"contracted": CONTRACT, "requested": "0.00", "in_flight": "0.00", "approved": "0.00",
                      "disbursed": CONTRACT, "remaining": "0.00", "recovered": "0.00"}
    totals = desk.get(f"/projects/{project['id']}/ledger")["totals"]
    assert totals["disbursed"] == CONTRACT
    assert desk.get(f"/projects/{project['id']}")["disbursed"] == CONTRACT
    verify = desk.get("/audit/verify", "alt-inspector")
    assert verify["ok"] is True
    audit = desk.get(f"/projects/{project['id']}/audit?per_page=200", "alt-inspector")["items"]
    assert [e["action"] for e in audit].count("payment.disburse") == 3


def test_no_user_performs_two_steps_of_one_payment(desk: Desk) -> None:
    _, contract = desk.project_with_contract()
    payment = desk.ok(desk.request(contract, "advance", "100000.00", as_="bej-commerce"), 201)
    own = desk.step(payment, "verify", "bej-commerce")
    assert own.status_code == 409 and codes(own) == ["same_user_two_steps"]
    desk.ok(desk.step(payment, "verify", "bej-commerce-2"))
    desk.ok(desk.step(payment, "approve", "bej-finance"))
    again = desk.step(payment, "disburse", "bej-finance", voucher_no="V1", disbursed_on=desk.today())
    assert again.status_code == 409 and codes(again) == ["same_user_two_steps"]
    wrong_role = desk.step(payment, "disburse", "bej-commerce", voucher_no="V1", disbursed_on=desk.today())
    assert wrong_role.status_code == 403


def test_the_verdict_recorder_may_not_verify_the_payment_relying_on_it(desk: Desk) -> None:
    project, contract = desk.project_with_contract()
    stage = desk.approved_acceptance(project, contract, "stage")  # pass recorded by bej-commerce
    payment = desk.ok(desk.request(contract, "stage", "1000000.00", acceptance_id=stage["id"]), 201)
    refused = desk.step(payment, "verify", "bej-commerce")
    assert refused.status_code == 409 and codes(refused) == ["verdict_recorder"]
    assert desk.step(payment, "verify", "bej-commerce-2").status_code == 200


def test_a_payment_of_a_project_suspended_after_approval_waits_for_resume(desk: Desk) -> None:
    project, contract = desk.project_with_contract()
    payment = desk.ok(desk.request(contract, "advance", "500000.00"), 201)
    desk.ok(desk.step(payment, "verify", "bej-commerce"))
    desk.ok(desk.step(payment, "approve", "bej-finance"))
    desk.ok(desk.post(f"/projects/{project['id']}/events", {"event": "suspend", "note": "核查"}, "alt-inspector"))
    held = desk.step(payment, "disburse", "bej-finance-2", voucher_no="V9", disbursed_on=desk.today())
    assert held.status_code == 409 and "project_not_active" in codes(held)
    assert desk.request(contract, "advance", "1.00").status_code == 409
    desk.ok(desk.post(f"/projects/{project['id']}/events", {"event": "resume", "note": "核查完毕"}, "alt-inspector"))
    assert desk.ok(desk.step(payment, "disburse", "bej-finance-2", voucher_no="V9",
                             disbursed_on=desk.today()))["state"] == "disbursed"


def test_an_idempotency_key_replay_returns_the_same_payment(desk: Desk) -> None:
    _, contract = desk.project_with_contract()
    body = {"kind": "advance", "amount": "300000.00"}
    first = desk.ok(desk.post(f"/contracts/{contract['id']}/payments", body, "bej-contractor",
                              **{"Idempotency-Key": "req-1"}), 201)
    replay = desk.ok(desk.post(f"/contracts/{contract['id']}/payments", body, "bej-contractor",
                               **{"Idempotency-Key": "req-1"}), 201)
    assert replay == first
    other = desk.post(f"/contracts/{contract['id']}/payments", {**body, "amount": "300000.01"}, "bej-contractor",
                      **{"Idempotency-Key": "req-1"})
    assert other.status_code == 409 and codes(other) == ["idempotency_key_reused"]
    mine = desk.post(f"/contracts/{contract['id']}/payments", body, "bej-commerce", **{"Idempotency-Key": "req-1"})
    assert mine.status_code == 201 and mine.get_json()["id"] != first["id"]  # keys are per user
    payments = desk.get(f"/contracts/{contract['id']}/payments")["items"]
    assert len(payments) == 2
    step = {"Idempotency-Key": "verify-1"}
    verified = desk.ok(desk.post(f"/payments/{first['id']}/events", {"event": "verify"}, "bej-commerce", **step))
    assert desk.ok(desk.post(f"/payments/{first['id']}/events", {"event": "verify"}, "bej-commerce",
                             **step)) == verified


def test_cancel_is_for_the_requester_before_approval(desk: Desk) -> None:
    _, contract = desk.project_with_contract()
    payment = desk.ok(desk.request(contract, "advance", "100000.00"), 201)
    assert codes(desk.step(payment, "cancel", "bej-commerce")) == ["not_the_requester"]
    assert desk.ok(desk.step(payment, "cancel", "bej-contractor"))["state"] == "cancelled"
    assert desk.get(f"/contracts/{contract['id']}")["ledger"]["in_flight"] == "0.00"


def test_a_failed_evaluation_recovers_what_was_paid_and_the_ledger_balances(desk: Desk) -> None:
    project, contract = desk.project_with_contract()
    desk.through(desk.ok(desk.request(contract, "advance", ADVANCE_CAP), 201), "BEJ-1")
    desk.approved_acceptance(project, contract, "final")
    pid = project["id"]
    desk.ok(desk.post(f"/projects/{pid}/events", {"event": "request_final_audit"}, "bej-commerce"))
    make_user(desk.client.application.extensions["disburse.db"], "alt-supervisor", "supervisor", "654300")
    targets = [{"name": t["name"], "actual": "0"} for t in project["targets"]]
    over = desk.post(f"/projects/{pid}/events", {"event": "fail_audit", "evaluator": "第三方", "targets": targets,
                                                 "amount": "1500000.01"}, "alt-supervisor")
    assert codes(over) == ["recovery_above_disbursed"]
    failed = desk.ok(desk.post(f"/projects/{pid}/events", {"event": "fail_audit", "evaluator": "第三方",
                                                           "targets": targets, "amount": ADVANCE_CAP},
                               "alt-supervisor"))
    [recovery] = failed["recoveries"]
    desk.ok(desk.post(f"/recoveries/{recovery['id']}/events",
                      {"event": "record_receipt", "amount": ADVANCE_CAP, "received_on": desk.today(),
                       "voucher_no": "BEJ-SH-1"}, "bej-finance"))
    closed = desk.ok(desk.post(f"/projects/{pid}/events", {"event": "settle_clawback"}, "bej-finance"))
    assert closed["state"] == "closed" and closed["recovered"] == ADVANCE_CAP
    ledger = desk.get(f"/contracts/{contract['id']}")["ledger"]
    assert Decimal(ledger["disbursed"]) - Decimal(ledger["recovered"]) == 0


def test_a_final_payment_relies_on_the_final_acceptance_only(desk: Desk) -> None:
    project, contract = desk.project_with_contract()
    stage = desk.approved_acceptance(project, contract, "stage")
    resp = desk.request(contract, "final", "100.00", acceptance_id=stage["id"])
    assert resp.status_code == 422 and "acceptance_id" in resp.get_json()["errors"]


def test_the_finance_queue_lists_what_waits_oldest_first(desk: Desk) -> None:
    _, contract = desk.project_with_contract()
    first = desk.ok(desk.request(contract, "advance", "100000.00"), 201)
    second = desk.ok(desk.request(contract, "advance", "200000.00"), 201)
    assert desk.get("/payments/queue", "bej-finance")["total"] == 0
    assert [p["id"] for p in desk.get("/payments/queue", "bej-commerce")["items"]] == [first["id"], second["id"]]
    desk.ok(desk.step(first, "verify", "bej-commerce"))
    queue = desk.get("/payments/queue", "bej-finance")
    assert [(p["id"], p["amount_wan"]) for p in queue["items"]] == [(first["id"], "10万元")]
    assert desk.client.get("/api/v1/payments/queue", headers=desk.headers["alt-inspector"]).status_code == 403


def proposed(desk: Desk, acceptance: dict[str, Any]) -> str:
    """The proposed payment (拟补助资金) the acceptance's public notice shows."""
    resp = desk.client.get(f"/api/v1/public/notices/{acceptance['notice']['id']}")
    assert resp.status_code == 200
    return str(resp.get_json()["proposed_payment"]["amount"])


def test_seed_001_stage_accepts_the_work_delivered_and_the_final_the_rest_paid_up_to_what_was_accepted(
        desk: Desk) -> None:
    """Issue 17, done when: a stage acceptance of 5 of the contract's lines passes and pays its stage; the final
    acceptance covers the rest; a final payment one yuan above the accepted total is refused."""
    project, contract = desk.project_with_contract()
    desk.through(desk.ok(desk.request(contract, "advance", ADVANCE_CAP), 201), "BEJ-1")
    lines = {line["id"]: Decimal(line["amount"]) for line in project["lines"]}
    five = sorted(lines)[:5]
    stage_id = desk.apply(contract, "stage", line_ids=five)
    stage = desk.get(f"/acceptances/{stage_id}")
    assert [line["line_id"] for line in stage["lines"]] == five

    beyond = [{"line_id": i, "result": "pass", "accepted_amount": f"{lines[i]:.2f}"} for i in sorted(lines)[:6]]
    desk.ok(desk.post(f"/acceptances/{stage_id}/events", {"event": "start_review"}, "bej-commerce"))
    refused = desk.post(f"/acceptances/{stage_id}/events", {"event": "pass", "verdicts": beyond}, "bej-commerce")
    assert refused.status_code == 409 and codes(refused) == ["verdict_not_in_scope"]  # a line not due yet
    desk.ok(desk.post(f"/acceptances/{stage_id}/events", {"event": "pass", "verdicts": beyond[:5]}, "bej-commerce"))
    for event in ("publish",):
        desk.ok(desk.post(f"/acceptances/{stage_id}/events", {"event": event}, "bej-commerce"))
    desk.clock.advance(timedelta(days=20))
    desk.ok(desk.post(f"/acceptances/{stage_id}/events", {"event": "close_notice"}, "bej-commerce"))
    approved = desk.ok(desk.post(f"/acceptances/{stage_id}/events", {"event": "approve"}, "bej-leader"))
    five_total = sum((lines[i] for i in five), Decimal(0))
    assert Decimal(approved["accepted_total"]) == five_total == Decimal("2900000.00")
    # the public notice proposed what the stage gate allows (issue 18: 拟补助资金)
    assert proposed(desk, approved) == "2000000.00"
    # the stage pays min(40 % of the contract, what the stage accepted) = 200万
    stage_paid = desk.through(desk.ok(desk.request(contract, "stage", "2000000.00", acceptance_id=stage_id), 201),
                              "BEJ-2")
    assert stage_paid["state"] == "disbursed"

    final_id = desk.apply(contract, "final")
    final = desk.get(f"/acceptances/{final_id}")
    rest = sorted(set(lines) - set(five))
    assert [line["line_id"] for line in final["lines"]] == rest
    # one line is accepted 10万 below its budget (核减), with the reason
    reduced = rest[0]
    verdicts = [{"line_id": i, "result": "pass", "accepted_amount": f"{lines[i]:.2f}"} for i in rest]
    verdicts[0] = {"line_id": reduced, "result": "pass", "accepted_amount": f"{lines[reduced] - 100000:.2f}"}
    desk.ok(desk.post(f"/acceptances/{final_id}/events", {"event": "start_review"}, "bej-commerce"))
    unexplained = desk.post(f"/acceptances/{final_id}/events", {"event": "pass", "verdicts": verdicts}, "bej-commerce")
    assert codes(unexplained) == ["reduction_without_note"]
    verdicts[0]["note"] = "核减：培训人数未达计划"
    desk.ok(desk.post(f"/acceptances/{final_id}/events", {"event": "pass", "verdicts": verdicts}, "bej-commerce"))
    desk.ok(desk.post(f"/acceptances/{final_id}/events", {"event": "publish"}, "bej-commerce"))
    desk.clock.advance(timedelta(days=20))
    desk.ok(desk.post(f"/acceptances/{final_id}/events", {"event": "close_notice"}, "bej-commerce"))
    desk.ok(desk.post(f"/acceptances/{final_id}/events", {"event": "approve"}, "bej-leader"))

    # accepted 290万 + 200万 = 490万; advance 150万 + stage 200万 paid: 140万 may follow, not a yuan more
    final_notice = desk.get(f"/acceptances/{final_id}")
    assert proposed(desk, final_notice) == "1400000.00"  # the notice proposed what the final gate allows
    one_yuan_more = desk.request(contract, "final", "1400001.00")
    assert one_yuan_more.status_code == 409 and codes(one_yuan_more) == ["above_accepted_amount"]
    unmet = one_yuan_more.get_json()["unmet"][0]
    assert "4,900,000.00" in unmet["message_en"] and "4,900,001.00" in unmet["message_en"], unmet
    assert "4,900,000.00 元（490万元）" in unmet["message_zh"], unmet
    final_paid = desk.through(desk.ok(desk.request(contract, "final", "1400000.00"), 201), "BEJ-3")
    assert final_paid["state"] == "disbursed"
    ledger = desk.get(f"/contracts/{contract['id']}")["ledger"]
    assert ledger["disbursed"] == "4900000.00"
    assert proposed(desk, final_notice) == "1400000.00"  # the notice still reads as published once paid


def test_a_contract_above_the_budget_of_its_lines_is_refused(desk: Desk) -> None:
    """Issue 17, done when: a contract above its lines' sum is refused (``contract_above_lines``)."""
    project = desk.ok(desk.post("/projects", example("001"), "bej-commerce"), 201)
    pid = project["id"]
    desk.ok(desk.post(f"/projects/{pid}/events", {"event": "file"}, "bej-commerce"))
    desk.ok(desk.post(f"/projects/{pid}/events", {"event": "open_tender", "method": "open", "packaging": "by_item",
                                                   "announced_on": "2022-12-01"}, "bej-commerce"))
    first = project["lines"][0]
    body = {"lot": "标段一", "amount": f"{Decimal(first['amount']) + Decimal('0.01'):.2f}", "signed_on": "2022-12-20",
            "contractor": {"name": "布尔津县电子商务运营有限公司", "credit_code": CODE, "region": COUNTY,
                           "declarations": {"independent_legal_person": True, "sound_accounting": True,
                                            "no_violation_3y": True}},
            "line_ids": [first["id"]],
            "schedule": {"advance": "0.30", "stages": [{"name": "阶段一", "share": "0.40"}], "final": "0.30"}}
    refused = desk.post(f"/projects/{pid}/contracts", body, "bej-commerce")
    assert refused.status_code == 409 and codes(refused) == ["contract_above_lines"]
    assert "600,000.00 yuan" in refused.get_json()["unmet"][0]["message_en"]
    assert "600,000.00 元（60万元）" in refused.get_json()["unmet"][0]["message_zh"]
    body["amount"] = first["amount"]
    desk.ok(desk.post(f"/projects/{pid}/contracts", body, "bej-commerce"), 201)
