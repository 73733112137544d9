"""Officials delegate while away (代理, issue 21 item 2; docs/decisions.md "Issue 21 — delegation").

Seed 003's county: ``xp-finance`` goes on leave and hands the queue to ``xp-finance-2``, who approves the
waiting payments; every entry names both, and segregation of duties counts both. Delegating to the commerce
official who verified a payment does not let them approve it; chains, cycles, other counties and overlapping
periods are refused; a delegation ends when revoked or when its period does; the leading group's member's
vote is cast by a deputy and counts as the member's.
"""

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from disburse.adapters.orm import AuditEntry
from disburse.services import scheduling
from tests.e2e.test_escalation import SLA, advance, desk_page, notes
from tests.e2e.test_leading_group import MEMBERS, notice_clear
from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, INSPECTOR, LEADER, Flow, unmet_codes
from tests.integration.test_pdf import assert_pdf, pdf_text

FINANCE_2 = "xp-finance-2"
FINANCE_3 = "xp-finance-3"
ADMIN_NAME = "fj-admin"


def day(flow: Flow, days: int) -> str:
    """A date ``days`` from the flow's today, as the form writes it."""
    return (flow.clock.now() + timedelta(days=days)).date().isoformat()


def delegate(flow: Flow, principal: str, to: str, *, start: str | None = None, days: int = 7) -> Any:
    body = {"to": to, "until": day(flow, days), "note": "休假"}
    if start is not None:
        body["from"] = start
    return flow.post("/me/delegations", body, principal)


def step(flow: Flow, payment: dict[str, Any], event: str, who: str, **data: Any) -> Any:
    return flow.post(f"/payments/{payment['id']}/events", {"event": event, **data}, who)


def verified(flow: Flow) -> tuple[dict[str, Any], dict[str, Any]]:
    project, a, b = flow.selected_project()
    first = advance(flow, a, CONTRACTOR_A)
    second = advance(flow, b, CONTRACTOR_B)
    for payment in (first, second):
        flow.ok(step(flow, payment, "verify", COMMERCE))
    return first, second


