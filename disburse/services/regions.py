"""Loading the region list (``disburse regions load``)."""

from sqlalchemy import select

from disburse.adapters import regions as region_file
from disburse.adapters.db import Database
from disburse.adapters.orm import Region


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
