"""The implementation plan (实施方案) that defines a project (SPEC §4, §11.3).

A plan is what a county files: a total, funding sources, a period, phases, the
budget table's lines and the performance targets. Amounts are yuan; a line may
lack an amount while the plan is a draft (seed 002 gives only its total).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class FundingSource:
    source: str
    amount: Decimal
    note: str | None = None
    #: the predecessor project whose surplus this is (续建, seed 000 §7)
    predecessor: int | None = None


@dataclass(frozen=True)
class Phase:
    name: str
    start: date | None = None
    end: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class BudgetLine:
    """One row of the budget table (seed 000 §7; seed 001 §6(1))."""

    category: str
    item: str
    amount: Decimal | None
    tags: tuple[str, ...] = ()
    ref: str | None = None
    responsible: tuple[str, ...] = ()
    cooperating: tuple[str, ...] = ()
    deadline: date | None = None
    note: str | None = None
    id: int | None = None
    #: how the amount splits between the line's share-relevant tags, when it carries several (issue 17)
    split: dict[str, Decimal] | None = None

    def tag_amount(self, tag: str) -> Decimal:
        """What of the line's amount counts toward ``tag``: its declared part, else the whole amount."""
        if self.amount is None or tag not in self.tags:
            return Decimal(0)
        if self.split:
            return self.split.get(tag, Decimal(0))
        return self.amount

    def label(self) -> str:
        """How officials name the line: its row number if the table prints one, and the item."""
        prefix = f"{self.ref}. " if self.ref else ""
        item = self.item if len(self.item) <= 24 else self.item[:24] + "…"
        return f"{prefix}{item}"


@dataclass(frozen=True)
class Target:
    name: str
    target: Decimal | None = None
    unit: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Plan:
    name: str
    region: str
    rule_set: str
    total: Decimal
    doc_no: str | None = None
    funding: tuple[FundingSource, ...] = ()
    period_start: date | None = None
    period_end: date | None = None
    phases: tuple[Phase, ...] = ()
    lines: tuple[BudgetLine, ...] = ()
    subtotals: dict[str, Decimal] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    #: the version of the rule set the plan names, when not the current one
    rule_version: int | None = None

    def lines_sum(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount is not None), Decimal(0))

    def funding_sum(self) -> Decimal:
        return sum((f.amount for f in self.funding), Decimal(0))

    def tagged_sum(self, tag: str) -> Decimal:
        """The amount of the lines that carry ``tag``; a line that splits its amount between tags counts its
        part (issue 17), so no yuan counts toward two shares."""
        return sum((line.tag_amount(tag) for line in self.lines), Decimal(0))
