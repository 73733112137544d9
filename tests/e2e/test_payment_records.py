"""Payment records a treasury would accept (issue 17 item 6): the payee's account on the contract and the
voucher, and the payment due clock of 保障中小企业款项支付条例 (2020) 第八条、第九条 — due 30 days after the
acceptance's approval (a contract may agree up to 60), reminded before and alerted after.

Seed 003's project through the API (``tests.flow``); the app's clock is moved to make a payment late, and
the scheduler's sweep is run at chosen moments in Asia/Shanghai, as ``disburse scheduler tick --now`` does.
"""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from disburse.adapters.orm import OutboundMail
from disburse.adapters.smtp import SmtpTransport
from disburse.services import mail, scheduling, users
from tests.e2e.test_sessions_and_caches import login_page
from tests.flow import (
    ACCOUNTS,
    CODE_A,
    CODE_B,
    COMMERCE,
    CONTRACTOR_A,
    CONTRACTOR_B,
    FINANCE,
    LEADER,
    NAME_A,
    NAME_B,
    PAYEE_BANK,
    SUPERVISOR,
    Flow,
    unmet_codes,
)
from tests.integration.test_pdf import assert_pdf, pdf_text
from tests.smtp_server import Mailbox, free_port, smtp_server

SH = ZoneInfo("Asia/Shanghai")
CASHIER = "xp-finance-2"
REVIEWER = "xp-commerce-2"
ACCOUNT_A = ACCOUNTS[CODE_A]


def at(y: int, m: int, d: int, hour: int = 9) -> datetime:
    return datetime(y, m, d, hour, tzinfo=SH)


def put(flow: Flow, path: str, body: Any, as_: str = COMMERCE) -> Any:
    return flow.client.put(f"/api/v1{path}", json=body, headers=flow.h(as_))


def step(flow: Flow, payment: dict[str, Any], event: str, as_: str, **data: Any) -> Any:
    return flow.post(f"/payments/{payment['id']}/events", {"event": event, **data}, as_)


def today(flow: Flow) -> str:
    return flow.clock.now().astimezone(SH).date().isoformat()


