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
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_bank', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('payee_account', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('payment_due_days', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('payment_due_days')
        batch_op.drop_column('payee_account')
        batch_op.drop_column('payee_bank')
