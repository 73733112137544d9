"""Delegation while away (代理, issue 21 item 2): give, revoke and list delegations, and act under one.

``POST /api/v1/me/delegations`` ``{"to", "from", "until", "note"}`` hands the caller's work to a deputy for
``[from, until)``; the rules are :mod:`disburse.domain.delegation`'s. While it is in force the deputy acts
within the principal's role and jurisdiction: :func:`acting` turns the deputy's :class:`Actor` into one that
carries both (the engine calls it for every event, so one place decides it for every workflow), the audit
entry names both, and segregation of duties counts both (docs/decisions.md, "Issue 21 — delegation").
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.orm import Delegation, User
from disburse.domain import delegation as rules
from disburse.domain import labels
from disburse.domain.citations import SYSTEM_RULE
from disburse.domain.roles import Role
from disburse.domain.unmet import Unmet
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid, NotFound, refuse


def _person(user: User) -> rules.Person:
    return rules.Person(user.id, user.username, user.role, user.region_code, user.active)


def status(d: Delegation, now: datetime) -> str:
    """``scheduled``, ``active``, ``ended`` or ``revoked`` (ended early by the principal, the deputy or the
    administrator)."""
    if d.revoked_at is not None and d.revoked_at < d.ends_at and d.revoked_at <= now:
        return "revoked"
    if now < d.starts_at:
        return "scheduled"
    return "active" if now < d.ends_at else "ended"


STATUS = {"scheduled": ("未开始", "Scheduled"), "active": ("代理中", "In force"), "ended": ("已到期", "Ended"),
          "revoked": ("已撤销", "Revoked")}


def view(d: Delegation, now: datetime, lang: str = "zh") -> dict[str, Any]:
    code = status(d, now)
    zh, en = STATUS[code]

    def who(user: User) -> dict[str, Any]:
        return {"id": user.id, "username": user.username, "role": user.role,
                "role_label": labels.of(labels.ROLES, user.role, lang)}

    return {"id": d.id, "principal": who(d.principal), "to": who(d.delegate), "from": d.starts_at,
            "until": d.ends_at, "note": d.note, "status": code, "status_label": en if lang == "en" else zh,
            "created_at": d.created_at, "revoked_at": d.revoked_at}


def delegator(actor: Actor) -> Actor:
    """``actor``, if they may hand their work over: a county official in their own name (403 otherwise)."""
    if actor.id is None or actor.principal_id is not None:
        raise Forbidden("only a user acting in their own name delegates (只能以本人身份委托)", audit=True)
    if actor.role not in rules.COUNTY_OFFICIALS:
        role = Unmet("delegation_role", "只有商务、财政部门人员和领导小组成员可以委托他人代理",
                     "Only the commerce and finance bureaus' officials and the leading group's members delegate "
                     "their work", SYSTEM_RULE)
        raise Forbidden(role.en, audit=True, unmet=[role])
    return actor


def give(db: Database, actor: Actor, origin: Origin, data: Mapping[str, Any], now: datetime,
         lang: str = "zh") -> dict[str, Any]:
    """The caller hands their work to ``data["to"]`` over ``[from, until)`` (``from`` defaults to now)."""
    delegator(actor)
    starts: datetime = data.get("from") or now
    ends: datetime = data["until"]
    with db.writing() as tx:
        s = tx.session
        principal = s.get(User, actor.id)
        delegate = s.scalar(select(User).where(User.username == data["to"]))
        if principal is None:
            raise Forbidden("unknown user", audit=True)
        if delegate is None:
            raise Invalid("unknown deputy", {"to": [f"no user {data['to']!r} (没有此用户)"]})
        ids = (principal.id, delegate.id)
        in_force = [rules.Period(d.principal_id, d.delegate_id, d.starts_at, min(d.ends_at, d.revoked_at or d.ends_at))
                    for d in s.scalars(select(Delegation).where(
                        or_(Delegation.principal_id.in_(ids), Delegation.delegate_id.in_(ids))))]
        found = rules.unmet(_person(principal), _person(delegate), starts, ends, now, in_force)
        if found:
            refuse(found, "the delegation cannot be given", f"the delegation cannot be given: {found[0].en}")
        row = Delegation(principal_id=principal.id, delegate_id=delegate.id, starts_at=starts, ends_at=ends,
                         note=data.get("note"), created_at=now)
        s.add(row)
        s.flush()
        audit_log.append(s, action="delegation.give", actor=actor, origin=origin, entity_type="delegation",
                         entity_id=row.id, region_code=principal.region_code, to_state=status(row, now),
                         data={"principal": principal.username, "to": delegate.username,
                               "from": starts.isoformat(), "until": ends.isoformat()},
                         note=data.get("note"), at=now)
        answer = view(row, now, lang)
        tx.commit()
        return answer


def revoke(db: Database, actor: Actor, origin: Origin, delegation_id: int, now: datetime,
           lang: str = "zh", *, as_admin: bool = False) -> dict[str, Any]:
    """End a delegation now: the principal or the deputy (who can no longer cover) theirs, or (``as_admin``) the
    administrator any in their jurisdiction."""
    if as_admin and (actor.role != Role.ADMIN or actor.principal_id is not None):
        raise Forbidden("only the administrator revokes another's delegation (仅系统管理员)", audit=True)
    with db.writing() as tx:
        s = tx.session
        row = s.scalars(select(Delegation).where(Delegation.id == delegation_id)
                        .with_for_update(of=Delegation)).unique().first()
        if row is None or not (_administers(actor, row) if as_admin else _is_party(actor, row)):
            raise NotFound(f"no delegation {delegation_id}")
        before = status(row, now)
        if before in ("ended", "revoked"):
            raise Conflict("the delegation has already ended", [Unmet(
                "delegation_ended", "该代理委托已结束", "The delegation has already ended", SYSTEM_RULE)])
        row.revoked_at, row.revoked_by = now, actor.id
        audit_log.append(s, action="delegation.revoke", actor=actor, origin=origin, entity_type="delegation",
                         entity_id=row.id, region_code=row.principal.region_code, from_state=before,
                         to_state="revoked", data={"principal": row.principal.username, "to": row.delegate.username},
                         at=now)
        answer = view(row, now, lang)
        tx.commit()
        return answer


def _is_party(actor: Actor, row: Delegation) -> bool:
    return actor.id in (row.principal_id, row.delegate_id)


def _administers(actor: Actor, row: Delegation) -> bool:
    return actor.role == Role.ADMIN and row.principal.region.path.startswith(actor.region_path)


def mine(db: Database, actor: Actor, now: datetime, lang: str = "zh") -> dict[str, list[dict[str, Any]]]:
    """The caller's delegations: those given (``given``) and those received (``received``), newest first."""
    with db.reading() as tx:
        rows = tx.session.scalars(select(Delegation).where(
            or_(Delegation.principal_id == actor.id, Delegation.delegate_id == actor.id))
            .order_by(Delegation.id.desc())).unique().all()
        return {"given": [view(d, now, lang) for d in rows if d.principal_id == actor.id],
                "received": [view(d, now, lang) for d in rows if d.delegate_id == actor.id]}


