"""The workflows as data (workflows/*.yaml, SPEC §5.1, §5.2)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from disburse.domain.acceptance_guards import AcceptanceFacts, ObjectionFacts
from disburse.services.acceptances import workflow as acceptance_workflow
from disburse.services.projects import workflow


def test_every_state_and_event_of_the_spec_is_declared() -> None:
    wf = workflow()
    assert set(wf.states) == {"plan_drafted", "filed", "tendered", "contractor_selected",
                              "staged_acceptance", "final_audit", "closed", "clawback", "suspended", "withdrawn"}
    assert {"file", "return_for_revision", "open_tender", "select_contractor", "start_acceptance",
            "request_final_audit", "pass_audit", "fail_audit", "settle_clawback", "suspend",
            "resume"} <= set(wf.transitions)


class Previous:
    def __init__(self, state: str | None) -> None:
        self.previous_state = state


def test_resume_returns_to_the_state_suspend_left() -> None:
    wf = workflow()
    suspend, resume = wf.event("suspend"), wf.event("resume")
    assert suspend and resume
    for state in suspend.sources:
        assert wf.target(suspend, state, Previous(None)) == "suspended"  # type: ignore[arg-type]
        assert wf.target(resume, "suspended", Previous(state)) == state  # type: ignore[arg-type]


def test_closed_and_suspended_projects_cannot_be_suspended() -> None:
    suspend = workflow().event("suspend")
    assert suspend and "closed" not in suspend.sources and "suspended" not in suspend.sources


def test_roles_follow_the_spec_table() -> None:
    wf = workflow()
    roles = {name: spec.roles for name, spec in wf.transitions.items()}
    assert roles["file"] == ("commerce",)
    assert roles["return_for_revision"] == ("supervisor",)
    assert roles["suspend"] == ("inspector",) and roles["resume"] == ("inspector",)
    assert roles["settle_clawback"] == ("finance",)
    assert roles["pass_audit"] == ("supervisor",) and roles["fail_audit"] == ("supervisor",)


def test_the_acceptance_machine_follows_spec_5_2() -> None:
    wf = acceptance_workflow()
    edges = {(t.trigger, s, d) for t in wf.transitions.values() for s in t.sources for d in t.dests}
    assert {("start_review", "applied", "under_review"), ("pass", "under_review", "passed"),
            ("fail", "under_review", "failed"), ("publish", "passed", "in_notice"),
            ("close_notice", "in_notice", "notice_clear"), ("object", "in_notice", "objected"),
            ("resolve_objection", "objected", "notice_clear"), ("resolve_objection", "objected", "failed"),
            ("approve", "notice_clear", "approved"), ("rectify", "failed", "rectifying"),
            ("reapply", "rectifying", "applied")} <= edges
    assert wf.transitions["approve"].roles == ("leader",)


def _facts(decision: str, others: tuple[str | None, ...], ended: bool) -> AcceptanceFacts:
    now = datetime(2024, 10, 1, tzinfo=UTC)
    objections = (ObjectionFacts(1, None),) + tuple(ObjectionFacts(i + 2, d) for i, d in enumerate(others))
    return AcceptanceFacts(state="objected", actor_id=1, now=now, line_amounts={},
                           notice_ends_at=now - timedelta(days=1) if ended else now + timedelta(days=1),
                           objections=objections, data={"objection_id": 1, "decision": decision})


def test_resolving_an_objection_leads_where_the_notice_stands() -> None:
    wf = acceptance_workflow()
    spec = wf.event("resolve_objection")
    assert spec is not None
    assert wf.target(spec, "objected", _facts("uphold", (), False)) == "failed"
    assert wf.target(spec, "objected", _facts("dismiss", (None,), True)) == "objected"
    assert wf.target(spec, "objected", _facts("dismiss", ("dismiss",), False)) == "in_notice"
    assert wf.target(spec, "objected", _facts("dismiss", ("dismiss",), True)) == "notice_clear"


def test_the_verdict_actor_cannot_approve() -> None:
    wf = acceptance_workflow()
    spec = wf.event("approve")
    assert spec is not None
    facts = AcceptanceFacts(state="notice_clear", actor_id=7, verdict_by=7,
                            now=datetime(2024, 10, 1, tzinfo=UTC), line_amounts={1: Decimal(1)})
    assert [u.code for u in wf.guard_unmet(spec, facts)] == ["same_actor_as_verdict"]
