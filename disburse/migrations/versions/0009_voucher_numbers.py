"""voucher numbers: one disbursement per county and voucher number (issue 14)

A row per county and voucher number (支付凭证号) taken by a disbursement; its primary key makes a
second disbursement with the same number in the same county impossible, even when two commit at
the same moment (the loser's insert fails and its whole transaction rolls back).

Existing databases may already hold such duplicates, disbursed before this check existed. They are
not rewritten and the migration does not fail on them: the table is filled from the disbursed
payments in the order they were disbursed (``updated_at``, then id), and for each county and
number the **first** keeps it; the later duplicates stay as they are in ``payments`` (and in the
audit log), with no row here. Any new disbursement citing that number is refused, naming the first.

The number is compared as ``voucher_key`` gives it — a frozen copy of
:func:`disburse.domain.payment_gates.voucher_key` below, so this migration keeps its meaning.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_FORMS = str.maketrans({chr(c): chr(c).upper() for c in range(ord("a"), ord("z") + 1)}
                       | {chr(c + 0xFEE0): chr(c).upper() for c in range(0x21, 0x7F)} | {"\u3000": " "})


def voucher_key(voucher_no: str) -> str:
    """Full-width forms as ASCII, capitals, no spaces (as disburse.domain.payment_gates on 2026-12-04)."""
    return "".join(voucher_no.translate(_FORMS).split())


def upgrade() -> None:
    voucher_numbers = op.create_table('voucher_numbers',
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('voucher_key', sa.String(length=64), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_voucher_numbers_payment_id_payments')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_voucher_numbers_region_code_regions')),
    sa.PrimaryKeyConstraint('region_code', 'voucher_key', name=op.f('pk_voucher_numbers')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_voucher_numbers_payment_id'))
    )
    payments = sa.table('payments', sa.column('id', sa.Integer), sa.column('project_id', sa.Integer),
                        sa.column('state', sa.String), sa.column('voucher_no', sa.String),
                        sa.column('updated_at', sa.DateTime))
    projects = sa.table('projects', sa.column('id', sa.Integer), sa.column('region_code', sa.String))
    disbursed = op.get_bind().execute(
        sa.select(payments.c.id, projects.c.region_code, payments.c.voucher_no)
        .join(projects, projects.c.id == payments.c.project_id)
        .where(payments.c.state == 'disbursed', payments.c.voucher_no.is_not(None))
        .order_by(payments.c.updated_at, payments.c.id))
    first: dict[tuple[str, str], int] = {}
    for payment_id, region_code, voucher_no in disbursed:
        key = voucher_key(voucher_no)
        if key:
            first.setdefault((region_code, key), payment_id)
    if first:
        op.bulk_insert(voucher_numbers, [{'region_code': region, 'voucher_key': key, 'payment_id': payment_id}
                                         for (region, key), payment_id in first.items()])


def downgrade() -> None:
    op.drop_table('voucher_numbers')
