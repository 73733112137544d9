"""Ledgers per contract and per project, read from the payments and recoveries (SPEC §5.3)."""

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disburse.adapters.orm import Contract, Payment, RecoveryShare
from disburse.domain.ledger import EMPTY, Ledger


def contract_ledgers(session: Session, project_id: int,
                     contracts: Sequence[tuple[int, Decimal]] | None = None) -> dict[int, Ledger]:
    """Every contract of the project with its ledger, from its payments summed per contract and state;
    ``contracts`` are the project's (id, amount) when the caller has read them already."""
    known = None if contracts is None else [(project_id, ident, amount) for ident, amount in contracts]
    return contract_ledgers_of(session, [project_id], known)[project_id]


def contract_ledgers_of(session: Session, project_ids: list[int],
                        contracts: Sequence[tuple[int, int, Decimal]] | None = None) -> dict[int, dict[int, Ledger]]:
    """Per project, every contract with its ledger: three statements however many projects (issue 19), two
    when the caller has read the contracts ((project id, id, amount))."""
    if contracts is None:
        contracts = session.execute(select(Contract.project_id, Contract.id, Contract.amount)
                                    .where(Contract.project_id.in_(project_ids))).all()
    payments: dict[int, list[tuple[str, Decimal]]] = {ident: [] for _, ident, _ in contracts}
    for contract_id, state, amount in session.execute(
            select(Payment.contract_id, Payment.state, func.sum(Payment.amount))
            .where(Payment.project_id.in_(project_ids)).group_by(Payment.contract_id, Payment.state)):
        payments[contract_id].append((state, amount))
    recovered: dict[int, Decimal] = {ident: Decimal(0) for _, ident, _ in contracts}
    for contract_id, amount in session.execute(
            select(RecoveryShare.contract_id, RecoveryShare.amount)
            .where(RecoveryShare.project_id.in_(project_ids))):
        recovered[contract_id] += amount
    out: dict[int, dict[int, Ledger]] = {pid: {} for pid in project_ids}
    for project_id, ident, amount in contracts:
        out[project_id][ident] = Ledger.of(amount, payments[ident], recovered[ident])
    return out


def project_ledger(session: Session, project_id: int) -> Ledger:
    return sum(contract_ledgers(session, project_id).values(), EMPTY)