def every(db: Database, actor: Actor, now: datetime, lang: str = "zh") -> list[dict[str, Any]]:
    """Every delegation of the users in the administrator's jurisdiction, newest first."""
    if actor.role != Role.ADMIN:
        raise Forbidden("only the administrator lists every delegation (仅系统管理员)", audit=True)
    with db.reading() as tx:
        rows = tx.session.scalars(select(Delegation).order_by(Delegation.id.desc())).unique().all()
        return [view(d, now, lang) for d in rows if _administers(actor, d)]


def deputy_choices(db: Database, actor: Actor, lang: str = "zh") -> list[dict[str, Any]]:
    """Whom ``actor`` may name as deputy (the give form's choice): the other active commerce and finance
    officials and leading-group members of the actor's own county, by role and name. The rules are still
    checked when the delegation is given."""
    if actor.id is None or actor.role not in rules.COUNTY_OFFICIALS or actor.principal_id is not None:
        return []
    with db.reading() as tx:
        rows = tx.session.scalars(select(User).where(
            User.region_code == actor.region_code, User.active.is_(True), User.id != actor.id,
            User.role.in_(sorted(rules.COUNTY_OFFICIALS))).order_by(User.role, User.username)).unique().all()
        return [{"id": u.id, "username": u.username, "role": u.role,
                 "role_label": labels.of(labels.ROLES, u.role, lang)} for u in rows]


