"""Money and dates are plausible (issue 14): through the API and the pages, on SQLite and PostgreSQL.

Amounts are plain ASCII digits (a 422 naming the field otherwise); a voucher number pays once in a
county (a 409 naming the payment that has it); a disbursement is dated neither after today nor before
its approval (Asia/Shanghai, the app's clock); no date before 1949-10-01 or month like 1000-01 is taken.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from alembic import command
from sqlalchemy import select, text

from disburse.adapters.migrations import alembic_config, upgrade
from disburse.adapters.orm import VoucherNumber
from disburse.services import payments
from tests.flow import (
    ACCOUNTS,
    CODE_A,
    CODE_C,
    COMMERCE,
    CONTRACTOR_A,
    CONTRACTOR_B,
    FINANCE,
    NAME_C,
    PAYEE_BANK,
    TENDER,
    Flow,
    unmet_codes,
)
from tests.helpers import PASSWORD, example
from tests.server_process import FINANCE_2

#: The flow's clock stands at 10:00 on 2024-09-27 in Asia/Shanghai.
TODAY = "2024-09-27"
BAD_AMOUNTS = ["1e5", "１２３", "1_000", " 100", "100 ", "+100", "-100", "NaN", "Infinity", ".5", "5.", "1,000",
               "100.001"]
OTHER_COUNTY = "530325"  # 富源县


@pytest.fixture
def flow(paying_flow: Flow) -> Flow:
    return paying_flow


def approved_advance(flow: Flow, contract: dict[str, Any], requester: str = CONTRACTOR_A,
                     amount: str = "100000.00", verifier: str = COMMERCE, approver: str = FINANCE) -> dict[str, Any]:
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": amount},
                                requester), 201)
    flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "verify"}, verifier))
    approved = flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "approve"}, approver))
    assert approved["state"] == "approved"
    return approved


def disburse(flow: Flow, payment: dict[str, Any], voucher: str, on: str = TODAY, as_: str = FINANCE_2) -> Any:
    return flow.post(f"/payments/{payment['id']}/events",
                     {"event": "disburse", "voucher_no": voucher, "disbursed_on": on}, as_)


def errors(resp: Any) -> dict[str, list[str]]:
    assert resp.status_code == 422, (resp.status_code, resp.get_json())
    found: dict[str, list[str]] = resp.get_json()["errors"]
    return found


def project_in(flow: Flow, region: str, prefix: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Seed 003's plan in ``region``, tendered and contracted to contractor C, with its own four officials."""
    who = {role: f"{prefix}-{role}" for role in ("commerce", "commerce-2", "finance", "finance-2")}
    for role, name in who.items():
        flow.user(name, role.removesuffix("-2"), region)
    created = flow.ok(flow.post("/projects", {**example("003"), "region": region}, who["commerce"]), 201)
    flow.funds_arrived(flow.fire_ok(created["id"], "file", who["commerce"]), as_=who["finance"])
    project = flow.fire_ok(created["id"], "open_tender", who["commerce"], **TENDER)
    contract = flow.ok(flow.add_contract(project, Flow.contract_body(project, [1, 2], "6500000.00", code=CODE_C,
                                                                     name=NAME_C), who["commerce"]), 201)
    flow.fire_ok(project["id"], "select_contractor", who["commerce"])
    return contract, who


# --- money -------------------------------------------------------------------------------------


