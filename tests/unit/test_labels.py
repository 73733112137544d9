"""Every code a user may meet has a label in Chinese and in English (issue 18): audit actions, roles, and the
states and steps the domain's refusals name — the tables equal to what the workflow files say."""

import ast
from pathlib import Path

import pytest

from disburse.domain import labels
from disburse.services import acceptances, amendments, payments, projects, recoveries, users
from disburse.services.workflows import load_all

ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = (projects.SUBJECT, acceptances.SUBJECT, payments.SUBJECT, amendments.SUBJECT, recoveries.SUBJECT)


def written_actions() -> set[str]:
    """Every audit action the code writes: the literal ``action=`` of each audit append, the user events, and
    ``<kind>.<trigger>`` of every workflow event the engine logs."""
    found = set(users.USER_EVENTS.values())
    for path in (ROOT / "disburse").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "action" and isinstance(keyword.value, ast.Constant) and "." in str(
                            keyword.value.value):
                        found.add(str(keyword.value.value))
    workflows = load_all()
    for subject in SUBJECTS:
        found |= {f"{subject.kind}.{trigger}" for trigger in workflows[subject.kind].transitions}
    return found


def event_pair(workflow: str, trigger: str) -> labels.Label | None:
    found = load_all().get(workflow)
    if found is None or trigger not in found.transitions:
        return None
    return (f"{found.label['zh']}：{found.transitions[trigger].zh}", f"{found.label['en']}: "
            f"{found.transitions[trigger].en}")


def test_the_code_writes_the_actions_we_know_of() -> None:
    actions = written_actions()
    assert {"auth.login", "user.disable", "access.denied", "project.file", "payment.verify"} <= actions
    assert len(actions) > 50


@pytest.mark.parametrize("action", sorted(written_actions()))
def test_every_audit_action_has_a_label_in_both_languages(action: str) -> None:
    zh, en = (labels.audit_action(action, lang, event_pair) for lang in ("zh", "en"))
    assert action not in zh and action not in en
    assert zh != en and zh.strip() and en.strip()


def test_an_action_nobody_labelled_shows_its_code_with_a_note() -> None:
    assert labels.audit_action("thing.unknown", "zh", event_pair) == "thing.unknown（未登记名称）"
    assert labels.audit_action("thing.unknown", "en", event_pair) == "thing.unknown (unlabelled)"


@pytest.mark.parametrize(("workflow", "table"), [("project", labels.PROJECT_STATES),
                                                  ("acceptance", labels.ACCEPTANCE_STATES)])
def test_the_state_tables_say_what_the_workflow_files_say(workflow: str, table: dict[str, labels.Label]) -> None:
    states = load_all()[workflow].states
    assert dict(table) == {name: (s.zh, s.en) for name, s in states.items()}


def test_the_payment_steps_say_what_the_payment_workflow_says() -> None:
    events = load_all()["payment"].transitions
    assert dict(labels.PAYMENT_STEPS) == {step: (events[step].zh, events[step].en) for step in labels.PAYMENT_STEPS}


def test_every_role_a_workflow_names_has_a_label() -> None:
    named = {role for w in load_all().values() for t in w.transitions.values() for role in t.roles}
    assert named <= set(labels.ROLES)
