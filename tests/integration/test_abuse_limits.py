"""Abuse limits (issue 10; SPEC §9, §12; docs/security.md): login throttling per account and per address,
the request body limit, the public objection limit — on SQLite and PostgreSQL, and through Redis.
"""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from disburse.adapters.db import Database
from disburse.adapters.limits import ACCOUNT, ADDRESS, LoginThrottle, RedisCounterStore
from disburse.adapters.orm import AuditEntry, RateLimit
from disburse.clock import ManualClock
from disburse.services import audit, users
from disburse.services.context import Origin
from disburse.services.errors import RateLimited, Unauthorized
from tests.flow import Flow, public_address
from tests.helpers import PASSWORD, make_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COUNTY = "530325"
REDIS_URL = os.environ.get("DISBURSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def login(db: Database, username: str, password: str, now: datetime, addr: str = "10.0.0.1",
          throttle: LoginThrottle | None = None) -> Any:
    """The outcome of one login: the actor, or the error class it raised."""
    try:
        return users.authenticate(db, username, password, Origin(client_addr=addr), now=now, throttle=throttle)
    except (Unauthorized, RateLimited) as exc:
        return exc


def actions(db: Database) -> list[str]:
    with db.reading() as tx:
        return list(tx.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def locked_entries(db: Database) -> list[dict[str, Any]]:
    with db.reading() as tx:
        rows = tx.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.locked")
                                  .order_by(AuditEntry.seq)).all()
        return [audit.entry_view(row) for row in rows]