def test_amounts_not_written_as_plain_digits_are_a_422_naming_the_field(flow: Flow) -> None:
    project = flow.tendered_project()
    for amount in BAD_AMOUNTS:
        body = Flow.contract_body(project, [1, 2], amount)
        assert "amount" in errors(flow.add_contract(project, body)), amount
    a = flow.ok(flow.add_contract(project, Flow.contract_body(project, [1, 2], "6500000.00")), 201)
    flow.fire_ok(project["id"], "select_contractor")
    for amount in BAD_AMOUNTS:
        resp = flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": amount}, CONTRACTOR_A)
        messages = errors(resp)
        assert list(messages) == ["amount"], (amount, messages)
        assert "金额" in messages["amount"][0], messages
    assert "金额须以字符串表示" in errors(flow.post(f"/contracts/{a['id']}/payments",
                                                   {"kind": "advance", "amount": 100000}, CONTRACTOR_A))["amount"][0]
    assert flow.get(f"/contracts/{a['id']}/payments").get_json()["items"] == []
    paid = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1000000.5"},
                             CONTRACTOR_A), 201)
    assert paid["amount"] == "1000000.50"


def test_a_plan_with_an_amount_in_exponent_form_is_a_422_naming_the_field(flow: Flow) -> None:
    plan = example("003")
    plan["lines"][0]["amount"] = "1.5e6"
    assert "lines.0.amount" in errors(flow.post("/projects", plan))
    plan = {**example("003"), "total": "１０００００００"}
    assert "total" in errors(flow.post("/projects", plan))


