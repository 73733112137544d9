"""The leading group deciding together (会签, issue 21): seed 004 §5(5)3 (曲政办发〔2018〕205号 五(五)3) has
acceptance results approved by the county's leading group (领导小组) — a body — after a notice without
objections.

The group is the county's active ``leader`` users. Each member votes ``approve`` or ``reject`` with an opinion, or
recuses itself (a member connected to the contractor or applicant); the quorum is computed over the members who
have not recused. The rule set's ``leader_quorum`` says how many approvals carry it: ``majority`` (more than half,
the default) or a fraction ``"a/b"`` (at least that share, rounded up). The result moves when approval is reached,
and fails as soon as it can no longer be. A group of one decides alone, with the ``approve`` event as before.
"""

from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor

MAJORITY = "majority"
VOTES = ("approve", "reject")
RECUSE = "recuse"


def parse_quorum(rule: str) -> Fraction | None:
    """``majority`` → None; ``"3/5"`` → 3/5. A share outside (0, 1] or any other text is a ValueError."""
    if rule == MAJORITY:
        return None
    parts = rule.split("/")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"leader_quorum must be 'majority' or a fraction like '3/5', not {rule!r}")
    share = Fraction(int(parts[0]), int(parts[1])) if int(parts[1]) else Fraction(0)
    if not 0 < share <= 1:
        raise ValueError(f"leader_quorum {rule!r} must be a share above 0 and at most 1")
    return share


def required(rule: str, eligible: int) -> int:
    """How many approvals carry the decision among ``eligible`` members (at least one)."""
    share = parse_quorum(rule)
    if share is None:
        return floor(eligible / 2) + 1
    return max(1, ceil(share * eligible))


@dataclass(frozen=True)
class Tally:
    members: int
    recused: int
    approvals: int
    rejections: int
    required: int

    @property
    def eligible(self) -> int:
        return self.members - self.recused

    @property
    def outstanding(self) -> int:
        return self.eligible - self.approvals - self.rejections

    @property
    def carried(self) -> bool:
        return self.approvals >= self.required

    @property
    def lost(self) -> bool:
        """Approval can no longer be reached (everyone left voting yes would not carry it)."""
        return self.approvals + self.outstanding < self.required


def tally(members: tuple[int, ...], votes: dict[int, str], rule: str) -> Tally:
    """The group's standing from each member's vote (``approve``, ``reject`` or ``recuse``); votes of users who
    are not members are not counted."""
    counted = {user: vote for user, vote in votes.items() if user in members}
    recused = sum(1 for v in counted.values() if v == RECUSE)
    eligible = len(members) - recused
    return Tally(members=len(members), recused=recused,
                 approvals=sum(1 for v in counted.values() if v == "approve"),
                 rejections=sum(1 for v in counted.values() if v == "reject"),
                 required=required(rule, eligible) if eligible > 0 else 1)
