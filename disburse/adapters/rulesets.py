"""Rule sets from ``config/rules/*.yaml`` (SPEC §7), loaded once and cached."""

from decimal import Decimal
from functools import cache
from typing import Any

import yaml

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


def parse(doc: dict[str, Any]) -> RuleSet:
    payment = doc.get("payment") or {}
    notice = doc.get("notice") or {}
    reports = doc.get("reports") or {}
    reminders = doc.get("reminders") or {}
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
    )
