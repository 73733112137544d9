"""Users, passwords and tokens (SPEC §6, §11.1), and their administration (issue 18).

Passwords are hashed with Argon2id (memory-hard, SPEC §12). Bearer tokens are
random and stored only as their SHA-256, so a copy of the database yields no
usable token.

User administration is the admin role's only power (SPEC §1: "manages users; has no business
powers"): :func:`list_users`, :func:`get_user`, :func:`administer_create` and :func:`administer`
hold every rule of it — only an admin, only users and regions inside the admin's jurisdiction
(anything outside answers 404, SPEC §6), one audit entry per act in the same transaction.
"""

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.limits import LoginThrottle
from disburse.adapters.orm import ApiToken, Contractor, Region, User
from disburse.adapters.regions import ROOT_CODE
from disburse.clock import REAL
from disburse.domain import credit_code
from disburse.domain.roles import Role, within
from disburse.domain.text import printable, text_errors
from disburse.domain.unmet import Unmet
from disburse.services import pages
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthorized

log = logging.getLogger(__name__)

_hasher = PasswordHasher()

#: Used when the caller names no throttle (the command line, tests): the database store.
_default_throttle = LoginThrottle()

#: Compared against when the user does not exist, so timing says nothing about it.
_DUMMY_HASH = _hasher.hash("disburse-no-such-user")


def configure_hashing(time_cost: int, memory_cost: int) -> None:
    """Tests lower the Argon2 cost; production keeps the library's defaults."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
    _DUMMY_HASH = _hasher.hash("disburse-no-such-user")


def actor_of(user: User) -> Actor:
    return Actor(
        id=user.id,
        username=user.username,
        role=user.role,
        region_code=user.region_code,
        region_path=user.region.path,
        contractor_code=user.contractor_code,
    )


def create_user(db: Database, username: str, *, role: str, region: str, password: str,
                contractor: str | None = None, email: str | None = None,
                actor: Actor | None = None, origin: Origin | None = None, now: datetime | None = None) -> int:
    """Create a user with one role and one region (and its contractor, for a contractor)."""
    errors: dict[str, list[str]] = {}
    if role not in {r.value for r in Role}:
        errors["role"] = [f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}"]
    if role == Role.CONTRACTOR and not contractor:
        errors["contractor"] = ["a contractor user names its contractor's credit code"]
    if len(password) < 8:
        errors["password"] = ["at least 8 characters"]
    if not username.strip():
        errors["username"] = ["required"]
    with db.writing() as tx:
        if tx.session.get(Region, region) is None:
            errors["region"] = [f"no region with code {region!r}; load the region list first"]
        if tx.session.scalar(select(User.id).where(User.username == username)) is not None:
            errors["username"] = [f"{username!r} exists already"]
        if errors:
            raise Invalid("invalid user", errors)
        user = User(username=username, password_hash=_hasher.hash(password), role=role,
                    region_code=region, contractor_code=contractor, email=email, active=True)
        tx.session.add(user)
        tx.session.flush()
        audit_log.append(tx.session, action="user.create", actor=actor, origin=origin,
                         entity_type="user", entity_id=user.id,
                         data={"username": username, "role": role, "region": region,
                               "contractor": contractor}, at=now or REAL.now())
        tx.commit()
        return user.id


def authenticate(db: Database, username: str, password: str, origin: Origin, *, now: datetime | None = None,
                 throttle: LoginThrottle | None = None) -> Actor:
    """Check a password; log the login or the failed login (SPEC §8) either way.

    The failure message is the same whether or not the user exists. Logins are throttled (SPEC §12;
    :mod:`disburse.adapters.limits`, default: in the database): every attempt is first counted
    against its account and its client address, in a transaction of its own, and an attempt beyond
    the limit — or while the account or address is locked out — is refused with
    :class:`RateLimited` before the password is looked at, so the answer says nothing about it; such
    refusals go to the server log, not the audit log, which a locked-out guesser could otherwise
    flood. A username or password that cannot be stored (a NUL, a lone surrogate) is a failed login
    like any other, answered with the field named (:class:`Invalid`). The failed login that is the
    last its window admits locks the account or address, logged with an ``auth.locked`` entry after
    its ``auth.login_failed`` one, and is refused the same way.
    """
    throttle = throttle or _default_throttle
    now = now or REAL.now()
    name = printable(username)
    with db.writing() as tx:  # counted and committed before anything is checked (issue 14)
        admission = throttle.admit(tx.session, name, origin.client_addr, now)
        tx.commit()
    until = admission.refused_until
    if until is not None:
        log.warning("login refused: %r or %s is locked out until %s (request %s)", name,
                    origin.client_addr, until.isoformat(), origin.request_id)
        raise _locked_out(until, now)
    unstorable = text_errors({"username": username, "password": password})
    with db.writing() as tx:
        user = None if unstorable else tx.session.scalar(select(User).where(User.username == username))
        ok = False
        try:
            ok = not unstorable and _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if user is None or not user.active or not ok:
            audit_log.append(tx.session, action="auth.login_failed", origin=origin,
                             entity_type="user", entity_id=user.id if user else None,
                             data={"username": name, **({"unstorable": sorted(unstorable)} if unstorable else {})},
                             at=now)
            locks = throttle.failed(tx.session, admission)
            for lock in locks:
                audit_log.append(tx.session, action="auth.locked", origin=origin, entity_type="user",
                                 entity_id=user.id if user and lock.scope == "account" else None,
                                 data={"scope": lock.scope, "key": lock.key, "failures": lock.failures,
                                       "until": lock.until.isoformat()}, at=now)
            tx.commit()
            if locks:
                raise _locked_out(max(lock.until for lock in locks), now)
            if unstorable:
                raise Invalid("the login is invalid (登录信息有误)", unstorable)
            raise Unauthorized("wrong username or password (用户名或密码错误)")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        throttle.succeeded(tx.session, admission)
        actor = actor_of(user)
        audit_log.append(tx.session, action="auth.login", actor=actor, origin=origin,
                         entity_type="user", entity_id=user.id, at=now)
        tx.commit()
        return actor


def _locked_out(until: datetime, now: datetime) -> RateLimited:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return RateLimited(f"too many failed logins; try again in {math.ceil(seconds / 60)} minutes "
                       f"(登录失败次数过多，请 {math.ceil(seconds / 60)} 分钟后再试)",
                       retry_after=seconds, until=until)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(db: Database, actor: Actor, lifetime: timedelta, now: datetime | None = None) -> tuple[str, datetime]:
    """A new bearer token for the actor, valid for ``lifetime`` from ``now``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = (now or REAL.now()) + lifetime
    with db.writing() as tx:
        tx.session.add(ApiToken(user_id=actor.id, token_hash=_token_hash(token), expires_at=expires))
        tx.commit()
    return token, expires


