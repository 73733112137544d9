"""payment records a treasury would accept: payee accounts and the payment due clock (issue 17)

A placeholder in the chain until its issue's part fills it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
