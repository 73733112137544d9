"""an awarded application's subsidy agreement and its public notice (issue 20; seed 003 §5(2)3②③)

* ``contracts.application_id``: the award of an application writes a subsidy agreement (补助协议), a contract
  with the enterprise for the awarded amount, on which the work is accepted and the subsidy paid — the same
  acceptance and payment paths as a procured contract's;
* ``notices.application_id`` (and ``notices.acceptance_id`` nullable): an application's public notice is a
  notice as an acceptance's, so the public files objections to it the same way.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contracts_application_id'), ['application_id'], unique=True)
        batch_op.create_foreign_key(batch_op.f('fk_contracts_application_id_applications'), 'applications',
                                    ['application_id'], ['id'])
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.alter_column('acceptance_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_notices_application_id'), ['application_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notices_application_id_applications'), 'applications',
                                    ['application_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notices_application_id_applications'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notices_application_id'))
        batch_op.alter_column('acceptance_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('application_id')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contracts_application_id_applications'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contracts_application_id'))
        batch_op.drop_column('application_id')