def selected(flow: Flow, **contract_a: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Seed 003 tendered, lines 1–2 contracted to A (with ``contract_a`` over the usual body), A selected."""
    project = flow.tendered_project()
    body = {**Flow.contract_body(project, [1, 2], "6500000.00"), **contract_a}
    a = flow.ok(flow.add_contract(project, {k: v for k, v in body.items() if v is not None}), 201)
    flow.ok(flow.add_contract(project, Flow.contract_body(project, [3, 4, 5], "3500000.00", lot="标段二",
                                                         code=CODE_B, name=NAME_B)), 201)
    assert flow.fire_ok(project["id"], "select_contractor")["state"] == "contractor_selected"
    return project, a


def approved_advance(flow: Flow, contract: dict[str, Any], amount: str = "1950000.00") -> dict[str, Any]:
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": amount},
                                CONTRACTOR_A), 201)
    flow.ok(step(flow, payment, "verify", COMMERCE))
    return flow.ok(step(flow, payment, "approve", FINANCE))


def approved_stage(flow: Flow, project: dict[str, Any], contract: dict[str, Any]) -> dict[str, Any]:
    """Stage 1 of the contract passed by commerce, its notice closed, approved by the leader."""
    acceptance = flow.in_notice(project, contract)
    flow.after_notice(acceptance)
    flow.act_ok(acceptance, "close_notice")
    approved = flow.act_ok(acceptance, "approve", LEADER)
    assert approved["state"] == "approved"
    return approved


def stage_payment(flow: Flow, contract: dict[str, Any], acceptance: dict[str, Any]) -> dict[str, Any]:
    """A stage payment on the approved acceptance, requested by A and verified by a commerce user who did not
    record the verdict."""
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments",
                                {"kind": "stage", "amount": "2600000.00", "acceptance_id": acceptance["id"]},
                                CONTRACTOR_A), 201)
    return flow.ok(step(flow, payment, "verify", REVIEWER))


def test_a_payment_is_not_disbursed_before_the_payee_account_is_recorded_then_the_voucher_shows_it(
        flow: Flow) -> None:
    flow.user(CASHIER, "finance")
    project, a = selected(flow, payee_bank=None, payee_account=None)
    assert a["payee"] == {"name": NAME_A, "bank": None, "account": None}
    payment = approved_advance(flow, a)
    assert "disburse" not in flow.ok(flow.get(f"/payments/{payment['id']}", CASHIER))["allowed_events"]
    refused = step(flow, payment, "disburse", CASHIER, voucher_no="XP-ZF-2024-0001", disbursed_on=today(flow))
    assert refused.status_code == 409 and unmet_codes(refused) == ["payee_account_missing"]

    # what is not an account is refused, naming the field; finance may not record it, commerce may
    for bad in ("6228-4801-2345", "1234567", "6" * 33, "６２２８４８０１２３４５", "6228 4801\t2345 6789", "  "):
        resp = put(flow, f"/contracts/{a['id']}/payee", {"payee_bank": PAYEE_BANK, "payee_account": bad})
        assert resp.status_code == 422 and list(resp.get_json()["errors"]) == ["payee_account"], bad
    assert put(flow, f"/contracts/{a['id']}/payee", {"payee_bank": PAYEE_BANK, "payee_account": ACCOUNT_A},
               FINANCE).status_code == 403
    recorded = flow.ok(put(flow, f"/contracts/{a['id']}/payee",
                           {"payee_bank": f" {PAYEE_BANK} ", "payee_account": f" {ACCOUNT_A} "}))
    assert recorded["payee"] == {"name": NAME_A, "bank": PAYEE_BANK, "account": ACCOUNT_A}
    entry = [e for e in flow.audit_actions(project["id"]) if e["action"] == "contract.record_payee"][-1]
    assert entry["data"]["before"] == {"payee_bank": None, "payee_account": None}
    assert entry["data"]["after"] == {"payee_bank": PAYEE_BANK, "payee_account": ACCOUNT_A}

    paid = flow.ok(step(flow, payment, "disburse", CASHIER, voucher_no="XP-ZF-2024-0001", disbursed_on=today(flow)))
    assert paid["state"] == "disbursed"
    assert paid["payee"] == {"name": NAME_A, "bank": PAYEE_BANK, "account": ACCOUNT_A}
    assert (paid["due_on"], paid["overdue_days"]) == (None, 0)  # an advance relies on no acceptance
    assert flow.ok(flow.get(f"/payments/{payment['id']}", CONTRACTOR_A))["payee"]["account"] == ACCOUNT_A
    text = pdf_text(assert_pdf(flow.get(f"/payments/{payment['id']}/voucher.pdf", FINANCE)))
    assert "开户银行" in text and PAYEE_BANK in text and "".join(ACCOUNT_A.split()) in text and NAME_A in text
    login_page(flow, FINANCE)
    page = flow.client.get(f"/payments/{payment['id']}")
    assert page.status_code == 200 and ACCOUNT_A in page.get_data(as_text=True)


def test_a_rival_contractor_and_the_public_never_see_the_payee_account(flow: Flow) -> None:
    flow.user(CASHIER, "finance")
    project, a = selected(flow)
    payment = approved_advance(flow, a)
    flow.ok(step(flow, payment, "disburse", CASHIER, voucher_no="XP-ZF-2024-0002", disbursed_on=today(flow)))
    assert flow.ok(flow.get(f"/contracts/{a['id']}", CONTRACTOR_A))["payee"]["account"] == ACCOUNT_A
    assert flow.get(f"/contracts/{a['id']}", CONTRACTOR_B).status_code == 404
    assert flow.get(f"/payments/{payment['id']}", CONTRACTOR_B).status_code == 404
    seen_by_b = [flow.get(f"/projects/{project['id']}/contracts", CONTRACTOR_B),
                 flow.get(f"/projects/{project['id']}/audit?per_page=200", CONTRACTOR_B),
                 flow.get("/payments?per_page=200", CONTRACTOR_B)]
    public = [flow.client.get(f"/api/v1/public/projects/{project['id']}"),
              flow.client.get(f"/api/v1/public/projects/{project['id']}/ocds"),
              flow.client.get(f"/public/projects/{project['id']}")]
    digits = "".join(ACCOUNT_A.split())
    for resp in seen_by_b + public:
        text = "".join(resp.get_data(as_text=True).split())
        assert digits not in text and ACCOUNT_A not in resp.get_data(as_text=True), resp.request.path
    assert all(resp.status_code == 200 for resp in public), [r.status_code for r in public]


def test_a_contract_may_agree_at_most_60_days(flow: Flow) -> None:
    project = flow.tendered_project()
    over = flow.add_contract(project, {**Flow.contract_body(project, [1, 2], "6500000.00"), "payment_due_days": 61})
    assert over.status_code == 409 and unmet_codes(over) == ["payment_due_days_above_limit"]
    assert "第九条" in over.get_json()["unmet"][0]["clause"]
    assert flow.add_contract(project, {**Flow.contract_body(project, [1, 2], "6500000.00"),
                                       "payment_due_days": 0}).status_code == 422
    signed = flow.ok(flow.add_contract(project, {**Flow.contract_body(project, [1, 2], "6500000.00"),
                                                 "payment_due_days": 60}), 201)
    assert signed["payment_due_days"] == 60


def test_a_stage_payment_is_due_30_days_after_the_approval_and_counts_the_days_it_is_late(flow: Flow) -> None:
    flow.user(CASHIER, "finance")
    flow.user(REVIEWER, "commerce")
    project, a = selected(flow)
    acceptance = approved_stage(flow, project, a)
    approved_on = flow.clock.now().astimezone(SH).date()
    assert approved_on == date(2024, 10, 11)
    payment = flow.ok(step(flow, stage_payment(flow, a, acceptance), "approve", FINANCE))
    due = approved_on + timedelta(days=30)
    assert (payment["due_days"], payment["due_on"], payment["overdue_days"]) == (30, due.isoformat(), 0)

    flow.set_clock(at(2024, 11, 13))  # three days after the due day
    shown = flow.ok(flow.get(f"/payments/{payment['id']}", FINANCE))
    assert (shown["due_on"], shown["overdue_days"]) == ("2024-11-10", 3)
    queue = flow.ok(flow.get("/payments/queue", FINANCE))["items"]
    assert [(i["id"], i["due_on"], i["overdue_days"]) for i in queue] == [(payment["id"], "2024-11-10", 3)]
    assert queue[0]["payee"] == {"name": NAME_A, "bank": PAYEE_BANK, "account": ACCOUNT_A}
    login_page(flow, FINANCE)
    desk = flow.client.get("/desk/finance").get_data(as_text=True)
    assert 'data-testid="overdue-days"' in desk and "2024-11-10" in desk

    paid = flow.ok(step(flow, payment, "disburse", CASHIER, voucher_no="XP-ZF-2024-0003", disbursed_on="2024-11-13"))
    flow.set_clock(at(2024, 12, 20))
    later = flow.ok(flow.get(f"/payments/{paid['id']}", FINANCE))
    assert (later["state"], later["overdue_days"]) == ("disbursed", 3)  # paid three days late, and stays so
    text = pdf_text(assert_pdf(flow.get(f"/payments/{paid['id']}/voucher.pdf", FINANCE)))
    assert "保障中小企业款项支付条例" in text and "逾期3天支付" in text


def test_the_contracts_own_term_moves_the_due_day(flow: Flow) -> None:
    flow.user(REVIEWER, "commerce")
    project, a = selected(flow, payment_due_days=45)
    acceptance = approved_stage(flow, project, a)
    payment = stage_payment(flow, a, acceptance)
    assert (payment["due_days"], payment["due_on"]) == (45, "2024-11-25")


def test_finance_is_reminded_a_week_before_the_due_day_and_alerted_once_after_it(flow: Flow) -> None:
    project, a = selected(flow)
    approved_stage(flow, project, a)  # approved on 2024-10-11: due on 2024-11-10
    mailed = users.create_user(flow.db, "xp-finance-mail", role="finance", region="350921",
                               password="long enough pw", email="finance@xiapu.example.cn")
    db = flow.db
    assert scheduling.tick(db, at(2024, 11, 2))["remind_payment_due"] == 0     # 8 days ahead
    assert scheduling.remind_payment_due(db, at(2024, 11, 3), mail=True) == 1  # 7 days ahead
    assert scheduling.remind_payment_due(db, at(2024, 11, 9), mail=True) == 0  # once
    assert scheduling.remind_payment_due(db, at(2024, 11, 10, 23), mail=True) == 0  # the due day is not late
    assert scheduling.remind_payment_due(db, at(2024, 11, 11), mail=True) == 1  # overdue
    assert scheduling.tick(db, at(2024, 11, 20))["remind_payment_due"] == 0     # alerted once

    def notes(user: str) -> list[dict[str, Any]]:
        return [n for n in flow.ok(flow.get("/me/notifications?per_page=200", user))["items"]
                if n["kind"].startswith("payment_")]

    assert [n["kind"] for n in notes(FINANCE)] == ["payment_overdue", "payment_due"]
    assert [n["kind"] for n in notes(SUPERVISOR)] == ["payment_overdue"]
    assert notes(COMMERCE) == [] and notes(CONTRACTOR_A) == []
    due = notes(FINANCE)[1]
    assert "2024-11-10" in due["subject"] and NAME_A in due["subject"]
    assert "保障中小企业款项支付条例" in due["body"] and "2024-11-10" in due["subject_en"]
    assert not [word for word in ("seed", "SPEC") for n in notes(FINANCE) if word in n["body"] + n["subject_en"]]

    port = free_port()
    with smtp_server(port, Mailbox()) as box:
        transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{port}?from=noreply@disburse.example.cn&timeout=5")
        assert mail.deliver_due(db, at(2024, 11, 11, 10), transport) == 2
    assert [m["To"] for m in box.messages] == ["finance@xiapu.example.cn"] * 2
    assert "2024-11-10" in str(box.messages[0]["Subject"])
    with db.reading() as tx:
        assert len(tx.session.scalars(select(OutboundMail)).all()) == 2
    assert mailed


def test_a_paid_acceptance_is_not_reminded(flow: Flow) -> None:
    flow.user(CASHIER, "finance")
    flow.user(REVIEWER, "commerce")
    project, a = selected(flow)
    acceptance = approved_stage(flow, project, a)
    payment = flow.ok(step(flow, stage_payment(flow, a, acceptance), "approve", FINANCE))
    flow.ok(step(flow, payment, "disburse", CASHIER, voucher_no="XP-ZF-2024-0004", disbursed_on=today(flow)))
    assert scheduling.remind_payment_due(flow.db, at(2024, 11, 5)) == 0
    assert scheduling.remind_payment_due(flow.db, at(2024, 11, 20)) == 0


def test_commerce_records_the_account_on_the_contract_page_and_a_wrong_one_is_marked(flow: Flow) -> None:
    _, a = selected(flow, payee_bank=None, payee_account=None)
    login_page(flow, COMMERCE)
    page = flow.client.get(f"/contracts/{a['id']}").get_data(as_text=True)
    assert 'data-testid="record-payee"' in page
    wrong = flow.client.post(f"/contracts/{a['id']}/payee", data={"payee_bank": PAYEE_BANK, "payee_account": "12-34"})
    assert wrong.status_code == 422 and "12-34" in wrong.get_data(as_text=True)
    done = flow.client.post(f"/contracts/{a['id']}/payee", data={"payee_bank": PAYEE_BANK, "payee_account": ACCOUNT_A})
    assert done.status_code == 302
    assert flow.ok(flow.get(f"/contracts/{a['id']}"))["payee"]["account"] == ACCOUNT_A
    login_page(flow, CONTRACTOR_A)  # the contractor sees its account and has no form to change it
    page = flow.client.get(f"/contracts/{a['id']}").get_data(as_text=True)
    assert ACCOUNT_A in page and 'data-testid="record-payee"' not in page
