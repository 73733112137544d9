"""the audit browser's action filter reads one index range per action (issue 19)

An action filter (``payment.`` is every payment step) is read as one short index range per action of
that prefix, merged newest first (``disburse/services/audit.py``): each jurisdiction level gets an index
on (its code, action, seq), and the action index gains ``seq`` for a national reader.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

LEVELS = ("province_code", "prefecture_code", "county_code")


def upgrade() -> None:
    for level in LEVELS:
        op.create_index(f'ix_audit_entries_{level}_action_seq', 'audit_entries', [level, 'action', 'seq'])
    op.drop_index('ix_audit_entries_action', table_name='audit_entries')
    op.create_index('ix_audit_entries_action_seq', 'audit_entries', ['action', 'seq'])


def downgrade() -> None:
    op.drop_index('ix_audit_entries_action_seq', table_name='audit_entries')
    op.create_index('ix_audit_entries_action', 'audit_entries', ['action'])
    for level in LEVELS:
        op.drop_index(f'ix_audit_entries_{level}_action_seq', table_name='audit_entries')
