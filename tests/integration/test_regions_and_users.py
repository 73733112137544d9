"""Regions, users and jurisdiction in a real database (SPEC §4, §6)."""

import pytest
from sqlalchemy import func, select

from disburse.adapters.db import Database
from disburse.adapters.orm import Region
from disburse.services import regions, users
from disburse.services.context import Origin
from disburse.services.errors import Invalid, Unauthorized


def test_loading_the_regions_twice_changes_nothing(db: Database) -> None:
    assert regions.load_regions(db) == (0, 0)  # the template database is loaded already
    with db.reading() as tx:
        counts = dict(tx.session.execute(select(Region.level, func.count()).group_by(Region.level)).all())
        keping = tx.session.get(Region, "652929")
    assert counts["province"] == 31 and counts["county"] > 2800
    assert keping is not None and keping.name == "柯坪县"
    assert keping.path == "/000000/650000/652900/652929/"


def test_the_seed_counties_are_in_the_list(db: Database) -> None:
    with db.reading() as tx:
        names = {code: tx.session.get(Region, code).name for code in  # type: ignore[union-attr]
                 ("652929", "654321", "211324", "530325", "530326", "350921")}
    assert names["654321"] == "布尔津县" and names["211324"] == "喀喇沁左翼蒙古族自治县"


def test_passwords_are_argon2_and_wrong_ones_are_refused(db: Database) -> None:
    users.create_user(db, "alice", role="finance", region="530325", password="long enough pw")
    with db.reading() as tx:
        from disburse.adapters.orm import User

        stored = tx.session.scalar(select(User.password_hash).where(User.username == "alice"))
    assert stored and stored.startswith("$argon2id$")
    assert users.authenticate(db, "alice", "long enough pw", Origin()).role == "finance"
    with pytest.raises(Unauthorized):
        users.authenticate(db, "alice", "wrong", Origin())


def test_bad_users_are_refused_with_field_errors(db: Database) -> None:
    with pytest.raises(Invalid) as exc:
        users.create_user(db, "bob", role="emperor", region="999999", password="short")
    assert set(exc.value.errors) == {"role", "region", "password"}
    with pytest.raises(Invalid) as exc:
        users.create_user(db, "carl", role="contractor", region="530325", password="long enough pw")
    assert "contractor" in exc.value.errors
