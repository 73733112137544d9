"""per-unit subsidies: a call's unit rate and the beneficiaries' monthly volume reports (issue 20 item 4;
seed 001 §5(4)3: 按照先建后补政策，实现每单物流补贴)

* ``calls.unit_name``, ``calls.unit_rate``, ``calls.unit_cap``: a call may pay per unit (yuan per delivered
  order), with at most ``unit_cap`` for one beneficiary's month;
* ``volume_reports`` and ``volume_report_documents``: an awarded enterprise's volume for a month with its
  evidence, verified by commerce (the verified volume) or rejected; one report a month and application
  among those not rejected (a partial unique index, on SQLite as on PostgreSQL);
* ``payments.volume_report_id``: a per-unit subsidy's payment names the verified report it pays (one payment a
  report, the gates say).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_name', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('unit_rate', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('unit_cap', sa.BigInteger(), nullable=True))
    op.create_table('volume_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('volume', sa.BigInteger(), nullable=False),
    sa.Column('verified_volume', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('verified_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verify_note', sa.Text(), nullable=True),
    sa.Column('rejected_by', sa.Integer(), nullable=True),
    sa.Column('reject_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                            name=op.f('fk_volume_reports_application_id_applications')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_volume_reports_project_id_projects')),
    sa.ForeignKeyConstraint(['rejected_by'], ['users.id'], name=op.f('fk_volume_reports_rejected_by_users')),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], name=op.f('fk_volume_reports_reported_by_users')),
    sa.ForeignKeyConstraint(['verified_by'], ['users.id'], name=op.f('fk_volume_reports_verified_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_reports'))
    )
    with op.batch_alter_table('volume_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_reports_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volume_reports_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volume_reports_state'), ['state'], unique=False)
        batch_op.create_index('ux_volume_reports_application_id_month', ['application_id', 'month'], unique=True,
                              sqlite_where=sa.text("state != 'rejected'"),
                              postgresql_where=sa.text("state != 'rejected'"))
    op.create_table('volume_report_documents',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_volume_report_documents_document_id_documents')),
    sa.ForeignKeyConstraint(['report_id'], ['volume_reports.id'],
                            name=op.f('fk_volume_report_documents_report_id_volume_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'document_id', name=op.f('pk_volume_report_documents'))
    )
    with op.batch_alter_table('volume_report_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_report_documents_document_id'), ['document_id'], unique=False)
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volume_report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payments_volume_report_id'), ['volume_report_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payments_volume_report_id_volume_reports'), 'volume_reports',
                                    ['volume_report_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_volume_report_id_volume_reports'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payments_volume_report_id'))
        batch_op.drop_column('volume_report_id')
    with op.batch_alter_table('volume_report_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volume_report_documents_document_id'))
    op.drop_table('volume_report_documents')
    with op.batch_alter_table('volume_reports', schema=None) as batch_op:
        batch_op.drop_index('ux_volume_reports_application_id_month')
        batch_op.drop_index(batch_op.f('ix_volume_reports_state'))
        batch_op.drop_index(batch_op.f('ix_volume_reports_project_id'))
        batch_op.drop_index(batch_op.f('ix_volume_reports_application_id'))
    op.drop_table('volume_reports')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('unit_cap')
        batch_op.drop_column('unit_rate')
        batch_op.drop_column('unit_name')