def test_a_finance_official_on_leave_delegates_and_the_colleague_approves_the_queue(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    first, second = verified(flow)
    given = flow.ok(delegate(flow, FINANCE, FINANCE_2, start=day(flow, 0)), 201)
    assert given["principal"]["username"] == FINANCE and given["to"]["username"] == FINANCE_2
    assert given["status"] == "active"
    mine = flow.ok(flow.get("/me/delegations", FINANCE_2))
    assert [d["id"] for d in mine["received"]] == [given["id"]] and mine["given"] == []
    assert [d["id"] for d in flow.ok(flow.get("/me/delegations", FINANCE))["given"]] == [given["id"]]

    queue = flow.ok(flow.get("/payments/queue", FINANCE_2))["items"]
    assert {p["id"] for p in queue} >= {first["id"], second["id"]}
    for payment in (first, second):
        approved = flow.ok(step(flow, payment, "approve", FINANCE_2))
        assert approved["state"] == "approved" and approved["approved_by"] == flow.user_ids[FINANCE_2]
        assert approved["on_behalf_of"] == {"approve": flow.user_ids[FINANCE]}
    entries = [e for e in flow.audit_actions(first["project_id"]) if e["action"] == "payment.approve"]
    assert len(entries) == 2
    for entry in entries:
        assert entry["actor"]["username"] == FINANCE_2 and entry["actor"]["role"] == "finance"
        principal = {"id": flow.user_ids[FINANCE], "username": FINANCE, "role": "finance"}
        assert entry["on_behalf_of"] == entry["data"]["on_behalf_of"] == principal
    # The principal, back, may not disburse what was approved in their name; nor may the deputy.
    for who in (FINANCE, FINANCE_2):
        refused = step(flow, first, "disburse", who, voucher_no="X财拨〔2024〕1号", disbursed_on=day(flow, 0))
        assert refused.status_code == 409 and "delegation_two_steps" in unmet_codes(refused), refused.get_json()


def test_delegating_to_the_verifier_does_not_let_them_approve(flow: Flow) -> None:
    first, _ = verified(flow)
    flow.ok(delegate(flow, FINANCE, COMMERCE), 201)
    refused = step(flow, first, "approve", COMMERCE)
    assert refused.status_code == 409, refused.get_json()
    assert "delegation_two_steps" in unmet_codes(refused)
    assert flow.ok(flow.get(f"/payments/{first['id']}", FINANCE))["state"] == "verified"
    # Without the delegation the verifier is simply not of the role.
    assert step(flow, first, "approve", COMMERCE, on_behalf_of=COMMERCE).status_code == 403


def test_the_principal_may_not_take_a_second_step_a_deputy_took_for_them(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    project, a, _ = flow.selected_project()
    payment = advance(flow, a, CONTRACTOR_A)
    flow.ok(delegate(flow, COMMERCE, FINANCE_2), 201)
    assert flow.ok(step(flow, payment, "verify", FINANCE_2))["verified_by"] == flow.user_ids[FINANCE_2]
    flow.ok(flow.post(f"/me/delegations/{flow.ok(flow.get('/me/delegations', COMMERCE))['given'][0]['id']}/revoke",
                      {}, COMMERCE))
    refused = step(flow, payment, "approve", FINANCE_2)  # the deputy verified: no approval, even in own name
    assert refused.status_code == 409 and unmet_codes(refused) == ["delegation_two_steps"]
    assert flow.ok(step(flow, payment, "approve", FINANCE))["state"] == "approved"


def test_a_deputy_acts_in_own_name_when_they_say_so(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    first, _ = verified(flow)
    flow.ok(delegate(flow, FINANCE, FINANCE_2), 201)
    approved = flow.ok(step(flow, first, "approve", FINANCE_2, on_behalf_of=FINANCE_2))
    assert approved["state"] == "approved"
    entry = [e for e in flow.audit_actions(first["project_id"]) if e["action"] == "payment.approve"][-1]
    assert entry["actor"]["username"] == FINANCE_2 and entry["on_behalf_of"] is None
    stranger = step(flow, first, "disburse", FINANCE_2, on_behalf_of=LEADER, voucher_no="V1",
                    disbursed_on=day(flow, 0))
    assert stranger.status_code == 403


def test_a_colleague_covering_acts_in_own_name_where_the_principal_already_took_a_step(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    first, second = verified(flow)
    for payment in (first, second):
        flow.ok(step(flow, payment, "approve", FINANCE))  # before leave
    flow.ok(delegate(flow, FINANCE, FINANCE_2), 201)
    paid = flow.ok(step(flow, first, "disburse", FINANCE_2, voucher_no="X财拨〔2024〕7号", disbursed_on=day(flow, 0)))
    assert paid["state"] == "disbursed" and paid["disbursed_by"] == flow.user_ids[FINANCE_2]
    entry = [e for e in flow.audit_actions(first["project_id"]) if e["action"] == "payment.disburse"][-1]
    assert entry["actor"]["username"] == FINANCE_2 and entry["on_behalf_of"] is None
    # Named explicitly, the principal's identity is refused: they approved it.
    named = step(flow, second, "disburse", FINANCE_2, on_behalf_of=FINANCE, voucher_no="X财拨〔2024〕8号",
                 disbursed_on=day(flow, 0))
    assert named.status_code == 409 and unmet_codes(named) == ["delegation_two_steps"]


def test_the_rules_of_a_delegation(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    flow.user(FINANCE_3, "finance")
    flow.user("other-finance", "finance", region="350922")
    assert delegate(flow, FINANCE, FINANCE).status_code == 422
    other = delegate(flow, FINANCE, "other-finance")
    assert other.status_code == 422 and "to" in other.get_json()["errors"]
    assert delegate(flow, FINANCE, CONTRACTOR_A).status_code == 422
    assert delegate(flow, FINANCE, "nobody").status_code == 422
    assert delegate(flow, CONTRACTOR_A, FINANCE).status_code == 403  # a contractor has no queue to hand over
    empty = flow.post("/me/delegations", {"to": FINANCE_2, "from": day(flow, 3), "until": day(flow, 2)}, FINANCE)
    assert empty.status_code == 422 and "until" in empty.get_json()["errors"]
    assert flow.post("/me/delegations", {"to": FINANCE_2, "until": "2026-13-01"}, FINANCE).status_code == 422
    assert flow.post("/me/delegations", {"to": FINANCE_2, "until": "1e9"}, FINANCE).status_code == 422

    flow.ok(delegate(flow, FINANCE, FINANCE_2), 201)
    twice = delegate(flow, FINANCE, FINANCE_3)
    assert twice.status_code == 409 and unmet_codes(twice) == ["delegation_overlaps"]
    cycle = delegate(flow, FINANCE_2, FINANCE)
    assert cycle.status_code == 409 and "delegation_chain" in unmet_codes(cycle)
    chain = delegate(flow, FINANCE_2, FINANCE_3)  # the deputy may not pass the work on
    assert chain.status_code == 409 and unmet_codes(chain) == ["delegation_chain"]
    onward = delegate(flow, FINANCE_3, FINANCE)  # nor may someone hand work to one who is away
    assert onward.status_code == 409 and unmet_codes(onward) == ["delegation_chain"]
    later = flow.post("/me/delegations", {"to": FINANCE, "from": day(flow, 8), "until": day(flow, 10)}, FINANCE_2)
    assert flow.ok(later, 201)["status"] == "scheduled"  # after the first one ends: no chain


def test_revoked_or_ended_a_delegation_gives_nothing(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    first, second = verified(flow)
    given = flow.ok(delegate(flow, FINANCE, COMMERCE, days=2), 201)
    assert flow.delete(f"/me/delegations/{given['id']}", INSPECTOR).status_code == 404  # not theirs
    revoked = flow.ok(flow.delete(f"/me/delegations/{given['id']}", FINANCE))
    assert revoked["status"] == "revoked"
    assert flow.post(f"/me/delegations/{given['id']}/revoke", {}, FINANCE).status_code == 409
    assert step(flow, first, "approve", COMMERCE).status_code == 403  # commerce again, in own name

    flow.ok(delegate(flow, FINANCE, FINANCE_2, days=2), 201)
    flow.set_clock(flow.clock.now() + timedelta(days=3))
    approved = flow.ok(step(flow, second, "approve", FINANCE_2))
    entry = [e for e in flow.audit_actions(second["project_id"]) if e["action"] == "payment.approve"][-1]
    assert "on_behalf_of" not in entry["data"] and approved["approved_by"] == flow.user_ids[FINANCE_2]
    statuses = [d["status"] for d in flow.ok(flow.get("/me/delegations", FINANCE))["given"]]
    assert statuses == ["ended", "revoked"]


def test_the_admin_sees_every_delegation_and_others_do_not(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    flow.user(ADMIN_NAME, "admin", region="350000")
    flow.ok(delegate(flow, FINANCE, FINANCE_2), 201)
    items = flow.ok(flow.get("/delegations", ADMIN_NAME))["items"]
    assert [(d["principal"]["username"], d["to"]["username"]) for d in items] == [(FINANCE, FINANCE_2)]
    assert flow.get("/delegations", FINANCE).status_code == 403
    given = items[0]["id"]
    assert flow.post(f"/delegations/{given}/revoke", {}, FINANCE).status_code == 403
    assert flow.post(f"/me/delegations/{given}/revoke", {}, ADMIN_NAME).status_code == 404  # not the admin's own
    assert flow.ok(flow.post(f"/delegations/{given}/revoke", {}, ADMIN_NAME))["status"] == "revoked"


def test_a_deputy_casts_a_members_vote_and_it_counts_as_theirs(flow: Flow) -> None:
    acceptance = notice_clear(flow)
    own = flow.act(acceptance, "vote", FINANCE, vote="approve", on_behalf_of=FINANCE)
    assert own.status_code == 403  # in their own name a finance official has no vote
    flow.ok(delegate(flow, MEMBERS[1], FINANCE), 201)
    recused = flow.act_ok(acceptance, "recuse", MEMBERS[4], reason="本人与承办企业存在亲属关系")
    assert recused["state"] == "notice_clear"
    cast = flow.ok(flow.act(acceptance, "vote", FINANCE, vote="approve", opinion="代为表决：同意"))
    assert cast["votes"][-1]["username"] == MEMBERS[1] and cast["votes"][-1]["cast_by"] == FINANCE
    again = flow.act(acceptance, "vote", MEMBERS[1], vote="approve")
    assert again.status_code == 409 and unmet_codes(again) == ["already_voted"]
    for member in (MEMBERS[0], MEMBERS[2]):
        last = flow.ok(flow.act(acceptance, "vote", member, vote="approve"))
    assert last["state"] == "approved"
    entry = [e for e in flow.audit_actions(acceptance["project_id"]) if e["action"] == "acceptance.vote"][0]
    assert entry["actor"]["username"] == FINANCE and entry["data"]["on_behalf_of"]["username"] == MEMBERS[1]
    assert entry["data"]["actor_own_role"] == "finance"


def test_a_deputy_who_recorded_the_verdict_may_not_vote_for_a_member(flow: Flow) -> None:
    acceptance = notice_clear(flow)
    flow.ok(delegate(flow, MEMBERS[3], COMMERCE), 201)
    refused = flow.act(acceptance, "vote", COMMERCE, vote="approve")
    assert refused.status_code == 409 and unmet_codes(refused) == ["same_actor_as_verdict"]


def test_a_reminder_to_an_official_away_reaches_their_deputy(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    project, a, b = flow.selected_project()
    flow.ok(step(flow, advance(flow, a, CONTRACTOR_A), "verify", COMMERCE))  # xp-commerce: the project's actor
    waiting = advance(flow, b, CONTRACTOR_B)
    since = flow.clock.now()
    flow.ok(delegate(flow, COMMERCE, FINANCE_2, days=30), 201)
    scheduling.remind_payments(flow.db, since + timedelta(days=SLA, hours=1))
    assert notes(flow, COMMERCE, waiting["id"]) == ["reminder"]
    assert notes(flow, FINANCE_2, waiting["id"]) == ["reminder"]
    assert notes(flow, FINANCE, waiting["id"]) == []


def test_a_deputy_of_another_bureau_reads_and_works_the_principals_queue(flow: Flow) -> None:
    flow.user("xp-commerce-2", "commerce")
    first, _ = verified(flow)
    flow.ok(delegate(flow, FINANCE, "xp-commerce-2"), 201)
    as_finance = {**flow.h("xp-commerce-2"), "On-Behalf-Of": FINANCE}
    me = flow.client.get("/api/v1/me", headers=as_finance).get_json()
    assert (me["username"], me["role"], me["on_behalf_of"]) == ("xp-commerce-2", "finance", FINANCE)
    own = flow.ok(flow.get("/payments/queue", "xp-commerce-2"))["items"]
    assert first["id"] not in {p["id"] for p in own}  # commerce's queue: nothing verified waits for commerce
    queue = flow.client.get("/api/v1/payments/queue", headers=as_finance).get_json()["items"]
    assert first["id"] in {p["id"] for p in queue}
    shown = flow.client.get(f"/api/v1/payments/{first['id']}", headers=as_finance).get_json()
    assert "approve" in shown["allowed_events"]
    approved = flow.client.post(f"/api/v1/payments/{first['id']}/events", json={"event": "approve"},
                                headers=as_finance)
    assert approved.status_code == 200 and approved.get_json()["approved_by"] == flow.user_ids["xp-commerce-2"]
    entry = [e for e in flow.audit_actions(first["project_id"]) if e["action"] == "payment.approve"][-1]
    assert entry["on_behalf_of"]["username"] == FINANCE and entry["data"]["actor_own_role"] == "commerce"
    stranger = flow.client.get("/api/v1/payments/queue", headers={**flow.h("xp-commerce-2"), "On-Behalf-Of": LEADER})
    assert stranger.status_code == 403
    with flow.db.reading() as tx:
        denied = tx.session.scalars(select(AuditEntry.actor_username).where(AuditEntry.action == "access.denied"))
        assert "xp-commerce-2" in set(denied)
    # The approval sheet and the payment's page name both.
    sheet = pdf_text(assert_pdf(flow.get(f"/payments/{first['id']}/approval-sheet.pdf", FINANCE)))
    assert "批准财政部门xp-commerce-2（商务部门）代xp-finance（财政部门）" in sheet, sheet
    page = desk_page(flow, FINANCE, f"/payments/{first['id']}")
    assert 'data-testid="principal">xp-finance<' in page


def test_unstorable_or_odd_input_is_a_clear_refusal_and_gives_nothing(flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    for body in ({"to": "xp-finance-2\u0000", "until": day(flow, 3)}, {"to": "\ud800", "until": day(flow, 3)},
                 {"to": FINANCE_2, "until": day(flow, 3), "note": "休假\u0000"},
                 {"to": FINANCE_2, "until": "2026-12-10T25:00"}, {"to": FINANCE_2, "until": 20261210},
                 {"to": FINANCE_2, "until": "２０２６-12-10"}, {"to": FINANCE_2},
                 {"to": [FINANCE_2], "until": day(flow, 3)},
                 {"to": FINANCE_2, "from": "2026-02-30", "until": day(flow, 3)}):
        resp = flow.client.post("/api/v1/me/delegations", data=json.dumps(body, ensure_ascii=True),
                                content_type="application/json", headers=flow.h(FINANCE))
        assert resp.status_code == 422 and resp.mimetype == "application/problem+json", (body, resp.get_json())
    assert flow.ok(flow.get("/me/delegations", FINANCE))["given"] == []
    for header in ("xp-finance\u00e9", "a" * 300, " "):
        resp = flow.client.get("/api/v1/payments/queue", headers={**flow.h(FINANCE_2), "On-Behalf-Of": header})
        assert resp.status_code in (200, 403), (header, resp.status_code)
    assert flow.post("/me/delegations/999999/revoke", {}, FINANCE).status_code == 404
