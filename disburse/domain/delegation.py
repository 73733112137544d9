"""Delegation while away (代理, issue 21 item 2): who may hand their work to whom, for when.

An official on leave or travelling names a deputy of the same county, who acts within the official's role
and jurisdiction for a half-open period ``[starts, ends)``. None of the five plans states a delegation
procedure (``../shared/seeds/INDEX.md``); these are the service's rules (docs/decisions.md, "Issue 21 —
delegation"), each refused with its code:

- only the county bureaus' officials delegate and deputise (``delegate_role``; a user of another role who
  tries to delegate is refused before these rules, 403 ``delegation_role``): the commerce and finance
  bureaus' users and the leading group's members — a contractor, a supervisor, an inspector or the
  administrator has no queue to hand over;
- the deputy is another active user of the same county (``delegate_to_self``, ``delegate_other_county``);
- the period is not empty and not over (``period_empty``, ``period_over``);
- one delegation of a principal at a time (``delegation_overlaps``): a second deputy would make it unclear
  whose hands the queue is in;
- chains are at most one hop and never cycle (``delegation_chain``): nobody deputises while away, and nobody
  hands over work while deputising for someone else, over any overlapping time.

Segregation of duties is not decided here but at every step: an action under a delegation counts as both
people's (:attr:`disburse.services.context.Actor.ids`), so nobody performs, through a delegation, a second
step on one payment, and a deputy who already acted on a payment cannot approve it for someone else.
"""

from dataclasses import dataclass
from datetime import datetime

from disburse.domain.citations import SYSTEM_RULE
from disburse.domain.roles import Role
from disburse.domain.unmet import Unmet

#: Who delegates and who deputises: the county bureaus' officials and the leading group's members.
COUNTY_OFFICIALS = frozenset({Role.COMMERCE, Role.FINANCE, Role.LEADER})


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    role: str
    region_code: str
    active: bool = True


@dataclass(frozen=True)
class Period:
    """A delegation already recorded, as far as the rules need it."""

    principal_id: int
    delegate_id: int
    starts: datetime
    ends: datetime

    def overlaps(self, starts: datetime, ends: datetime) -> bool:
        return self.starts < ends and starts < self.ends


def active(starts: datetime, ends: datetime, revoked: datetime | None, now: datetime) -> bool:
    """Is a delegation in force at ``now``: inside its half-open period, and not revoked by then?"""
    return starts <= now < ends and (revoked is None or now < revoked)


def unmet(principal: Person, delegate: Person, starts: datetime, ends: datetime, now: datetime,
          in_force: list[Period]) -> list[Unmet]:
    """What stops ``principal`` handing their work to ``delegate`` over ``[starts, ends)``; ``in_force`` are
    the delegations not revoked that either of them gives or receives."""
    found: list[Unmet] = []
    if delegate.id == principal.id:
        found.append(Unmet("delegate_to_self", "不能委托本人代理", "You cannot delegate to yourself",
                           SYSTEM_RULE, field="to"))
    elif not delegate.active or delegate.role not in COUNTY_OFFICIALS:
        found.append(Unmet("delegate_role", f"{delegate.username} 不是在职的商务、财政部门人员或领导小组成员",
                           f"{delegate.username} is not an active commerce or finance official or leading-group "
                           "member", SYSTEM_RULE, field="to"))
    elif delegate.region_code != principal.region_code:
        found.append(Unmet("delegate_other_county", f"代理人 {delegate.username} 不属于本县（区）",
                           f"The deputy {delegate.username} is not of your county", SYSTEM_RULE, field="to"))
    if ends <= starts:
        found.append(Unmet("period_empty", "代理结束时间须晚于开始时间", "The period must end after it starts",
                           SYSTEM_RULE, field="until"))
    elif ends <= now:
        found.append(Unmet("period_over", "代理期限已过", "The period is already over", SYSTEM_RULE, field="until"))
    if found:
        return found
    overlapping = [p for p in in_force if p.overlaps(starts, ends)]
    if any(p.principal_id == principal.id for p in overlapping):
        found.append(Unmet("delegation_overlaps", "同一时段已有本人的代理委托，请先撤销",
                           "You already delegate over part of this period; revoke that first", SYSTEM_RULE))
    if any(p.principal_id == delegate.id or p.delegate_id == principal.id for p in overlapping):
        found.append(Unmet("delegation_chain",
                           "代理只限一层：代理人在此期间本人已委托他人，或您在此期间正代理他人",
                           "A delegation is one hop only: the deputy delegates their own work over this period, "
                           "or you deputise for someone over it", SYSTEM_RULE))
    return found
