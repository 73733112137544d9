"""The project workflow as data (workflows/project.yaml, SPEC §5.1)."""

from disburse.services.projects import workflow


def test_every_state_and_event_of_the_spec_is_declared() -> None:
    wf = workflow()
    assert set(wf.states) == {"plan_drafted", "filed", "tendered", "contractor_selected",
                              "staged_acceptance", "final_audit", "closed", "clawback", "suspended"}
    assert set(wf.transitions) == {"file", "return_for_revision", "open_tender", "select_contractor",
                                   "start_acceptance", "request_final_audit", "pass_audit",
                                   "fail_audit", "settle_clawback", "suspend", "resume"}


def test_resume_returns_to_the_state_suspend_left() -> None:
    wf = workflow()
    suspend, resume = wf.event("suspend"), wf.event("resume")
    assert suspend and resume
    for state in suspend.sources:
        assert wf.target(suspend, state, None) == "suspended"
        assert wf.target(resume, "suspended", state) == state


def test_closed_and_suspended_projects_cannot_be_suspended() -> None:
    suspend = workflow().event("suspend")
    assert suspend and "closed" not in suspend.sources and "suspended" not in suspend.sources


def test_events_of_later_issues_refuse_with_an_unmet_item() -> None:
    spec = workflow().event("select_contractor")
    assert spec is not None
    unmet = workflow().guard_unmet(spec, None)  # type: ignore[arg-type]
    assert [u.code for u in unmet] == ["not_available_yet"]


def test_roles_follow_the_spec_table() -> None:
    wf = workflow()
    roles = {name: spec.roles for name, spec in wf.transitions.items()}
    assert roles["file"] == ("commerce",)
    assert roles["return_for_revision"] == ("supervisor",)
    assert roles["suspend"] == ("inspector",) and roles["resume"] == ("inspector",)
    assert roles["settle_clawback"] == ("finance",)
