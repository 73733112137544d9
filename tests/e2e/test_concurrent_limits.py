"""The abuse limits hold exactly under concurrent requests to a multi-process server (issue 14, item 3).

An outside test found 22 of 60 concurrent wrong passwords checked against a limit of 20, and 8 of 40
concurrent objections from one address filed against a limit of 5: each request read a count below
the limit before the others had written theirs. Each limit is now one atomic decision
(:mod:`disburse.adapters.limits`). Here ``disburse serve --workers 4`` runs on PostgreSQL and the
requests arrive together from a thread pool.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from disburse.adapters.limits import ACCOUNT, OBJECTION
from disburse.adapters.orm import AuditEntry, Objection
from tests.flow import COMMERCE, Flow
from tests.server_process import (
    Response,
    Server,
    assert_no_server_error,
    burst,
    send,
    serving,
)

WORKERS = 4


@pytest.fixture
def backend(postgres_only: str) -> str:
    return postgres_only


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with serving(database_url, tmp_path, WORKERS, "--no-scheduler") as server:
        yield server


def count(db: Any, model: Any, *where: Any) -> int:
    with db.reading() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_sixty_concurrent_wrong_passwords_get_exactly_twenty_checked(flow: Flow, server: Server) -> None:
    url = f"{server.base}/auth/tokens"

    def guess() -> Response:
        return send(url, {"username": COMMERCE, "password": "wrong guess"})

    outcomes = burst([guess] * 60, threads=60)

    assert_no_server_error(outcomes, server)
    first = Counter(o.statuses[0] for o in outcomes)
    assert first == {401: ACCOUNT.attempts - 1, 429: 60 - ACCOUNT.attempts + 1}, first
    checked = count(flow.db, AuditEntry, AuditEntry.action == "auth.login_failed")
    assert checked == ACCOUNT.attempts
    assert count(flow.db, AuditEntry, AuditEntry.action == "auth.locked") == 1
    status, _ = send(url, {"username": COMMERCE, "password": "the right one does not matter now"})
    assert status == 429


def test_forty_concurrent_objections_from_one_address_file_exactly_five(app: Any, server: Server) -> None:
    flow = Flow(app, app.test_client(), start=datetime.now(UTC))  # the server runs on the real clock
    flow.county_users()
    project, a, _ = flow.selected_project()
    notice = flow.in_notice(project, a)
    url = f"{server.base}/public/notices/{notice['notice']['id']}/objections"

    def object_() -> Response:
        return send(url, {"contact": "13800000000", "content": "验收材料与实际不符，请核查。"})

    outcomes = burst([object_] * 40, threads=40)

    assert_no_server_error(outcomes, server)
    first = Counter(o.statuses[0] for o in outcomes)
    assert first[201] == OBJECTION.attempts, first
    assert first[429] == 40 - OBJECTION.attempts, first
    assert count(flow.db, Objection) == OBJECTION.attempts
