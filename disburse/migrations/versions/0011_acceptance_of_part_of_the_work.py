"""acceptance of part of the work and the finance re-check (issue 17)

An acceptance names the budget lines it covers (a stage acceptance: the lines delivered in that stage,
seed 001 §6(2)2 经阶段审核验收后拨付阶段建设资金); the finance bureau's re-check of the review result
(seed 003 §5(2)3① 县财政局对评审结果进行复核) is recorded on the acceptance; a budget line with more than
one share-relevant tag declares how its amount splits between them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("acceptances", sa.Column("line_ids", sa.JSON(), nullable=True))
    op.add_column("acceptances", sa.Column("rechecked_by", sa.Integer(), nullable=True))
    op.add_column("acceptances", sa.Column("rechecked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("acceptances", sa.Column("recheck_note", sa.Text(), nullable=True))
    op.add_column("acceptances", sa.Column("recheck_document_id", sa.Integer(), nullable=True))
    op.add_column("budget_lines", sa.Column("split", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("budget_lines", "split")
    for column in ("recheck_document_id", "recheck_note", "rechecked_at", "rechecked_by", "line_ids"):
        op.drop_column("acceptances", column)
