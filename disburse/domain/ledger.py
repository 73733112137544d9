"""Ledger arithmetic: what a contract holds, and how a recovery is shared out (SPEC §5.3, §9)."""

from dataclasses import dataclass
from decimal import Decimal

from disburse.domain.money import format_yuan, from_fen, to_fen
from disburse.domain.states import IN_FLIGHT, PaymentState


@dataclass(frozen=True)
class Ledger:
    contracted: Decimal
    requested: Decimal
    in_flight: Decimal
    approved: Decimal
    disbursed: Decimal
    recovered: Decimal

    @property
    def remaining(self) -> Decimal:
        """What may still be requested: contracted − disbursed − in flight."""
        return self.contracted - self.disbursed - self.in_flight

    @classmethod
    def of(cls, contracted: Decimal, payments: list[tuple[str, Decimal]], recovered: Decimal) -> "Ledger":
        def total(states: tuple[str, ...]) -> Decimal:
            return sum((amount for state, amount in payments if state in states), Decimal(0))

        return cls(contracted, total((PaymentState.REQUESTED,)), total(IN_FLIGHT), total((PaymentState.APPROVED,)),
                   total((PaymentState.DISBURSED,)), recovered)

    def __add__(self, other: "Ledger") -> "Ledger":
        return Ledger(*(getattr(self, f) + getattr(other, f) for f in
                        ("contracted", "requested", "in_flight", "approved", "disbursed", "recovered")))

    def view(self) -> dict[str, str]:
        return {"contracted": format_yuan(self.contracted), "requested": format_yuan(self.requested),
                "in_flight": format_yuan(self.in_flight), "approved": format_yuan(self.approved),
                "disbursed": format_yuan(self.disbursed), "remaining": format_yuan(self.remaining),
                "recovered": format_yuan(self.recovered)}


EMPTY = Ledger(*(Decimal(0),) * 6)


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Share ``total`` out in proportion to ``weights``, exactly to the fen (largest remainder)."""
    total_fen, weight_fen = to_fen(total), [to_fen(w) for w in weights]
    whole = sum(weight_fen)
    if whole == 0:
        return [Decimal(0) for _ in weights] if total_fen == 0 else _even(total_fen, len(weights))
    shares = [total_fen * w // whole for w in weight_fen]
    order = sorted(range(len(weights)), key=lambda i: (total_fen * weight_fen[i]) % whole, reverse=True)
    for i in order[: total_fen - sum(shares)]:
        shares[i] += 1
    return [from_fen(s) for s in shares]


def _even(total_fen: int, n: int) -> list[Decimal]:
    base, extra = divmod(total_fen, n)
    return [from_fen(base + (1 if i < extra else 0)) for i in range(n)]
