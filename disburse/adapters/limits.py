"""Login throttling that every server process shares (SPEC §12 "login rate-limited"; issue 10).

Failed logins are counted in a sliding window per account (the username typed, whether or not it
exists, so the answer says nothing about which names exist) and per client address. When a count
reaches its limit, that account or address is locked out for a while: every login to it is refused
with 429, the right password included, without checking the password.

The counts live where every ``disburse serve`` worker and instance sees them: in Redis when
``DISBURSE_REDIS_URL`` is set, otherwise in the database (tables ``login_failures`` and
``login_locks``, migration 0007), inside the login's own transaction so a lock commits with its
``auth.locked`` audit entry. The numbers are in :data:`ACCOUNT` and :data:`ADDRESS` and in
docs/security.md.
"""

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from disburse.adapters.orm import LoginFailure, LoginLock

#: Stored keys are cut to this length (the column width); usernames are at most 64 characters.
KEY_LENGTH = 128


@dataclass(frozen=True)
class Limit:
    """``failures`` failed logins within ``window`` lock the account or address for ``lockout``."""

    scope: str
    failures: int
    window: timedelta
    lockout: timedelta


#: 20 wrong passwords for one account in a minute lock it for 15 minutes (issue 10, "Done when").
ACCOUNT = Limit("account", failures=20, window=timedelta(minutes=1), lockout=timedelta(minutes=15))
#: 100 failed logins from one address in a minute (any accounts) lock that address for 15 minutes.
ADDRESS = Limit("address", failures=100, window=timedelta(minutes=1), lockout=timedelta(minutes=15))
#: Failures older than every window no longer count; the database store deletes them.
PRUNE_AFTER = max(ACCOUNT.window, ADDRESS.window)


@dataclass(frozen=True)
class Lockout:
    """A lock that a failed login has just set."""

    scope: str
    key: str
    until: datetime
    failures: int


class ThrottleStore(Protocol):
    """Where failures and locks are kept. ``session`` is the login's transaction (unused by Redis)."""

    def locked_until(self, session: Session, scope: str, key: str, now: datetime) -> datetime | None: ...

    def count_failure(self, session: Session, scope: str, key: str, now: datetime, window: timedelta) -> int: ...

    def lock(self, session: Session, scope: str, key: str, now: datetime, until: datetime) -> None: ...

    def forget(self, session: Session, scope: str, key: str) -> None: ...


class SqlThrottleStore:
    """The database as the shared store: one row per failure, one row per lock.

    Rows older than the window are pruned as failures come in, so the table stays small.
    """

    def __init__(self, prune_after: timedelta = PRUNE_AFTER) -> None:
        self.prune_after = prune_after

    def locked_until(self, session: Session, scope: str, key: str, now: datetime) -> datetime | None:
        until = session.scalar(select(LoginLock.until).where(LoginLock.scope == scope, LoginLock.key == key))
        return until if until is not None and until > now else None

    def count_failure(self, session: Session, scope: str, key: str, now: datetime, window: timedelta) -> int:
        session.execute(delete(LoginFailure).where(LoginFailure.at < now - self.prune_after))
        session.add(LoginFailure(scope=scope, key=key, at=now))
        session.flush()
        return int(session.scalar(
            select(func.count()).select_from(LoginFailure)
            .where(LoginFailure.scope == scope, LoginFailure.key == key, LoginFailure.at > now - window)
        ) or 0)

    def lock(self, session: Session, scope: str, key: str, now: datetime, until: datetime) -> None:
        session.execute(delete(LoginLock).where(LoginLock.until <= now))
        dialect = session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(LoginLock).values(scope=scope, key=key, until=until)
        # two workers may lock the same key at once: the later lock wins, neither fails
        session.execute(stmt.on_conflict_do_update(index_elements=["scope", "key"], set_={"until": until}))

    def forget(self, session: Session, scope: str, key: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.scope == scope, LoginFailure.key == key))


class RedisThrottleStore:
    """Redis as the shared store: a sorted set of failure times per key, a string per lock.

    Times come from the app's clock (scores, lock values), so the manual clock of the tests works;
    Redis expiry only collects keys nobody reads any more.
    """

    def __init__(self, client: Any, prefix: str = "disburse:login") -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "disburse:login") -> "RedisThrottleStore":
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5), prefix)

    def _key(self, kind: str, scope: str, key: str) -> str:
        return f"{self.prefix}:{kind}:{scope}:{key}"

    def locked_until(self, session: Session, scope: str, key: str, now: datetime) -> datetime | None:
        value = self.client.get(self._key("lock", scope, key))
        if value is None:
            return None
        until = datetime.fromtimestamp(float(value), UTC)
        return until if until > now else None

    def count_failure(self, session: Session, scope: str, key: str, now: datetime, window: timedelta) -> int:
        name = self._key("fail", scope, key)
        stamp = now.timestamp()
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(name, "-inf", stamp - window.total_seconds())
        pipe.zadd(name, {uuid.uuid4().hex: stamp})
        pipe.zcount(name, f"({stamp - window.total_seconds()}", "+inf")
        pipe.expire(name, math.ceil(window.total_seconds()) + 1)
        return int(pipe.execute()[2])

    def lock(self, session: Session, scope: str, key: str, now: datetime, until: datetime) -> None:
        ttl = max(1, math.ceil((until - now).total_seconds()))
        self.client.set(self._key("lock", scope, key), repr(until.timestamp()), ex=ttl)

    def forget(self, session: Session, scope: str, key: str) -> None:
        self.client.delete(self._key("fail", scope, key))


class LoginThrottle:
    """The policy: which keys a login counts against, and when a count becomes a lock."""

    def __init__(self, store: ThrottleStore | None = None, limits: tuple[Limit, ...] = (ACCOUNT, ADDRESS)) -> None:
        self.store: ThrottleStore = store or SqlThrottleStore()
        self.limits = limits

    def _keys(self, username: str, client_addr: str | None) -> list[tuple[Limit, str]]:
        keys = {"account": username[:KEY_LENGTH], "address": (client_addr or "")[:KEY_LENGTH]}
        return [(limit, keys[limit.scope]) for limit in self.limits if keys.get(limit.scope)]

    def locked_until(self, session: Session, username: str, client_addr: str | None, now: datetime) -> datetime | None:
        """The end of the latest lock on this account or address, or None when neither is locked."""
        ends = [self.store.locked_until(session, limit.scope, key, now) for limit, key in self._keys(username,
                                                                                                    client_addr)]
        return max((end for end in ends if end is not None), default=None)

    def failed(self, session: Session, username: str, client_addr: str | None, now: datetime) -> list[Lockout]:
        """Count a failed login; the locks it sets (none, the account's, the address's or both)."""
        locks = []
        for limit, key in self._keys(username, client_addr):
            count = self.store.count_failure(session, limit.scope, key, now, limit.window)
            if count >= limit.failures and self.store.locked_until(session, limit.scope, key, now) is None:
                until = now + limit.lockout
                self.store.lock(session, limit.scope, key, now, until)
                locks.append(Lockout(limit.scope, key, until, count))
        return locks

    def succeeded(self, session: Session, username: str) -> None:
        """A right password clears the account's count (not the address's: one known account must not
        let an address go on guessing others)."""
        if any(limit.scope == "account" for limit in self.limits):
            self.store.forget(session, "account", username[:KEY_LENGTH])


def throttle_for(redis_url: str | None) -> LoginThrottle:
    """Redis when configured, else the database."""
    return LoginThrottle(RedisThrottleStore.from_url(redis_url) if redis_url else SqlThrottleStore())
