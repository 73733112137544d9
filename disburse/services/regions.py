"""Loading the region list (``disburse regions load``)."""

from sqlalchemy import select

from disburse.adapters import regions as region_file
from disburse.adapters.db import Database
from disburse.adapters.orm import Region
from disburse.services.context import Actor


def load_regions(db: Database) -> tuple[int, int]:
    """Insert the bundled regions that are missing and correct changed names; idempotent.

    Returns (added, updated).
    """
    added = updated = 0
    with db.writing() as tx:
        existing = {r.code: r for r in tx.session.scalars(select(Region))}
        for row in region_file.read_regions():
            current = existing.get(row.code)
            if current is None:
                tx.session.add(Region(code=row.code, name=row.name, level=row.level,
                                      parent_code=row.parent, path=row.path))
                added += 1
            elif (current.name, current.level, current.parent_code, current.path) != (
                row.name, row.level, row.parent, row.path
            ):
                current.name, current.level = row.name, row.level
                current.parent_code, current.path = row.parent, row.path
                updated += 1
        tx.commit()
    return added, updated


def counties_in_jurisdiction(db: Database, actor: Actor) -> list[dict[str, str]]:
    """The counties a plan author may create a project in (SPEC §6: inside the actor's region), in tree order,
    each named with its province and city (``云南省 / 曲靖市 / 富源县``) so two of the same name are told apart."""
    with db.reading() as tx:
        rows = tx.session.execute(select(Region.code, Region.path).where(
            Region.path.startswith(actor.region_path), Region.level == "county").order_by(Region.path)).all()
        above = {code for row in rows for code in row.path.strip("/").split("/")} - {region_file.ROOT_CODE}
        names: dict[str, str] = {code: name for code, name in tx.session.execute(
            select(Region.code, Region.name).where(Region.code.in_(above)))}
    return [{"code": row.code, "name": " / ".join(names[code] for code in row.path.strip("/").split("/")
                                                  if code in names)} for row in rows]