def test_the_payment_form_reads_full_width_digits_and_separators_typed_by_a_chinese_input_method(flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    flow.app.config["WTF_CSRF_ENABLED"] = False
    assert flow.client.post("/login", data={"username": CONTRACTOR_A, "password": PASSWORD}).status_code == 302
    typed = flow.client.post(f"/contracts/{a['id']}/payments",
                             data={"kind": "advance", "amount": "１９５，０００．００"})
    assert typed.status_code == 302, typed.get_data(as_text=True)[:500]
    assert [p["amount"] for p in flow.get(f"/contracts/{a['id']}/payments").get_json()["items"]] == ["195000.00"]
    for amount in ("1e5", "1_000", "1,95,000", "+100", "NaN"):
        refused = flow.client.post(f"/contracts/{a['id']}/payments", data={"kind": "advance", "amount": amount})
        assert refused.status_code == 422, amount
        assert "金额应为元，最多两位小数" in refused.get_data(as_text=True), amount
    assert len(flow.get(f"/contracts/{a['id']}/payments").get_json()["items"]) == 1


# --- voucher numbers ---------------------------------------------------------------------------


def test_a_voucher_number_pays_once_in_a_county_and_the_refusal_names_the_payment_that_has_it(flow: Flow) -> None:
    _, a, b = flow.selected_project()
    first = flow.ok(disburse(flow, approved_advance(flow, a), "XP-PZ-0001"))
    assert first["state"] == "disbursed"
    second = approved_advance(flow, b, CONTRACTOR_B)
    for same in ("XP-PZ-0001", " xp-pz-0001 ", "ＸＰ－ＰＺ－０００１", "XP-PZ- 0001\u3000"):
        refused = disburse(flow, second, same)
        assert refused.status_code == 409, (same, refused.get_json())
        assert unmet_codes(refused) == ["voucher_not_unique"], same
        unmet = refused.get_json()["unmet"][0]
        assert str(first["id"]) in unmet["message"] and str(first["id"]) in unmet["message_en"]
        assert "支付凭证号" in unmet["message_zh"] and "treasury practice" in unmet["clause"]
    assert flow.ok(flow.get(f"/payments/{second['id']}"))["state"] == "approved"
    assert flow.ok(disburse(flow, second, "XP-PZ-0002"))["voucher_no"] == "XP-PZ-0002"



def test_a_disbursement_that_read_before_its_twin_committed_fails_on_the_constraint_and_writes_nothing(
        flow: Flow, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loser of a race read no row for the voucher (the winner had not committed): the
    ``voucher_numbers`` primary key refuses its insert, the whole step rolls back, a 409 answers."""
    _, a, b = flow.selected_project()
    first = flow.ok(disburse(flow, approved_advance(flow, a), "XP-PZ-0201"))
    second = approved_advance(flow, b, CONTRACTOR_B)
    read = payments._disbursement_facts
    monkeypatch.setattr(payments, "_disbursement_facts",
                        lambda *args: replace(read(*args), voucher_taken_by=None))
    entries = len(flow.audit_actions(first["project_id"]))
    lost = disburse(flow, second, "xp-pz-0201")
    assert lost.status_code == 409 and lost.get_json()["type"] == "/problems/conflict", lost.get_json()
    assert flow.ok(flow.get(f"/payments/{second['id']}"))["state"] == "approved"
    assert len(flow.audit_actions(first["project_id"])) == entries
    monkeypatch.undo()
    assert flow.ok(disburse(flow, second, "XP-PZ-0202"))["state"] == "disbursed"

def test_a_blank_voucher_number_is_refused(flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    payment = approved_advance(flow, a)
    assert unmet_codes(disburse(flow, payment, "   ")) == ["voucher_blank"]
    assert "voucher_no" in errors(disburse(flow, payment, ""))


def test_a_voucher_number_is_the_countys_across_projects_and_another_county_may_use_it(flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    first = flow.ok(disburse(flow, approved_advance(flow, a), "PZ-2024-0917"))

    same_county, who = project_in(flow, flow.project(a["project_id"])["region"]["code"], "xp2")
    payment = approved_advance(flow, same_county, who["commerce"], verifier=who["commerce-2"], approver=who["finance"])
    refused = disburse(flow, payment, "PZ-2024-0917", as_=who["finance-2"])
    assert unmet_codes(refused) == ["voucher_not_unique"]
    assert str(first["id"]) in refused.get_json()["unmet"][0]["message"]

    elsewhere, who = project_in(flow, OTHER_COUNTY, "fy")
    payment = approved_advance(flow, elsewhere, who["commerce"], verifier=who["commerce-2"], approver=who["finance"])
    assert flow.ok(disburse(flow, payment, "PZ-2024-0917", as_=who["finance-2"]))["state"] == "disbursed"


def test_the_migration_keeps_the_first_of_vouchers_already_disbursed_twice(flow: Flow, database_url: str) -> None:
    _, a, b = flow.selected_project()
    first = flow.ok(disburse(flow, approved_advance(flow, a), "XP-OLD-1"))
    twin = flow.ok(disburse(flow, approved_advance(flow, b, CONTRACTOR_B), "XP-OLD-2"))
    flow.db.dispose()
    command.downgrade(alembic_config(database_url), "0008")  # as before issue 14, when duplicates got in
    with flow.db.engine.begin() as conn:
        conn.execute(text("UPDATE payments SET voucher_no = 'xp-old-1 ' WHERE id = :id"), {"id": twin["id"]})
    flow.db.dispose()
    upgrade(database_url)

    with flow.db.reading() as tx:
        rows = tx.session.execute(select(VoucherNumber.region_code, VoucherNumber.voucher_key,
                                         VoucherNumber.payment_id)).all()
    county = flow.project(a["project_id"])["region"]["code"]
    assert [tuple(r) for r in rows] == [(county, "XP-OLD-1", first["id"])]
    flow.funds_arrived(flow.project(a["project_id"]))  # the downgrade took the allocations with their table
    flow.client.put(f"/api/v1/contracts/{a['id']}/payee", headers=flow.h(COMMERCE),  # and the accounts (0013)
                    json={"payee_bank": PAYEE_BANK, "payee_account": ACCOUNTS[CODE_A]})
    third = approved_advance(flow, a, amount="200000.00")
    refused = disburse(flow, third, "XP-OLD-1")
    assert unmet_codes(refused) == ["voucher_not_unique"]
    assert str(first["id"]) in refused.get_json()["unmet"][0]["message"]
    assert flow.ok(disburse(flow, third, "XP-OLD-2"))["state"] == "disbursed"  # the twin's own number was freed


# --- the disbursement's date -------------------------------------------------------------------


def test_a_disbursement_is_dated_neither_after_today_nor_before_its_approval(flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    payment = approved_advance(flow, a)  # approved on 2024-09-27, Asia/Shanghai
    tomorrow = disburse(flow, payment, "XP-PZ-0101", "2024-09-28")
    assert tomorrow.status_code == 409 and unmet_codes(tomorrow) == ["disbursed_on_in_future"]
    assert "2024-09-28" in tomorrow.get_json()["unmet"][0]["message"]

    flow.advance(timedelta(days=3))  # 2024-09-30
    before = disburse(flow, payment, "XP-PZ-0101", "2024-09-26")
    assert before.status_code == 409 and unmet_codes(before) == ["disbursed_before_approval"]
    assert "2024-09-27" in before.get_json()["unmet"][0]["message"]
    assert unmet_codes(disburse(flow, payment, "XP-PZ-0101", "2024-10-01")) == ["disbursed_on_in_future"]
    assert flow.ok(flow.get(f"/payments/{payment['id']}"))["state"] == "approved"
    done = flow.ok(disburse(flow, payment, "XP-PZ-0101", TODAY))  # the day of the approval
    assert done["disbursed_on"] == TODAY


def test_today_is_the_day_in_asia_shanghai_not_in_utc(flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    payment = approved_advance(flow, a)
    flow.set_clock(datetime(2024, 9, 27, 17, 0, tzinfo=UTC))  # 01:00 on 2024-09-28 in Beijing
    assert flow.ok(disburse(flow, payment, "XP-PZ-0102", "2024-09-28"))["state"] == "disbursed"


def test_a_disbursement_date_before_1949_is_a_422(flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    payment = approved_advance(flow, a)
    for day in ("1900-01-01", "0001-01-01", "20240927", "２０２４-09-27"):
        assert "disbursed_on" in errors(disburse(flow, payment, "XP-PZ-0103", day)), day


# --- every other date and month ----------------------------------------------------------------


def test_a_contract_signed_in_1900_is_a_422_naming_signed_on(flow: Flow) -> None:
    project = flow.tendered_project()
    for day in ("1900-01-01", "1949-09-30", "2101-01-01", "2024-W38-5"):
        body = {**Flow.contract_body(project, [1, 2], "6500000.00"), "signed_on": day}
        messages = errors(flow.add_contract(project, body))
        assert list(messages) == ["signed_on"], (day, messages)
    assert flow.ok(flow.add_contract(project, Flow.contract_body(project, [1, 2], "6500000.00")), 201)


def test_a_report_month_like_1000_01_is_a_422(flow: Flow) -> None:
    pid = flow.tendered_project()["id"]
    for month in ("1000-01", "1949-09", "2101-01", "９０２４-01"):
        messages = errors(flow.post(f"/projects/{pid}/reports", {"month": month, "text": "进展"}))
        assert list(messages) == ["month"], (month, messages)
        assert "month" in errors(flow.get(f"/reports/late?month={quote(month)}"))
    assert "month" in errors(flow.get("/reports/monthly.xlsx?month=1000-01"))


@pytest.mark.parametrize(("path", "body"), [
    ("/projects/{pid}/events", {**TENDER, "event": "open_tender", "announced_on": "1900-01-01"}),
    ("/recoveries/{pid}/events", {"event": "record_receipt", "amount": "1.00", "received_on": "1000-01-01",
                                  "voucher_no": "XP-SH-1"}),
    ("/acceptances/{pid}/events", {"event": "rectify", "note": "整改", "deadline": "0999-12-31"}),
    ("/projects", {**example("003"), "period": {"start": "1900-01-01", "end": "2024-12-31"}}),
])
def test_every_date_a_client_gives_is_refused_before_1949(flow: Flow, path: str, body: dict[str, Any]) -> None:
    pid = flow.create_project()["id"]
    messages = errors(flow.post(path.format(pid=pid), body))
    assert messages and all(name in ("announced_on", "received_on", "deadline", "period.start")
                            for name in messages), messages