def actor_for_token(db: Database, token: str, now: datetime | None = None) -> Actor | None:
    """The actor a live token belongs to, or None (one statement: token, user and region)."""
    with db.reading() as tx:
        row = tx.session.execute(
            select(User.id, User.username, User.role, User.region_code, Region.path, User.contractor_code,
                   ApiToken.expires_at)
            .join(ApiToken, ApiToken.user_id == User.id)
            .join(Region, Region.code == User.region_code)
            .where(ApiToken.token_hash == _token_hash(token), User.active.is_(True))
        ).first()
    if row is None or row.expires_at <= (now or REAL.now()):
        return None
    return Actor(id=row.id, username=row.username, role=row.role, region_code=row.region_code,
                 region_path=row.path, contractor_code=row.contractor_code)


def actor_for_session(db: Database, user_id: int, session_version: int) -> Actor | None:
    """The actor behind a browser session, if the session is still valid."""
    with db.reading() as tx:
        user = tx.session.get(User, user_id)
        if user is None or not user.active or user.session_version != session_version:
            return None
        return actor_of(user)


def session_version(db: Database, user_id: int) -> int:
    with db.reading() as tx:
        user = tx.session.get(User, user_id)
        return user.session_version if user else 0


def end_sessions(db: Database, actor: Actor, origin: Origin, now: datetime | None = None) -> None:
    """Logout: every browser session of the user stops being valid, and every bearer token it holds is
    revoked (issue 14: one logout ends everything the user was signed in with)."""
    with db.writing() as tx:
        user = tx.session.get(User, actor.id)
        if user is not None:
            user.session_version += 1
            revoked = tx.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount
            audit_log.append(tx.session, action="auth.logout", actor=actor, origin=origin,
                             entity_type="user", entity_id=user.id, data={"tokens_revoked": revoked},
                             at=now or REAL.now())
        tx.commit()


def actor_by_username(db: Database, username: str) -> Actor | None:
    with db.reading() as tx:
        user = tx.session.scalar(select(User).where(User.username == username))
        return None if user is None else actor_of(user)


# --- administration (issue 18) -------------------------------------------------------------------

#: The user events an administrator fires, and the audit action each writes.
USER_EVENTS = {"reset_password": "user.reset_password", "disable": "user.disable", "enable": "user.enable"}
#: How long a temporary password is (letters and digits without look-alikes).
TEMPORARY_LENGTH = 12
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    """A random password an administrator hands over once; the user is told to change it."""
    return "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))


