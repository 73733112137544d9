"""Users, passwords and tokens (SPEC §6, §11.1).

Passwords are hashed with Argon2id (memory-hard, SPEC §12). Bearer tokens are
random and stored only as their SHA-256, so a copy of the database yields no
usable token.
"""

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from disburse.adapters import audit_log
from disburse.adapters.db import Database
from disburse.adapters.limits import LoginThrottle
from disburse.adapters.orm import ApiToken, Region, User
from disburse.clock import REAL
from disburse.domain.roles import Role
from disburse.domain.text import printable, text_errors
from disburse.services.context import Actor, Origin
from disburse.services.errors import Invalid, RateLimited, Unauthorized

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
