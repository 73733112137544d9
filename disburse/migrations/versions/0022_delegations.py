"""delegation while away (代理, issue 21 item 2)

``delegations``: a principal names a deputy of the same county who acts within the principal's role and
jurisdiction for a half-open period ``[starts_at, ends_at)``, until revoked. Each payment step records the
principal it was done for beside who did it (``*_for``), and a leading-group vote who cast it for the member
(``cast_by``), so segregation of duties counts both.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

_STEPS = ('requested_for', 'verified_for', 'approved_for', 'disbursed_for', 'rejected_for')


def upgrade() -> None:
    op.create_table('delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['principal_id'], ['users.id'], name=op.f('fk_delegations_principal_id_users')),
    sa.ForeignKeyConstraint(['delegate_id'], ['users.id'], name=op.f('fk_delegations_delegate_id_users')),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_delegations_revoked_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations'))
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegations_principal_id'), ['principal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegations_delegate_id'), ['delegate_id'], unique=False)
    with op.batch_alter_table('payments', schema=None) as batch_op:
        for column in _STEPS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_payments_{column}_users'), 'users', [column], ['id'])
    with op.batch_alter_table('acceptance_votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cast_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_acceptance_votes_cast_by_users'), 'users', ['cast_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('acceptance_votes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_acceptance_votes_cast_by_users'), type_='foreignkey')
        batch_op.drop_column('cast_by')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        for column in reversed(_STEPS):
            batch_op.drop_constraint(batch_op.f(f'fk_payments_{column}_users'), type_='foreignkey')
            batch_op.drop_column(column)
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegations_delegate_id'))
        batch_op.drop_index(batch_op.f('ix_delegations_principal_id'))
    op.drop_table('delegations')