@pytest.fixture
def redis_throttle() -> Iterator[LoginThrottle]:
    """The throttle on the Redis at ``DISBURSE_TEST_REDIS_URL`` (database 15), under a prefix of its own."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc.__class__.__name__}); set DISBURSE_TEST_REDIS_URL")
    prefix = f"disburse-test:{uuid.uuid4().hex}"
    yield LoginThrottle(RedisCounterStore(client, prefix))
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["database", "redis"])
def throttle(request: pytest.FixtureRequest) -> LoginThrottle:
    if request.param == "redis":
        return request.getfixturevalue("redis_throttle")  # type: ignore[no-any-return]
    return LoginThrottle()


# --- per account ---------------------------------------------------------------------------------


def test_twenty_wrong_passwords_in_a_minute_lock_the_account_and_the_audit_log_shows_it(
        db: Database, throttle: LoginThrottle) -> None:
    uid = make_user(db, "finance-xp", "finance", COUNTY)
    outcomes = [login(db, "finance-xp", f"guess {i}", NOW + timedelta(seconds=2 * i), throttle=throttle)
                for i in range(ACCOUNT.attempts)]
    assert all(isinstance(o, Unauthorized) for o in outcomes[:-1])
    assert isinstance(outcomes[-1], RateLimited)  # the twentieth sets the lock and says so

    during = NOW + timedelta(minutes=10)
    right = login(db, "finance-xp", PASSWORD, during, throttle=throttle)
    wrong = login(db, "finance-xp", "still guessing", during, throttle=throttle)
    assert isinstance(right, RateLimited) and isinstance(wrong, RateLimited)
    assert right.detail == wrong.detail and right.status == 429  # says nothing about the password
    assert 0 < right.extra["retry_after"] <= ACCOUNT.lockout.total_seconds()

    logged = actions(db)
    assert logged.count("auth.login_failed") == ACCOUNT.attempts  # refusals while locked are not logged
    assert logged[-1] == "auth.locked" and "auth.login" not in logged
    (entry,) = locked_entries(db)
    assert entry["entity_id"] == str(uid)
    assert entry["data"]["scope"] == "account" and entry["data"]["key"] == "finance-xp"
    assert entry["data"]["failures"] == ACCOUNT.attempts
    assert datetime.fromisoformat(entry["data"]["until"]) == NOW + timedelta(seconds=38) + ACCOUNT.lockout
    assert audit.verify(db).ok

    after = NOW + timedelta(seconds=38) + ACCOUNT.lockout + timedelta(seconds=1)
    actor = login(db, "finance-xp", PASSWORD, after, throttle=throttle)
    assert not isinstance(actor, Exception) and actor.id == uid


def test_wrong_passwords_spread_over_more_than_a_minute_do_not_lock(db: Database, throttle: LoginThrottle) -> None:
    make_user(db, "leader-xp", "leader", COUNTY)
    for i in range(2 * ACCOUNT.attempts):
        outcome = login(db, "leader-xp", "guess", NOW + timedelta(seconds=4 * i), throttle=throttle)
        assert isinstance(outcome, Unauthorized), i  # never more than 15 in any minute
    assert not isinstance(login(db, "leader-xp", PASSWORD, NOW + timedelta(minutes=3), throttle=throttle), Exception)
    assert "auth.locked" not in actions(db)


def test_a_right_password_clears_the_accounts_count(db: Database, throttle: LoginThrottle) -> None:
    make_user(db, "commerce-xp", "commerce", COUNTY)
    for i in range(ACCOUNT.attempts - 1):
        assert isinstance(login(db, "commerce-xp", "typo", NOW + timedelta(seconds=i), throttle=throttle),
                          Unauthorized)
    assert not isinstance(login(db, "commerce-xp", PASSWORD, NOW + timedelta(seconds=20), throttle=throttle),
                          Exception)
    assert isinstance(login(db, "commerce-xp", "typo", NOW + timedelta(seconds=21), throttle=throttle), Unauthorized)


def test_an_unknown_username_is_locked_like_a_known_one(db: Database) -> None:
    outcomes = [login(db, "nobody-here", "guess", NOW) for _ in range(ACCOUNT.attempts)]
    assert isinstance(outcomes[-1], RateLimited)
    (entry,) = locked_entries(db)
    assert entry["entity_id"] is None and entry["data"]["key"] == "nobody-here"


# --- per address ---------------------------------------------------------------------------------


def test_a_hundred_failures_from_one_address_lock_that_address_only(db: Database, throttle: LoginThrottle) -> None:
    make_user(db, "inspector-xp", "inspector", COUNTY)
    for i in range(ADDRESS.attempts):  # a different name each time: no account reaches its own limit
        outcome = login(db, f"guess-{i}", "pw", NOW + timedelta(milliseconds=100 * i), addr="203.0.113.9",
                        throttle=throttle)
        assert isinstance(outcome, RateLimited if i == ADDRESS.attempts - 1 else Unauthorized), i
    later = NOW + timedelta(minutes=5)
    assert isinstance(login(db, "inspector-xp", PASSWORD, later, addr="203.0.113.9", throttle=throttle), RateLimited)
    assert not isinstance(login(db, "inspector-xp", PASSWORD, later, addr="198.51.100.7", throttle=throttle),
                          Exception)
    (entry,) = locked_entries(db)
    assert entry["data"]["scope"] == "address" and entry["data"]["key"] == "203.0.113.9"
    assert entry["client_addr"] == "203.0.113.9"


# --- shared across processes, pruned -------------------------------------------------------------


def test_the_database_lock_holds_for_another_server_process(db: Database, database_url: str) -> None:
    make_user(db, "contractor-xp", "commerce", COUNTY)
    for i in range(ACCOUNT.attempts):
        login(db, "contractor-xp", "guess", NOW + timedelta(seconds=i))
    other_worker = Database(database_url)  # its own engine and connection pool, as another worker has
    try:
        assert isinstance(login(other_worker, "contractor-xp", PASSWORD, NOW + timedelta(minutes=1)), RateLimited)
    finally:
        other_worker.dispose()


def test_the_redis_lock_holds_for_another_server_process(db: Database, redis_throttle: LoginThrottle) -> None:
    make_user(db, "supervisor-xp", "supervisor", COUNTY)
    store = redis_throttle.store
    assert isinstance(store, RedisCounterStore)
    for i in range(ACCOUNT.attempts):
        login(db, "supervisor-xp", "guess", NOW + timedelta(seconds=i), throttle=redis_throttle)
    other_worker = LoginThrottle(RedisCounterStore.from_url(REDIS_URL, store.prefix))
    assert isinstance(login(db, "supervisor-xp", PASSWORD, NOW + timedelta(minutes=1), throttle=other_worker),
                      RateLimited)


def test_the_database_keeps_one_row_per_key_and_forgets_keys_untried_for_a_day(db: Database) -> None:
    for i in range(5):
        for _ in range(3):
            login(db, f"someone-{i}", "guess", NOW)
    with db.reading() as tx:
        assert tx.session.scalar(select(func.count()).select_from(RateLimit)) == 6  # 5 accounts + 1 address
    login(db, "someone-else", "guess", NOW + timedelta(days=1, seconds=1), addr="10.0.0.2")
    with db.reading() as tx:
        assert tx.session.scalar(select(func.count()).select_from(RateLimit)) == 2  # account + address


# --- over HTTP -----------------------------------------------------------------------------------


def test_the_api_answers_a_locked_account_with_a_429_problem_and_retry_after(app: Any, client: Any) -> None:
    app.extensions["disburse.clock"] = ManualClock(NOW)
    make_user(app.extensions["disburse.db"], "finance-api", "finance", COUNTY)
    statuses = [client.post("/api/v1/auth/tokens", json={"username": "finance-api", "password": "guess"}).status_code
                for _ in range(ACCOUNT.attempts)]
    assert statuses == [401] * (ACCOUNT.attempts - 1) + [429]
    resp = client.post("/api/v1/auth/tokens", json={"username": "finance-api", "password": PASSWORD})
    assert resp.status_code == 429 and resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["type"] == "/problems/rate-limited" and "token" not in problem
    assert 0 < int(resp.headers["Retry-After"]) <= ACCOUNT.lockout.total_seconds()
    app.extensions["disburse.clock"] = ManualClock(NOW + ACCOUNT.lockout + timedelta(seconds=1))
    assert client.post("/api/v1/auth/tokens", json={"username": "finance-api", "password": PASSWORD}).status_code == 201


def test_the_login_page_tells_a_locked_out_user_how_long_to_wait(app: Any, client: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["disburse.clock"] = ManualClock(NOW)
    make_user(app.extensions["disburse.db"], "leader-web", "leader", COUNTY)
    for _ in range(ACCOUNT.attempts):
        client.post("/login", data={"username": "leader-web", "password": "guess"})
    resp = client.post("/login", data={"username": "leader-web", "password": PASSWORD})
    assert resp.status_code == 429 and "Retry-After" in resp.headers
    assert "登录失败次数过多，请 15 分钟后再试" in resp.get_data(as_text=True)
    english = client.post("/login?lang=en", data={"username": "leader-web", "password": PASSWORD})
    assert "Too many failed logins; try again in 15 minutes" in english.get_data(as_text=True)


def test_a_body_over_the_limit_is_a_413_problem(app: Any, client: Any) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    resp = client.post("/api/v1/auth/tokens", data=b"{" + b" " * limit + b"}", content_type="application/json")
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
    assert resp.get_json()["type"] == "/problems/body-too-large"


def test_the_sixth_objection_from_one_address_in_ten_minutes_is_a_429_problem(flow: Flow) -> None:
    project, a, _ = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    address = public_address()
    for i in range(5):
        assert flow.object_to(acceptance, content=f"第{i + 1}条异议", address=address).status_code == 201
    resp = flow.object_to(acceptance, content="第6条异议", address=address)
    assert resp.status_code == 429 and resp.mimetype == "application/problem+json"
    assert resp.get_json()["type"] == "/problems/rate-limited"
    flow.advance(timedelta(minutes=10, seconds=1))
    assert flow.object_to(acceptance, content="十分钟后", address=address).status_code == 201
