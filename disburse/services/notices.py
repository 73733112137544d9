"""The public notice (公示) as an event's effects, shared by acceptances and applications (issue 20): published
for the rule set's period, closed once ended, objections decided with their reasons.

Seed 004 §5(5)2–3: results and the proposed subsidy are publicised, money follows a notice without sustained
objections; seed 003 §5(2)3② publicises applications the same way. The entity (an acceptance or an
application) keeps its notices in ``notices``, the current one last.
"""

from dataclasses import replace
from datetime import datetime
from typing import Any

from disburse.adapters.orm import Notice
from disburse.domain import notice_guards
from disburse.domain.notice import notice_end
from disburse.domain.rules import RuleSet
from disburse.services.engine import Step

#: what :func:`decided` calls an upheld objection's outcome (each workflow names its own state)
UPHELD = "upheld"


def publish(step: Step[Any, Any], rules: RuleSet) -> tuple[Notice, datetime]:
    """A new notice on the entity for the rule set's period, ending at 24:00 Beijing time of its last day."""
    _, ends_at = notice_end(step.now, rules.notice_days, rules.notice_working_days)
    published = Notice(published_at=step.now, ends_at=ends_at, days=rules.notice_days,
                       working_days=rules.notice_working_days)
    step.entity.notices.append(published)
    step.record.update(notice_id=lambda: published.id, ends_at=ends_at.isoformat(), days=rules.notice_days,
                       working_days=rules.notice_working_days, clause=rules.notice_clause)
    return published, ends_at


def close(step: Step[Any, Any]) -> None:
    notice = step.entity.notices[-1]
    notice.closed_at = step.now
    step.record["notice_id"] = notice.id


def decide_objection(step: Step[Any, Any]) -> None:
    """The effect: dismiss or uphold one objection, with the reasons; the notice closes when it comes clear."""
    decided(step)


def decided(step: Step[Any, Any]) -> str:
    """:func:`decide_objection`, returning where the event leads, for a workflow whose own effect does more on
    an outcome (the effects run before the engine knows it: :func:`notice_guards.objection_outcome`)."""
    notice = step.entity.notices[-1]
    objection = next(o for o in notice.objections if o.id == step.data["objection_id"])
    objection.decision, objection.decided_by = step.data["decision"], step.actor.id
    objection.decided_at, objection.decision_note = step.now, step.data.get("note")
    outcome = notice_guards.objection_outcome(replace(step.facts, data=dict(step.data)), UPHELD)
    if outcome == "notice_clear":
        notice.closed_at = step.now
    step.record.update(objection_id=objection.id, decision=objection.decision)
    return outcome
