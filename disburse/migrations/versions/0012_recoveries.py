"""recoveries as receivables from any state (issue 17)

* ``recovery_orders``: an order to recover funds disbursed on a project (or one of its contracts), with its
  basis (fraud, failed_review, failed_evaluation, default, audit_finding), the amount ordered and received,
  its workflow state and the project's state when it was made;
* ``recovery_receipts``: each sum received back, with its date and voucher;
* ``recoveries.receipt_id``: the receipt a contract's share of recovered money comes from.

The clawback of a failed evaluation becomes one basis of this: each ``clawbacks`` row becomes a recovery on
the basis ``failed_evaluation`` — its amount ordered, what was recovered as one receipt (the contracts'
shares already recorded are tied to it), settled when all of it came back, partly received (and so still
owed, now tracked) when less did — and the table goes. The downgrade writes them back as clawbacks.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

#: the voucher of a receipt migrated from a clawback, whose voucher was never recorded
MIGRATED_VOUCHER = "（迁移自资金收回记录）"


def _clawbacks_table() -> sa.TableClause:
    return sa.table('clawbacks', sa.column('id', sa.Integer), sa.column('project_id', sa.Integer),
                    sa.column('amount', sa.BigInteger), sa.column('reason', sa.Text),
                    sa.column('recovered_amount', sa.BigInteger), sa.column('recovered_on', sa.Date))


def upgrade() -> None:
    orders = op.create_table('recovery_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('basis', sa.String(length=24), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('project_state', sa.String(length=32), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('ordered_by', sa.Integer(), nullable=True),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_recovery_orders_contract_id_contracts')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_recovery_orders_document_id_documents')),
    sa.ForeignKeyConstraint(['ordered_by'], ['users.id'], name=op.f('fk_recovery_orders_ordered_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_recovery_orders_project_id_projects')),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_recovery_orders_proposed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_orders'))
    )
    with op.batch_alter_table('recovery_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_orders_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recovery_orders_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recovery_orders_state'), ['state'], unique=False)
    receipts = op.create_table('recovery_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recovery_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('voucher_no', sa.String(length=64), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_recovery_receipts_project_id_projects')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_recovery_receipts_recorded_by_users')),
    sa.ForeignKeyConstraint(['recovery_id'], ['recovery_orders.id'],
                            name=op.f('fk_recovery_receipts_recovery_id_recovery_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_receipts'))
    )
    with op.batch_alter_table('recovery_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_receipts_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recovery_receipts_recovery_id'), ['recovery_id'], unique=False)
    with op.batch_alter_table('recoveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_recoveries_receipt_id'), ['receipt_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_recoveries_receipt_id_recovery_receipts'), 'recovery_receipts',
                                    ['receipt_id'], ['id'])

    conn = op.get_bind()
    shares = sa.table('recoveries', sa.column('project_id', sa.Integer), sa.column('receipt_id', sa.Integer))
    now = datetime.now(UTC)
    for row in conn.execute(sa.select(_clawbacks_table()).order_by(sa.text('id'))).mappings():
        received = row['recovered_amount'] or 0
        state = 'settled' if row['recovered_amount'] is not None and received >= row['amount'] else (
            'part_received' if received else 'ordered')
        order_id = conn.execute(orders.insert().values(
            project_id=row['project_id'], contract_id=None, basis='failed_evaluation', amount=row['amount'],
            received=received, reason=row['reason'] or '绩效评价未通过', state=state, project_state='final_audit',
            ordered_at=now, created_at=now, updated_at=now).returning(orders.c.id)).scalar_one()
        if received:
            receipt_id = conn.execute(receipts.insert().values(
                recovery_id=order_id, project_id=row['project_id'], amount=received,
                received_on=row['recovered_on'] or now.date(), voucher_no=MIGRATED_VOUCHER,
                created_at=now).returning(receipts.c.id)).scalar_one()
            conn.execute(shares.update().where(shares.c.project_id == row['project_id'])
                         .values(receipt_id=receipt_id))

    with op.batch_alter_table('clawbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clawbacks_project_id'))
    op.drop_table('clawbacks')


def downgrade() -> None:
    op.create_table('clawbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recovered_amount', sa.BigInteger(), nullable=True),
    sa.Column('recovered_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_clawbacks_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clawbacks'))
    )
    with op.batch_alter_table('clawbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clawbacks_project_id'), ['project_id'], unique=False)

    conn = op.get_bind()
    orders = sa.table('recovery_orders', sa.column('id', sa.Integer), sa.column('project_id', sa.Integer),
                      sa.column('basis', sa.String), sa.column('amount', sa.BigInteger),
                      sa.column('received', sa.BigInteger), sa.column('reason', sa.Text),
                      sa.column('state', sa.String))
    receipts = sa.table('recovery_receipts', sa.column('recovery_id', sa.Integer),
                        sa.column('received_on', sa.Date))
    last = (sa.select(sa.func.max(receipts.c.received_on)).where(receipts.c.recovery_id == orders.c.id)
            .scalar_subquery())
    clawbacks = _clawbacks_table()
    for row in conn.execute(sa.select(orders, last.label('last_on')).where(orders.c.basis == 'failed_evaluation')
                            .order_by(orders.c.id)).mappings():
        settled = row['state'] == 'settled' or row['received'] > 0
        conn.execute(clawbacks.insert().values(
            project_id=row['project_id'], amount=row['amount'], reason=row['reason'],
            recovered_amount=row['received'] if settled else None, recovered_on=row['last_on'] if settled else None))

    with op.batch_alter_table('recoveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_recoveries_receipt_id_recovery_receipts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_recoveries_receipt_id'))
        batch_op.drop_column('receipt_id')
    with op.batch_alter_table('recovery_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_receipts_recovery_id'))
        batch_op.drop_index(batch_op.f('ix_recovery_receipts_project_id'))
    op.drop_table('recovery_receipts')
    with op.batch_alter_table('recovery_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_orders_state'))
        batch_op.drop_index(batch_op.f('ix_recovery_orders_project_id'))
        batch_op.drop_index(batch_op.f('ix_recovery_orders_contract_id'))
    op.drop_table('recovery_orders')
