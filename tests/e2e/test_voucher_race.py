"""One voucher number, one disbursement in a county — also when several arrive at once (issue 14).

Four approved advances in four projects of one county (so no project or contract lock orders them)
are disbursed at the same moment through ``disburse serve`` with several worker processes, all citing
the same voucher number. Exactly one is disbursed; each other one is refused with a 409 — naming the
winner (``voucher_not_unique``) when it read the winner's row, or the generic collision when its
insert lost the race on the ``voucher_numbers`` primary key — and nothing answers 5xx.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from disburse.adapters.orm import VoucherNumber
from disburse.domain.notice import local_date
from tests.e2e.test_plausible_input import approved_advance, project_in
from tests.flow import Flow
from tests.payment_invariants import assert_audit_chain_is_whole
from tests.server_process import (
    FINANCE_2,
    Response,
    Server,
    assert_no_server_error,
    burst,
    send,
    serving,
)

WORKERS = 3
VOUCHER = "RACE-2024-0001"


@pytest.fixture
def backend(postgres_only: str) -> str:
    return postgres_only


@pytest.fixture
def flow(paying_flow: Flow) -> Flow:
    return paying_flow


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with serving(database_url, tmp_path, WORKERS) as server:
        yield server


def test_concurrent_disbursements_citing_one_voucher_in_one_county_disburse_exactly_one(
        flow: Flow, server: Server) -> None:
    _, a, _ = flow.selected_project()
    county = flow.project(a["project_id"])["region"]["code"]
    payments = [approved_advance(flow, a)]
    for n in range(3):
        contract, who = project_in(flow, county, f"race{n}")
        payments.append(approved_advance(flow, contract, who["commerce"], verifier=who["commerce-2"],
                                         approver=who["finance"]))
    token = server.token(FINANCE_2)
    today = local_date(datetime.now(UTC)).isoformat()  # the server keeps the real time

    def disburse(payment: dict[str, Any]) -> Callable[[], Response]:
        body = {"event": "disburse", "voucher_no": VOUCHER, "disbursed_on": today}
        return lambda: send(f"{server.base}/payments/{payment['id']}/events", body, token)

    outcomes = burst([disburse(p) for p in payments], threads=len(payments))

    assert_no_server_error(outcomes, server)
    assert sorted(o.status for o in outcomes) == [200, 409, 409, 409], [(o.status, o.body) for o in outcomes]
    winner = next(o.body for o in outcomes if o.status == 200)
    for refused in (o.body for o in outcomes if o.status == 409):
        codes = [u["code"] for u in refused.get("unmet", [])]
        assert codes in ([], ["voucher_not_unique"]), refused
        if codes:
            assert str(winner["id"]) in refused["unmet"][0]["message"]
    states = [server.get(f"/payments/{p['id']}", FINANCE_2)["state"] for p in payments]
    assert sorted(states) == ["approved", "approved", "approved", "disbursed"]
    with flow.db.reading() as tx:
        rows = tx.session.execute(select(VoucherNumber.region_code, VoucherNumber.voucher_key,
                                         VoucherNumber.payment_id)).all()
    assert [tuple(r) for r in rows] == [(county, VOUCHER, winner["id"])]
    assert_audit_chain_is_whole(server)
