"""acceptance of part of the work and the finance re-check (issue 17)

A placeholder in the chain until its issue's part fills it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
