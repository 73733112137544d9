"""the audit log's head on PostgreSQL: one row with the last entry's number and hash (issue 19 item 3)

The appender takes it with ``UPDATE … RETURNING`` as the last statements before a commit, instead of a
transaction-wide advisory lock and a ``SELECT`` of the last entry (``disburse/adapters/audit_log.py``).
SQLite serialises its writers with ``BEGIN IMMEDIATE`` and reads its head from the last entry: the
table exists on PostgreSQL only.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table('audit_head',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('seq', sa.BigInteger(), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.CheckConstraint('id = 1', name=op.f('ck_audit_head_one_row')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')))
    op.execute(f"""INSERT INTO audit_head (id, seq, hash)
                   SELECT 1, coalesce(max(seq), 0),
                          coalesce((SELECT hash FROM audit_entries ORDER BY seq DESC LIMIT 1), '{GENESIS}')
                   FROM audit_entries""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table('audit_head')
