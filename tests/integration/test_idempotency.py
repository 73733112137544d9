"""A request that loses the race for its Idempotency-Key answers as a replay, never a 500 (SPEC §11.1)."""

import pytest
from sqlalchemy.exc import IntegrityError

from disburse.adapters.db import Database
from disburse.services import idempotency
from disburse.services.errors import Conflict
from disburse.services.users import actor_by_username
from tests.helpers import make_user


def _claim_first(db: Database, idem: idempotency.Idem, body: dict[str, int]) -> None:
    actor = actor_by_username(db, "fy-finance")
    with db.writing() as tx:
        idempotency.remember(tx.session, actor, idem, 201, body)  # type: ignore[arg-type]
        tx.commit()


def _losing_insert() -> tuple[int, dict[str, int]]:
    raise IntegrityError("INSERT INTO idempotency_keys", {}, Exception("duplicate key"))


def test_the_loser_of_a_key_race_gets_the_winners_response(db: Database) -> None:
    make_user(db, "fy-finance", "finance", "530325")
    actor = actor_by_username(db, "fy-finance")
    assert actor
    idem = idempotency.make("k-1", "POST", "/api/v1/contracts/1/payments", {"amount": "1.00"})
    assert idem
    _claim_first(db, idem, {"id": 7})
    assert idempotency.guarded(db, actor, idem, _losing_insert) == (201, {"id": 7})
    other = idempotency.make("k-1", "POST", "/api/v1/contracts/2/payments", {"amount": "1.00"})
    with pytest.raises(Conflict) as exc:
        idempotency.guarded(db, actor, other, _losing_insert)
    assert exc.value.unmet[0].code == "idempotency_key_reused"