def require_admin(actor: Actor) -> None:
    """Only the admin role manages users (SPEC §1); a refusal is a logged denied access (SPEC §6)."""
    if actor.role != Role.ADMIN:
        raise Forbidden(f"the role {actor.role} may not manage users (仅系统管理员可管理用户)", audit=True)


def _user_view(user: User, contractor_name: str | None = None) -> dict[str, Any]:
    """What an administrator reads of a user: never its password hash."""
    return {"id": user.id, "username": user.username, "role": user.role,
            "region": {"code": user.region.code, "name": user.region.name, "level": user.region.level},
            "contractor": user.contractor_code, "contractor_name": contractor_name, "email": user.email,
            "active": user.active, "created_at": user.created_at}


def _contractor_names(session: Any, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(select(Contractor.credit_code, Contractor.name).where(Contractor.credit_code.in_(codes)))
    return {code: name for code, name in rows}


def _load_user(session: Any, actor: Actor, user_id: int, *, lock: bool = False) -> User:
    """The user ``user_id`` if it lies in the admin's jurisdiction; otherwise 404, as if there were none."""
    stmt = select(User).where(User.id == user_id)
    user = session.scalar(stmt.with_for_update(of=User) if lock else stmt)
    if user is None or not within(user.region.path, actor.region_path):
        raise NotFound(f"no user {user_id}", audit=user is not None)
    return user


def regions_in_jurisdiction(db: Database, actor: Actor) -> list[dict[str, str]]:
    """The regions an admin may give a user, in tree order, each named with its ancestors
    (``福建省 / 宁德市 / 霞浦县``) so two counties of the same name can be told apart."""
    require_admin(actor)
    with db.reading() as tx:
        rows = tx.session.execute(select(Region.code, Region.name, Region.level, Region.path)
                                  .where(Region.path.startswith(actor.region_path)).order_by(Region.path)).all()
        names = {row.code: row.name for row in rows}
        above = actor.region_path.strip("/").split("/")[:-1]
        names.update({code: name for code, name in tx.session.execute(
            select(Region.code, Region.name).where(Region.code.in_(above)))})
    regions = []
    for row in rows:
        chain = [names[code] for code in row.path.strip("/").split("/") if code != ROOT_CODE]
        regions.append({"code": row.code, "level": row.level, "name": " / ".join(chain) or row.name})
    return regions


def list_users(db: Database, actor: Actor, *, region: str | None = None, role: str | None = None,
               active: bool | None = None, q: str | None = None, page: int = 1,
               per_page: int = 50) -> dict[str, Any]:
    """The users in the admin's jurisdiction (or in ``region``'s subtree within it), by region then name."""
    require_admin(actor)
    with db.reading() as tx:
        stmt = select(User).join(Region, Region.code == User.region_code).where(
            Region.path.startswith(actor.region_path))
        if region:
            root = tx.session.get(Region, region)
            if root is None or not within(root.path, actor.region_path):
                return pages.page([], 0, page, per_page)
            stmt = stmt.where(Region.path.startswith(root.path))
        if role:
            stmt = stmt.where(User.role == role)
        if active is not None:
            stmt = stmt.where(User.active.is_(active))
        if q:
            stmt = stmt.where(User.username.contains(q, autoescape=True))
        total = tx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = tx.session.scalars(stmt.order_by(Region.path, User.username)
                                  .offset((page - 1) * per_page).limit(per_page)).unique().all()
        names = _contractor_names(tx.session, {u.contractor_code for u in rows if u.contractor_code})
        items = [_user_view(u, names.get(u.contractor_code or "")) for u in rows]
    return pages.page(items, total, page, per_page)


def get_user(db: Database, actor: Actor, user_id: int) -> dict[str, Any]:
    """One user of the admin's jurisdiction."""
    require_admin(actor)
    with db.reading() as tx:
        user = _load_user(tx.session, actor, user_id)
        names = _contractor_names(tx.session, {user.contractor_code} if user.contractor_code else set())
        return _user_view(user, names.get(user.contractor_code or ""))


def administer_create(db: Database, actor: Actor, origin: Origin, data: dict[str, Any],
                      now: datetime) -> dict[str, Any]:
    """An admin creates a user (issue 18): a known role; a region that exists inside the admin's
    jurisdiction (SPEC §6); for a contractor user the unified social credit code of its company — a
    contractor already known, or a code whose check digit is right (GB 32100-2015), the company being
    registered with its first contract — and no credit code for any other role; a username nobody has.
    Without a password a temporary one is made and answered once (``temporary_password``). Written to
    the audit log as ``user.create`` (never the password)."""
    require_admin(actor)
    username = data["username"].strip()
    role, region, code = data["role"], data["region"], (data.get("contractor") or "").strip().upper() or None
    errors: dict[str, list[str]] = text_errors({"username": username, "email": data.get("email") or ""})
    if role not in {r.value for r in Role}:
        errors["role"] = [f"unknown role {role!r} (没有这个角色)"]
    if role == Role.CONTRACTOR and not code:
        errors["contractor"] = ["a contractor user names its company's unified social credit code "
                                "(承办企业用户须填写企业的统一社会信用代码)"]
    elif role != Role.CONTRACTOR and code:
        errors["contractor"] = ["only a contractor user has a credit code (仅承办企业用户填写统一社会信用代码)"]
    password = data.get("password") or None
    temporary = password is None
    password = password or temporary_password()
    with db.writing() as tx:
        place = tx.session.get(Region, region)
        if place is None:
            errors["region"] = [f"no region with code {region} (没有这个行政区划)"]
        elif not within(place.path, actor.region_path):
            errors["region"] = [f"{place.name} is outside your jurisdiction ({place.name}不在您的管辖范围内)"]
        company = tx.session.scalar(select(Contractor.name).where(Contractor.credit_code == code)) if code else None
        if code and company is None and "contractor" not in errors:
            problem = credit_code.problem(code)
            if problem:
                errors["contractor"] = [problem]
        if tx.session.scalar(select(User.id).where(User.username == username)) is not None:
            errors["username"] = [f"the username {username} is taken (用户名{username}已被使用)"]
        if errors:
            raise Invalid("invalid user (用户信息有误)", errors)
        user = User(username=username, password_hash=_hasher.hash(password), role=role, region_code=region,
                    contractor_code=code, email=data.get("email") or None, active=True, created_at=now)
        tx.session.add(user)
        tx.session.flush()
        audit_log.append(tx.session, action="user.create", actor=actor, origin=origin, entity_type="user",
                         entity_id=user.id, data={"username": username, "role": role, "region": region,
                                                  "contractor": code, "temporary_password": temporary},
                         note=data.get("note"), at=now)
        view = _user_view(user, company)
        tx.commit()
    return {**view, "temporary_password": password if temporary else None}


def _refusal(code: str, zh: str, en: str) -> Conflict:
    return Conflict(en, [Unmet(code, zh, en)])


def administer(db: Database, actor: Actor, origin: Origin, user_id: int, event: str, *,
               note: str | None = None, now: datetime) -> dict[str, Any]:
    """An admin acts on a user of its jurisdiction (issue 18), one audit entry in the same transaction:

    * ``reset_password``: a new temporary password, answered once (``temporary_password``);
    * ``disable``: the user can no longer log in; its sessions and tokens end at once;
    * ``enable``: a disabled user may log in again (old sessions and tokens stay ended).

    Resetting or disabling ends every session and token the user holds (as a logout does). An admin
    may not disable or reset itself (it would lock itself out; another admin does it); disabling a
    disabled user or enabling an active one is a conflict (409) that changes nothing."""
    require_admin(actor)
    if event not in USER_EVENTS:
        raise Invalid("unknown event", {"event": [f"unknown event {event!r}; one of {', '.join(USER_EVENTS)}"]})
    with db.writing() as tx:
        user = _load_user(tx.session, actor, user_id, lock=True)
        if user.id == actor.id and event != "enable":
            raise _refusal("own_account", "管理员不能停用或重置自己的账户，请由另一位管理员办理",
                           "an administrator cannot disable or reset its own account; another administrator can")
        if event == "disable" and not user.active:
            raise _refusal("already_disabled", "该用户已停用", "the user is disabled already")
        if event == "enable" and user.active:
            raise _refusal("already_active", "该用户未停用", "the user is not disabled")
        password = None
        if event == "reset_password":
            password = temporary_password()
            user.password_hash = _hasher.hash(password)
        if event in ("reset_password", "disable"):
            user.session_version += 1
            revoked = tx.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount
        else:
            revoked = 0
        user.active = event != "disable"
        audit_log.append(tx.session, action=USER_EVENTS[event], actor=actor, origin=origin, entity_type="user",
                         entity_id=user.id, data={"username": user.username, "tokens_revoked": revoked},
                         note=note, at=now)
        names = _contractor_names(tx.session, {user.contractor_code} if user.contractor_code else set())
        view = _user_view(user, names.get(user.contractor_code or ""))
        tx.commit()
    return {**view, "temporary_password": password}
