"""The gates a per-unit subsidy's payment passes besides every payment's (issue 20 item 4), one function each,
named in ``workflows/payment.yaml`` and checked at the request and again at every later step.

Seed 001 §5(4)3 pays per order after the fact (按照先建后补政策，实现每单物流补贴). On the subsidy agreement of a
per-unit call, the **verified volume report is that month's acceptance**: a payment of kind ``subsidy`` names
one (``volume_report_id``), verified, of the agreement's application, paid once, for at most what it is due —
the verified volume × the rate, at most the call's monthly cap, and at most what the award has left once what
is disbursed and in flight on the agreement is counted (the award being within the line's remaining budget,
the line's budget is never passed). :func:`due` is that maximum; a refusal states it.
"""

from collections.abc import Callable
from decimal import Decimal

from disburse.domain.citations import SYSTEM_RULE
from disburse.domain.money import amount_en, amount_zh
from disburse.domain.payment_gates import PaymentFacts
from disburse.domain.states import VolumeReportState
from disburse.domain.unmet import Unmet
from disburse.domain.volume_guards import UNIT_CLAUSE


def _applies(f: PaymentFacts) -> bool:
    return f.kind == "subsidy" and f.per_unit


def due(f: PaymentFacts) -> Decimal | None:
    """The most this payment may be: min(verified volume × rate, cap, award left); None without a verified report."""
    payable = None if f.volume is None else f.volume.payable
    if payable is None:
        return None
    return max(min(payable, f.contract_amount - f.committed()), Decimal(0))


def volume_report_verified(f: PaymentFacts) -> list[Unmet]:
    """A per-unit subsidy is paid on a verified volume report of its application (the month's acceptance); a
    request naming a report on any other contract is refused, not read past."""
    if f.payment_id is None and not f.per_unit and f.data.get("volume_report_id") is not None:
        return [Unmet("not_per_unit", "该合同（补助协议）不按业务量拨付，不能注明业务量报送",
                      "This contract does not pay per unit; a payment of it names no volume report", UNIT_CLAUSE,
                      field="volume_report_id")]
    if not _applies(f):
        return []
    if f.volume is None or not f.volume.of_agreement:
        return [Unmet("volume_report_required", "按量补助须注明所依据的、本申报已核实的月度业务量报送",
                      "A per-unit subsidy names the verified volume report of its application it pays "
                      "(volume_report_id)", UNIT_CLAUSE, field="volume_report_id")]
    if f.volume.state != VolumeReportState.VERIFIED:
        return [Unmet("volume_report_not_verified", f"{f.volume.month} 的业务量尚未核实，不能拨付",
                      f"The volume of {f.volume.month} is not verified, so it cannot be paid", UNIT_CLAUSE)]
    return []


def one_payment_per_report(f: PaymentFacts) -> list[Unmet]:
    """One payment a report: another payment on it, not rejected nor cancelled, stops this one."""
    if not _applies(f) or f.volume is None or not f.volume.paid_by:
        return []
    ids = ", ".join(str(i) for i in f.volume.paid_by)
    return [Unmet("volume_report_paid", f"{f.volume.month} 的业务量已有拨付申请（{ids}），同一月份只拨付一次",
                  f"The volume of {f.volume.month} already has its payment ({ids}); a month is paid once",
                  UNIT_CLAUSE)]


def unit_subsidy_within_due(f: PaymentFacts) -> list[Unmet]:
    """The amount is at most what the month is due (:func:`due`), which the refusal states with its terms."""
    most = due(f) if _applies(f) else None
    if most is None or f.amount <= most:
        return []
    assert f.volume is not None and f.volume.verified_volume is not None
    volume, verified, unit = f.volume, f.volume.verified_volume, f.volume.unit_name or "单"
    left = max(f.contract_amount - f.committed(), Decimal(0))
    cap_zh = "" if volume.cap is None else f"，月度上限 {amount_zh(volume.cap)}"
    cap_en = "" if volume.cap is None else f", at most {amount_en(volume.cap)} a month"
    return [Unmet("above_unit_subsidy_due",
                  f"{volume.month} 至多可拨付 {amount_zh(most)}，申请 {amount_zh(f.amount)} 超出：核实 "
                  f"{verified} {unit} × 每{unit} {volume.rate:.2f} 元 = "
                  f"{amount_zh(volume.rate * verified)}{cap_zh}；补助余额 {amount_zh(left)}"
                  f"（批准 {amount_zh(f.contract_amount)}，已拨付及在途 {amount_zh(f.committed())}）",
                  f"At most {amount_en(most)} can be paid for {volume.month}, not {amount_en(f.amount)}: "
                  f"{verified} verified × {volume.rate:.2f} yuan = "
                  f"{amount_en(volume.rate * verified)}{cap_en}; the award has "
                  f"{amount_en(left)} left ({amount_en(f.contract_amount)} awarded, "
                  f"{amount_en(f.committed())} disbursed and in flight)", UNIT_CLAUSE)]


def not_the_volume_verifier(f: PaymentFacts) -> list[Unmet]:
    """Who verified the month's volume may not verify or approve its payment (as who recorded an acceptance's
    verdict may not verify or approve the payment relying on it)."""
    if not _applies(f) or f.volume is None or f.volume.verified_by is None or \
            f.volume.verified_by not in (f.actor_ids or {f.actor_id}):
        return []
    return [Unmet("volume_verifier", "核实该月业务量的人员不能审核或批准其补助资金拨付",
                  "The user who verified the month's volume may not verify or approve its payment", SYSTEM_RULE)]


UNIT_PAYMENT_GATES: dict[str, Callable[[PaymentFacts], list[Unmet]]] = {
    f.__name__: f for f in (volume_report_verified, one_payment_per_report, unit_subsidy_within_due,
                            not_the_volume_verifier)}