def covering(db: Database, actor: Actor, now: datetime, lang: str = "zh") -> list[dict[str, Any]]:
    """The principals ``actor`` deputises for at ``now`` (the pages offer "以 … 的名义办理" for each)."""
    with db.reading() as tx:
        return [{"id": u.id, "username": u.username, "role": u.role,
                 "role_label": labels.of(labels.ROLES, u.role, lang)} for u in principals(tx.session, actor, now)]


def principals(session: Session, actor: Actor, now: datetime) -> list[User]:
    """The users ``actor`` deputises for at ``now``."""
    if actor.id is None or actor.role not in rules.COUNTY_OFFICIALS or actor.principal_id is not None:
        return []
    rows = session.scalars(select(Delegation).where(
        Delegation.delegate_id == actor.id, Delegation.starts_at <= now, Delegation.ends_at > now)).unique().all()
    return [d.principal for d in rows if rules.active(d.starts_at, d.ends_at, d.revoked_at, now)
            and d.principal.active]


def deputies(session: Session, now: datetime) -> list[tuple[int, User]]:
    """Every delegation in force at ``now``, as (the principal's id, the active deputy)."""
    rows = session.scalars(select(Delegation).where(Delegation.starts_at <= now, Delegation.ends_at > now)).unique()
    return [(d.principal_id, d.delegate) for d in rows
            if rules.active(d.starts_at, d.ends_at, d.revoked_at, now) and d.delegate.active]


def as_principal(actor: Actor, principal: User) -> Actor:
    """The deputy acting for ``principal``: the principal's role and jurisdiction, both names."""
    return replace(actor, role=principal.role, region_code=principal.region_code, region_path=principal.region.path,
                   principal_id=principal.id, principal_username=principal.username, own_role=actor.role)


def acting_for(db: Database, actor: Actor, principal: str, now: datetime) -> Actor | None:
    """``actor`` acting for the user named ``principal`` while a delegation from them is in force, else None
    (the pages' "以 … 的名义办理": every page then reads and acts as the principal, naming both)."""
    with db.reading() as tx:
        for user in principals(tx.session, actor, now):
            if user.username == principal:
                return as_principal(actor, user)
    return None


def acting(session: Session, actor: Actor, roles: Sequence[str], data: Mapping[str, Any],
           now: datetime) -> tuple[Actor, Actor | None]:
    """Who fires an event of ``roles``: the actor themselves, or the principal they deputise for; and, when the
    choice was the service's, the actor in their own name to fall back on (:func:`disburse.services.engine.fire_in`).

    ``on_behalf_of`` names the principal (the actor's own username: in their own name). Left out, a deputy
    acts for the one principal in force whose role may fire the event — or in their own name where the
    principal's checks refuse it and their own role may fire it — and in their own name when there is no such
    principal; with several they must say which (409 ``delegation_ambiguous``).
    """
    named = data.get("on_behalf_of")
    if named == actor.username or (not named and not actor.implicit_principal):
        return actor, None
    covering = principals(session, actor, now)
    if named:
        for principal in covering:
            if principal.username == named:
                return as_principal(actor, principal), None
        raise Forbidden(f"no delegation from {named!r} in force (没有 {named} 的有效代理委托)", audit=True)
    fitting = [p for p in covering if p.role in roles]
    if len(fitting) > 1:
        names = "、".join(p.username for p in fitting)
        raise Conflict("say for whom: on_behalf_of", [Unmet(
            "delegation_ambiguous", f"您同时代理 {names}，请注明以谁的名义办理（on_behalf_of）",
            f"You deputise for {', '.join(p.username for p in fitting)}: say for whom (on_behalf_of)",
            SYSTEM_RULE)])
    if not fitting:
        return actor, None
    return as_principal(actor, fitting[0]), actor if actor.role in roles else None
