"""payment records a treasury would accept: payee accounts and the payment due clock (issue 17)

The contract records the payee's bank (开户银行) and account (账号) and, where it agrees a shorter or
longer term than the rule set's, its own payment due days (保障中小企业款项支付条例 第九条: at most 60).
All nullable: contracts signed before have none until commerce records them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # in place (ALTER TABLE … ADD COLUMN): a batch copy of ``contracts`` would drop the table acceptances and
    # payments point at, which SQLite's foreign keys refuse
    op.add_column('contracts', sa.Column('payee_bank', sa.String(length=128), nullable=True))
    op.add_column('contracts', sa.Column('payee_account', sa.String(length=40), nullable=True))
    op.add_column('contracts', sa.Column('payment_due_days', sa.Integer(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+ and PostgreSQL), for the same reason
    for column in ('payment_due_days', 'payee_account', 'payee_bank'):
        op.execute(f'ALTER TABLE contracts DROP COLUMN {column}')
