"""the jurisdiction of each audit entry, stored and indexed for the browser's keyset pages (issue 19)

* ``audit_entries.region_code``: the region the entry belongs to — its project's; without a project, the
  user it is about (``entity_type = 'user'``), else its acting user's; NULL: no jurisdiction;
* ``province_code``, ``prefecture_code``, ``county_code``: that region's ancestors from its GB/T 2260
  digits, each indexed with ``seq`` so a page of one jurisdiction is one index range;
* ``(project_id, seq)`` replaces the index on ``project_id``; ``(actor_username, seq)`` is new.

The columns are outside the hashed record (docs/audit-format.md); existing rows are filled with set-based
UPDATEs, with the append-only trigger held off for the length of this migration only.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

LEVELS = ('province_code', 'prefecture_code', 'county_code')
APPEND_ONLY = "audit_entries is append-only"

#: The same rule as ``disburse.adapters.audit_log.region_levels``, in SQL both databases speak.
FILL_LEVELS = """UPDATE audit_entries SET
    province_code = CASE WHEN region_code <> '000000' THEN substr(region_code, 1, 2) || '0000' END,
    prefecture_code = CASE WHEN substr(region_code, 3, 4) <> '0000' THEN substr(region_code, 1, 4) || '00' END,
    county_code = CASE WHEN substr(region_code, 5, 2) <> '00' THEN region_code END
    WHERE region_code IS NOT NULL"""


def upgrade() -> None:
    for name in ('region_code', *LEVELS):
        op.add_column('audit_entries', sa.Column(name, sa.String(length=6), nullable=True))
    with _updatable():
        # UPDATE … FROM (SQLite ≥ 3.33, PostgreSQL): one join per rule, not a subquery per row
        op.execute("""UPDATE audit_entries SET region_code = projects.region_code FROM projects
                      WHERE projects.id = audit_entries.project_id""")
        # the user's id as text on PostgreSQL (a hash join); on SQLite the entry's id as an integer, so the
        # users' primary key serves it (SQLite's CAST of text that is not a number is 0, no user's id)
        about = ("CAST(users.id AS VARCHAR(64)) = audit_entries.entity_id" if _postgres()
                 else "users.id = CAST(audit_entries.entity_id AS INTEGER)")
        op.execute(f"""UPDATE audit_entries SET region_code = users.region_code FROM users
                       WHERE audit_entries.project_id IS NULL AND audit_entries.entity_type = 'user' AND {about}""")
        op.execute("""UPDATE audit_entries SET region_code = users.region_code FROM users
                      WHERE audit_entries.project_id IS NULL AND audit_entries.region_code IS NULL
                      AND users.id = audit_entries.actor_id""")
        op.execute(FILL_LEVELS)
    for name in LEVELS:
        op.create_index(op.f(f'ix_audit_entries_{name}_seq'), 'audit_entries', [name, 'seq'])
    op.drop_index('ix_audit_entries_project_id', table_name='audit_entries')
    op.create_index(op.f('ix_audit_entries_project_id_seq'), 'audit_entries', ['project_id', 'seq'])
    op.create_index(op.f('ix_audit_entries_actor_username_seq'), 'audit_entries', ['actor_username', 'seq'])


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_entries_actor_username_seq'), table_name='audit_entries')
    op.drop_index(op.f('ix_audit_entries_project_id_seq'), table_name='audit_entries')
    op.create_index('ix_audit_entries_project_id', 'audit_entries', ['project_id'])
    for name in LEVELS:
        op.drop_index(op.f(f'ix_audit_entries_{name}_seq'), table_name='audit_entries')
    # in place (ALTER TABLE … DROP COLUMN): a batch copy would drop the append-only triggers with the table
    for name in (*reversed(LEVELS), 'region_code'):
        op.execute(f'ALTER TABLE audit_entries DROP COLUMN {name}')


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


class _updatable:
    """The append-only trigger off while the block runs, in the migration's transaction (0001 made it)."""

    def __enter__(self) -> None:
        if _postgres():
            op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update")
        else:
            op.execute("DROP TRIGGER audit_entries_no_update")

    def __exit__(self, *exc: object) -> None:
        if _postgres():
            op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_update")
        else:
            op.execute(f"""CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
                           BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""")
