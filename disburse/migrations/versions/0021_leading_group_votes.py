"""the leading group's votes on an acceptance (issue 21; seed 004 §5(5)3 领导小组审核同意)

``acceptance_votes``: each member's vote (approve / reject, with an opinion) or recusal (with its reason) on one
attempt of an acceptance in ``notice_clear``; one a member and attempt.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('acceptance_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acceptance_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('vote', sa.String(length=8), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acceptance_id'], ['acceptances.id'],
                            name=op.f('fk_acceptance_votes_acceptance_id_acceptances')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_acceptance_votes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptance_votes')),
    sa.UniqueConstraint('acceptance_id', 'attempt', 'user_id', name='uq_acceptance_votes_member')
    )
    with op.batch_alter_table('acceptance_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acceptance_votes_acceptance_id'), ['acceptance_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('acceptance_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acceptance_votes_acceptance_id'))
    op.drop_table('acceptance_votes')
