"""The benchmark's bulk data is valid: the audit chain verifies and payment states fit their contracts."""

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bench.datagen import ADVANCE_SHARE, Scale, generate
from disburse.adapters.db import Database
from disburse.adapters.orm import Contract, Payment, Project
from disburse.domain.payment_gates import ADVANCE_STATES
from disburse.services import audit

IN_FLIGHT_OR_PAID = ("requested", "verified", "approved", "disbursed")


def test_generated_data_verifies_and_is_consistent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    gen = generate(url, Scale(projects=12, payments=200, audit_entries=1500, label="tiny"))
    db = Database(url)
    try:
        report = audit.verify(db)
        assert report.ok, report
        assert report.entries == gen.audit_entries == 1500
        with db.reading() as tx:
            contracts = {c.id: c for c in tx.session.scalars(select(Contract))}
            states = {pid: state for pid, state in tx.session.execute(select(Project.id, Project.state))}
            payments = tx.session.scalars(select(Payment)).all()
        assert len(payments) == gen.payments == 200
        committed: dict[int, Decimal] = {}
        for p in payments:
            assert p.kind == "advance" and p.amount > 0
            assert states[p.project_id] in ADVANCE_STATES
            assert contracts[p.contract_id].project_id == p.project_id
            steps = [p.requested_by, p.verified_by, p.approved_by, p.disbursed_by, p.rejected_by]
            taken = [s for s in steps if s is not None]
            assert len(taken) == len(set(taken)), f"payment {p.id}: one user took two steps"
            assert (p.verified_by is not None) == (p.state in ("verified", "approved", "disbursed"))
            assert (p.approved_by is not None) == (p.state in ("approved", "disbursed"))
            assert (p.voucher_no is not None) == (p.state == "disbursed")
            if p.state in IN_FLIGHT_OR_PAID:
                committed[p.contract_id] = committed.get(p.contract_id, Decimal(0)) + p.amount
        for contract_id, total in committed.items():
            assert total <= (ADVANCE_SHARE * contracts[contract_id].amount).quantize(Decimal("0.01"))
        assert {"verified", "disbursed", "rejected"} <= {p.state for p in payments}
    finally:
        db.dispose()
