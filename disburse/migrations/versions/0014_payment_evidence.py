"""the evidence a payment carries, and the bank's reference of its disbursement (issue 18 item 4)

* ``payment_documents``: the documents of its project a payment request attaches — the invoice (发票), the
  acceptance report (验收报告), the application (申请) — one row per payment and document;
* ``payments.bank_reference``: the bank's transaction reference (银行交易流水号) of the disbursement, beside
  its voucher number and date.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payment_documents',
                    sa.Column('payment_id', sa.Integer(), nullable=False),
                    sa.Column('document_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'],
                                            name=op.f('fk_payment_documents_payment_id_payments')),
                    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                            name=op.f('fk_payment_documents_document_id_documents')),
                    sa.PrimaryKeyConstraint('payment_id', 'document_id', name=op.f('pk_payment_documents')))
    op.create_index(op.f('ix_payment_documents_document_id'), 'payment_documents', ['document_id'])
    # in place (ALTER TABLE … ADD COLUMN): a batch copy of ``payments`` would drop a table others point at
    op.add_column('payments', sa.Column('bank_reference', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE payments DROP COLUMN bank_reference')
    op.drop_index(op.f('ix_payment_documents_document_id'), table_name='payment_documents')
    op.drop_table('payment_documents')
