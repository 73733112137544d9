"""What a per-unit subsidy's payment reads and records (issue 20 item 4): the payment workflow's facts about the
volume report it pays, read in bulk, and the effect that ties the payment to its report.

A payment of kind ``subsidy`` on the agreement of a per-unit call names its verified volume report
(``volume_report_id``): :func:`read` gives each payment whether its agreement pays per unit and the report as
:class:`~disburse.domain.volume_guards.VolumeRef` for the gates of :mod:`disburse.domain.unit_payment_gates`.
Procured contracts and lump-sum agreements cost no statement here.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from disburse.adapters.orm import Application, Call, Contract, Payment, Project, VolumeReport
from disburse.domain.money import format_yuan
from disburse.domain.payment_gates import PaymentFacts
from disburse.domain.states import PaymentState
from disburse.domain.unit_payment_gates import due
from disburse.domain.volume_guards import VolumeRef
from disburse.services.engine import Step

#: A payment that no longer counts: a report it named may be paid again.
CLOSED = (PaymentState.REJECTED, PaymentState.CANCELLED)


def read(session: Session, rows: Sequence[tuple[Payment, Contract, Project]],
         data: Mapping[str, Any] | None) -> list[tuple[bool, VolumeRef | None]]:
    """For each row: does its contract pay per unit, and the volume report the payment names (a stored payment's,
    or for a request the ``volume_report_id`` of ``data``) — at most three statements, none without an agreement."""
    applications = {c.application_id for _, c, _ in rows if c.application_id is not None}
    if not applications:
        return [(False, None)] * len(rows)
    units = {ident: (name, rate, cap) for ident, name, rate, cap in session.execute(
        select(Application.id, Call.unit_name, Call.unit_rate, Call.unit_cap)
        .join(Call, Call.id == Application.call_id).where(Application.id.in_(applications))) if rate is not None}
    named = {p.id: p.volume_report_id if p.id is not None else (data or {}).get("volume_report_id")
             for p, c, _ in rows if c.application_id in units}
    report_ids = {i for i in named.values() if isinstance(i, int)}
    reports = {r.id: r for r in session.scalars(select(VolumeReport).where(VolumeReport.id.in_(report_ids)))
               } if report_ids else {}
    paid: dict[int | None, list[int]] = {}
    for ident, report_id in session.execute(select(Payment.id, Payment.volume_report_id).where(
            Payment.volume_report_id.in_(report_ids), Payment.state.not_in(CLOSED))) if report_ids else ():
        paid.setdefault(report_id, []).append(ident)
    out: list[tuple[bool, VolumeRef | None]] = []
    for payment, contract, _ in rows:
        unit = units.get(contract.application_id) if contract.application_id is not None else None
        report = reports.get(named.get(payment.id)) if unit is not None else None  # type: ignore[arg-type]
        if unit is None or report is None:
            out.append((unit is not None, None))
            continue
        name, rate, cap = unit
        out.append((True, VolumeRef(
            id=report.id, of_agreement=report.application_id == contract.application_id, month=report.month,
            state=report.state, unit_name=name, rate=rate, cap=cap, verified_volume=report.verified_volume,
            paid_by=tuple(i for i in paid.get(report.id, []) if i != payment.id), verified_by=report.verified_by)))
    return out


def record_volume_report(step: Step[Payment, PaymentFacts]) -> None:
    """A per-unit subsidy's request keeps the report it pays; its audit entry names the month, the verified
    volume, what the month is due and the most it could be (named in ``workflows/payment.yaml``)."""
    volume = step.facts.volume
    if volume is None:
        return
    step.entity.volume_report_id = volume.id
    most = due(step.facts)
    step.record.update(volume_report={"id": volume.id, "month": volume.month, "verified_volume": volume.verified_volume,
                                      "payable": None if volume.payable is None else format_yuan(volume.payable),
                                      "due": None if most is None else format_yuan(most)})
