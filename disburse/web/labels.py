"""The Jinja filters that turn a code into its label in the page's language (issue 18: no bare codes).

One filter per kind of code: ``state_label`` and ``event_label`` (the workflows' own labels, by workflow),
``tag_label`` (budget tags of the rule sets), ``rule_set_label`` (a rule set by its title),
``audit_action`` (an audit entry's action, :func:`disburse.domain.labels.audit_action`) and ``role_label``.
A code nobody labelled is shown with a note that it has no label, never alone.
"""

from functools import cache
from typing import Any

from flask import Flask

from disburse.adapters import rulesets
from disburse.domain import labels
from disburse.services.workflows import load_all
from disburse.web.i18n import lang

#: The workflow an unqualified state or event is looked up in first.
ORDER = ("project", "acceptance", "payment", "amendment", "recovery", "application", "volume_report")


@cache
def _workflows() -> dict[str, Any]:
    return load_all()


def _unlabelled(code: str) -> str:
    return labels.of({}, code, lang())


def _lang_pick(zh: str, en: str) -> str:
    return en if lang() == "en" else zh


def state_label(code: Any, workflow: str | None = None) -> str:
    """``staged_acceptance`` → 阶段验收; ``workflow`` (``payment``, …) says whose state it is."""
    if code in (None, ""):
        return "—"
    for name in ([workflow] if workflow in _workflows() else []) + list(ORDER):
        states = _workflows()[name].states
        if code in states:
            return _lang_pick(states[code].zh, states[code].en)
    return _unlabelled(str(code))


def event_label(code: Any, workflow: str | None = None) -> str:
    """``verify`` → 审核; ``workflow`` says whose event it is."""
    for name in ([workflow] if workflow in _workflows() else []) + list(ORDER):
        events = _workflows()[name].transitions
        if code in events:
            return _lang_pick(events[code].zh, events[code].en)
    return _unlabelled(str(code))


def _event_pair(workflow: str, trigger: str) -> labels.Label | None:
    found = _workflows().get(workflow)
    if found is None or trigger not in found.transitions:
        return None
    spec = found.transitions[trigger]
    return (f"{found.label['zh']}：{spec.zh}", f"{found.label['en']}: {spec.en}")


def audit_action(action: Any) -> str:
    """``auth.login`` → 登录; ``payment.verify`` → 拨付：审核."""
    return labels.audit_action(str(action), lang(), _event_pair)


@cache
def _tags() -> dict[str, labels.Label]:
    found: dict[str, labels.Label] = {}
    for rule_set_id in rulesets.available():
        rules = rulesets.load(rule_set_id)
        for tag in rules.vocabulary():
            found.setdefault(tag, rules.tag_label(tag))
    return found


def tag_label(tag: Any) -> str:
    """``public_service_center`` → 公共服务中心."""
    return labels.of(_tags(), str(tag), lang())


def rule_set_label(rule_set_id: Any) -> str:
    """``national-2020`` → its title (2020年电子商务进农村综合示范资金管理规则（财办建〔2020〕48号）)."""
    if str(rule_set_id) not in rulesets.available():
        return _unlabelled(str(rule_set_id))
    rules = rulesets.load(str(rule_set_id))
    return _lang_pick(rules.title_zh, rules.title_en)


def role_label(role: Any) -> str:
    """``commerce`` → 商务部门."""
    return labels.of(labels.ROLES, str(role), lang())


def payment_kind(kind: Any) -> str:
    """``advance`` → 预拨资金 (《布尔津县…实施方案》: 可预拨部分资金), on every page and document alike."""
    return labels.of(labels.PAYMENT_KINDS, str(kind), lang())


def init_app(app: Flask) -> None:
    filters = {"state_label": state_label, "event_label": event_label, "audit_action": audit_action,
               "tag_label": tag_label, "rule_set_label": rule_set_label, "role_label": role_label,
               "payment_kind": payment_kind}
    app.jinja_env.filters.update(filters)
