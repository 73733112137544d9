"""Rule sets from ``config/rules/*.yaml`` (SPEC §7), loaded once and cached; pinned by content (issue 16).

A rule file carries its ``version``; what a project is held to is the exact content of the file when the
project was created — its SHA-256 over the canonical JSON of the parsed file (:func:`current`), kept in
``rule_set_versions``. A file edited afterwards (a cap changed) applies to new projects only; moving an
existing project onto the new content is an approved amendment of its plan. Earlier versions of a rule
set stay loadable as files too: ``config/rules/<id>/v<N>.yaml`` beside the current ``<id>.yaml``.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from disburse.adapters.orm import Project, RuleSetVersion
from disburse.domain import leading_group
from disburse.domain.rules import Prohibition, RuleSet, TagRule
from disburse.paths import RULES_DIR


class UnknownRuleSet(LookupError):
    pass


def available() -> list[str]:
    """The ids of the shipped rule sets."""
    return sorted(p.stem for p in RULES_DIR.glob("*.yaml"))


@cache
def load(rule_set_id: str) -> RuleSet:
    """The rule set with this id, parsed into its typed form."""
    path = RULES_DIR / f"{rule_set_id}.yaml"
    if rule_set_id not in available():
        raise UnknownRuleSet(rule_set_id)
    with path.open(encoding="utf-8") as fh:
        return parse(yaml.safe_load(fh))


@dataclass(frozen=True)
class Pinned:
    """One version of a rule set as a project is held to it: id, version, content and its hash."""

    rule_set: str
    version: int
    sha256: str
    content: str


def canonical(doc: dict[str, Any]) -> str:
    """The one text of a parsed rule file that its hash is taken over."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def pin(doc: dict[str, Any]) -> Pinned:
    content = canonical(doc)
    return Pinned(doc["id"], int(doc.get("version", 1)), hashlib.sha256(content.encode("utf-8")).hexdigest(),
                  content)


def current(rule_set_id: str) -> Pinned:
    """The rule set as its file stands now (what a new project is created under)."""
    if rule_set_id not in available():
        raise UnknownRuleSet(rule_set_id)
    with (RULES_DIR / f"{rule_set_id}.yaml").open(encoding="utf-8") as fh:
        return pin(yaml.safe_load(fh))


def versions(rule_set_id: str) -> list[Pinned]:
    """Every version of the rule set kept as a file (``<id>/v<N>.yaml``, then the current file), oldest first."""
    found = {}
    for path in sorted((RULES_DIR / rule_set_id).glob("v*.yaml")):
        with path.open(encoding="utf-8") as fh:
            pinned = pin(yaml.safe_load(fh))
        found[pinned.version] = pinned
    now = current(rule_set_id)
    found[now.version] = now
    return [found[v] for v in sorted(found)]


def version(rule_set_id: str, number: int) -> Pinned:
    """Version ``number`` of the rule set, from its file."""
    for pinned in versions(rule_set_id):
        if pinned.version == number:
            return pinned
    raise UnknownRuleSet(f"{rule_set_id} v{number}")


@cache
def parsed(content: str) -> RuleSet:
    """The rule set a pinned content gives (cached: a content never changes)."""
    return parse(json.loads(content))


def parse(doc: dict[str, Any]) -> RuleSet:
    payment = doc.get("payment") or {}
    notice = doc.get("notice") or {}
    reports = doc.get("reports") or {}
    reminders = doc.get("reminders") or {}
    acceptance = doc.get("acceptance") or {}
    applications = doc.get("applications") or {}
    title = doc.get("title") or {}
    return RuleSet(
        id=doc["id"],
        version=int(doc.get("version", 1)),
        title_zh=title.get("zh", doc["id"]),
        title_en=title.get("en", doc["id"]),
        tags={t["tag"]: (t["zh"], t["en"]) for t in doc.get("tags", [])},
        prohibited=tuple(
            Prohibition(p["tag"], p["zh"], p["en"], p["clause"]) for p in doc.get("prohibited", [])
        ),
        caps=tuple(
            TagRule(c["tag"], Decimal(str(c["max_share"])), c["clause"], c["zh"], c["en"])
            for c in doc.get("caps", [])
        ),
        floors=tuple(
            TagRule(f["tag"], Decimal(str(f["min_share"])), f["clause"], f["zh"], f["en"])
            for f in doc.get("floors", [])
        ),
        advance_cap=Decimal(str(payment.get("advance_cap", "0.30"))),
        advance_clause=payment.get("advance_clause", ""),
        approval_sla_days=int(payment.get("approval_sla_days", 5)),
        notice_days=int(notice.get("days", 5)),
        notice_working_days=bool(notice.get("working_days", True)),
        notice_clause=notice.get("clause", ""),
        report_due_day=int(reports.get("due_day", 30)),
        report_lead_days=int(reports.get("lead_days", 5)),
        report_clause=reports.get("clause", ""),
        deadline_lead_days=tuple(int(d) for d in reminders.get("deadline_lead_days", (30, 7, 1))),
        sources=tuple(doc.get("sources", [])),
        payments_within_arrived_funds=bool(payment.get("within_arrived_funds", False)),
        arrived_funds_clause=payment.get("within_arrived_funds_clause", ""),
        idle_days=int(payment.get("idle_days", 0)),
        finance_recheck=bool(acceptance.get("finance_recheck", False)),
        finance_recheck_clause=acceptance.get("finance_recheck_clause", ""),
        payment_due_days=int(payment.get("payment_due_days", 30)),
        forbid_duplicate_support=bool(applications.get("forbid_duplicate_support", True)),
        duplicate_support_clause=applications.get("duplicate_support_clause", ""),
        leader_quorum=_quorum(str(acceptance.get("leader_quorum", leading_group.MAJORITY))),
        leader_quorum_clause=acceptance.get("leader_quorum_clause", ""),
    )


def _quorum(rule: str) -> str:
    leading_group.parse_quorum(rule)  # a rule file with a quorum that means nothing is refused when it loads
    return rule


def keep(session: Session, pinned: Pinned) -> None:
    """Keep a pinned content (once per hash; two projects created at once may both try)."""
    insert: Any = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(RuleSetVersion).values(sha256=pinned.sha256, rule_set=pinned.rule_set,
                                                  version=pinned.version, content=pinned.content,
                                                  first_used_at=datetime.now(UTC))
                    .on_conflict_do_nothing(index_elements=["sha256"]))


_BY_HASH: dict[str, RuleSet] = {}
#: :func:`rule_key` in SQL, for the sweeps that read many projects at once.
RULE_KEY = func.coalesce(Project.rule_sha256, Project.rule_set)


def rule_key(project: Any) -> str:
    """What names the rules a project is held to: its pinned content's hash, or (a project from before
    pinning) its rule set's id. SQL: :data:`RULE_KEY`."""
    return str(project.rule_sha256 or project.rule_set)


def by_key(session: Session, key: str) -> RuleSet:
    """The rule set a :func:`rule_key` names (a pinned content is read once and kept: it never changes)."""
    if key in available():
        return load(key)
    if key not in _BY_HASH:
        content = session.scalar(select(RuleSetVersion.content).where(RuleSetVersion.sha256 == key))
        if content is None:
            raise UnknownRuleSet(key)
        _BY_HASH[key] = parsed(content)
    return _BY_HASH[key]


def for_project(session: Session, project: Any) -> RuleSet:
    """The rule set the project is held to: the content pinned when it was created (or by its last
    amendment), whatever the file says now."""
    return by_key(session, rule_key(project))
