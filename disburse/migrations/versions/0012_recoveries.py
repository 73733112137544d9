"""recoveries as receivables from any state (issue 17)

A placeholder in the chain until its issue's part fills it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
