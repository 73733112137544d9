"""The proposed payment (拟补助资金) a public notice of an acceptance result shows.

Seed 004 §5(5)2 (曲政办发〔2018〕205号 五(五)2): 对验收合格项目和拟补助资金在政府网站上进行公示 — the notice
publishes what is accepted and the money proposed on it, so that the public can object to either. The figure is
what the payment gates (:mod:`disburse.domain.payment_gates`) would let the contractor be paid on this acceptance
once it is approved (docs/decisions.md, issue 18):

* a **stage** acceptance: min(the stage's share × the contract, what this acceptance accepted, what remains of
  the contract after the payments relying on other acceptances and the advances);
* a **final** acceptance: what the contract's approved acceptances and this one accepted in all (never more than
  the contract), less what is disbursed or in flight on the contract, advances included, except payments relying
  on this acceptance — so the figure stays what it was when the notice was published once the money is paid.

Never below zero.
"""

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")
_ZERO = Decimal(0)


def proposed_payment(*, kind: str, stage: int | None, accepted: Decimal, contract_amount: Decimal,
                     stage_shares: Sequence[Decimal], accepted_before: Decimal, paid_before: Decimal) -> Decimal:
    """What may be paid on an acceptance that accepted ``accepted``; ``accepted_before`` is what the contract's
    other approved acceptances accepted, ``paid_before`` what is disbursed or in flight on the contract not
    relying on this acceptance."""
    remaining = contract_amount - paid_before
    if kind == "final":
        return max(min(accepted_before + accepted, contract_amount) - paid_before, _ZERO)
    caps = [accepted, remaining]
    if stage is not None and 0 < stage <= len(stage_shares):
        caps.append((stage_shares[stage - 1] * contract_amount).quantize(FEN, rounding=ROUND_DOWN))
    return max(min(caps), _ZERO)
