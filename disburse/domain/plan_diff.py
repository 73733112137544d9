"""What changed between two versions of a plan, in the words an official reads (issue 16).

A plan is edited while it is a draft and amended (方案调整, seed 000's cover letter; seed 004 §6(1)1) once it
is filed; either way the change is shown and audited as a list of :class:`Change` — one per field that
differs: what it is (in Chinese and English), the old value and the new one. Budget lines are matched by
id where both sides carry one (a line kept across an edit), else they are added or removed; funding
sources, phases and targets are matched by name.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from disburse.domain.money import format_yuan
from disburse.domain.plan import BudgetLine, Plan

T = TypeVar("T")


@dataclass(frozen=True)
class Change:
    """One difference: ``path`` names the field (``lines.3.amount``), ``zh``/``en`` say what it is."""

    path: str
    zh: str
    en: str
    old: str | None
    new: str | None
    #: Whether old and new are amounts in yuan (a page shows them in 元 and 万元).
    money: bool = False

    @classmethod
    def of(cls, path: str, zh: str, en: str, old: Any, new: Any) -> "Change":
        return cls(path, zh, en, _text(old), _text(new), isinstance(old, Decimal) or isinstance(new, Decimal))

    def as_dict(self) -> dict[str, str | bool | None]:
        return {"path": self.path, "zh": self.zh, "en": self.en, "old": self.old, "new": self.new,
                "money": self.money}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format_yuan(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "、".join(str(v) for v in value) if value else None
    return str(value)


#: The plan's own fields: attribute, Chinese, English.
PLAN_FIELDS = (("name", "项目名称", "name"), ("doc_no", "文号", "document number"), ("region", "县", "county"),
               ("rule_set", "资金管理规则", "rule set"), ("rule_version", "资金管理规则版本", "rule set version"),
               ("total", "总投资（元）", "total (yuan)"), ("period_start", "实施期限起", "period from"),
               ("period_end", "实施期限止", "period to"))
LINE_FIELDS = (("category", "类别", "category"), ("item", "建设内容", "item"),
               ("amount", "金额（元）", "amount (yuan)"),
               ("tags", "标签", "tags"), ("responsible", "责任单位", "responsible units"),
               ("cooperating", "配合单位", "cooperating units"), ("deadline", "完成时限", "deadline"),
               ("note", "备注", "note"))


def diff(old: Plan, new: Plan) -> list[Change]:
    """Every field of ``new`` that differs from ``old``, in the plan's order."""
    changes = [Change.of(attr, zh, en, getattr(old, attr), getattr(new, attr))
               for attr, zh, en in PLAN_FIELDS if getattr(old, attr) != getattr(new, attr)]
    changes += _lines(old.lines, new.lines)
    changes += _named("funding", "资金来源", "funding source", old.funding, new.funding, lambda f: f.source,
                      lambda f: f.amount)
    changes += _named("phases", "实施阶段", "phase", old.phases, new.phases, lambda p: p.name,
                      lambda p: f"{_text(p.start) or '?'} — {_text(p.end) or '?'}")
    changes += _named("targets", "绩效指标", "target", old.targets, new.targets, lambda t: t.name,
                      lambda t: f"{t.target if t.target is not None else '?'} {t.unit or ''}".strip())
    return changes


def _line_name(line: BudgetLine) -> tuple[str, str]:
    return f"建设内容“{line.label()}”", f"line '{line.label()}'"


def _lines(old: Sequence[BudgetLine], new: Sequence[BudgetLine]) -> list[Change]:
    kept = {line.id: line for line in old if line.id is not None}
    changes: list[Change] = []
    matched: set[int] = set()
    for position, line in enumerate(new):
        before = kept.get(line.id) if line.id is not None else None
        zh, en = _line_name(line)
        if before is None:
            changes.append(Change.of(f"lines.{position}", f"新增{zh}", f"{en} added", None, line.amount))
            continue
        matched.add(line.id)  # type: ignore[arg-type]
        for attr, field_zh, field_en in LINE_FIELDS:
            if getattr(before, attr) != getattr(line, attr):
                changes.append(Change.of(f"lines.{position}.{attr}", f"{zh}的{field_zh}", f"{field_en} of {en}",
                                         getattr(before, attr), getattr(line, attr)))
    for line in old:
        if line.id is None or line.id not in matched:
            zh, en = _line_name(line)
            changes.append(Change.of(f"lines.removed.{line.id}", f"删除{zh}", f"{en} removed", line.amount, None))
    return changes


def _named(path: str, zh: str, en: str, old: Iterable[T], new: Iterable[T], name: Callable[[T], str],
           value: Callable[[T], Any]) -> list[Change]:
    """Items matched by name: added, removed, or with another value."""
    before = {name(item): item for item in old}
    after = {name(item): item for item in new}
    changes = []
    for key, item in after.items():
        if key not in before:
            changes.append(Change.of(f"{path}.{key}", f"新增{zh}“{key}”", f"{en} '{key}' added", None, value(item)))
        elif before[key] != item:
            changes.append(Change.of(f"{path}.{key}", f"{zh}“{key}”", f"{en} '{key}'", value(before[key]),
                                     value(item)))
    for key, item in before.items():
        if key not in after:
            changes.append(Change.of(f"{path}.{key}", f"删除{zh}“{key}”", f"{en} '{key}' removed", value(item),
                                     None))
    return changes


def summary(changes: Sequence[Change]) -> dict[str, str]:
    """One line per language for a versions list: how many fields changed, and the first few."""
    if not changes:
        return {"zh": "无变化", "en": "no change"}
    first = changes[:3]
    more = len(changes) - len(first)
    zh = "；".join(c.zh for c in first) + (f"等 {len(changes)} 处" if more else "")
    en = "; ".join(c.en for c in first) + (f" and {more} more" if more else "")
    return {"zh": zh, "en": en}
