"""calls for applications and the applications on them (issue 20; seed 003 §5(1)1②, §5(2))

* ``calls`` and ``call_lines``: a call for applications (项目申报通知) commerce opens on budget lines of a
  filed project — title, the money available, eligibility conditions, deadline, materials asked for;
* ``applications`` and ``application_documents``: an enterprise's application on a call (its credit code,
  the eligibility declarations of seed 003 §5(2)1, the amount requested, its materials) and its workflow's
  record — the joint review (panel, site visit, verdict, proposed subsidy), finance's re-check, the public
  notice, the award, a rejection's note, a withdrawal.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_calls_created_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_calls_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_state'), ['state'], unique=False)
    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('applicant_name', sa.String(length=255), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('declarations', sa.JSON(), nullable=False),
    sa.Column('amount_requested', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('proposed_subsidy', sa.BigInteger(), nullable=True),
    sa.Column('awarded', sa.BigInteger(), nullable=True),
    sa.Column('panel', sa.JSON(), nullable=True),
    sa.Column('site_visit', sa.JSON(), nullable=True),
    sa.Column('verdict', sa.String(length=8), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('review_started_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rechecked_by', sa.Integer(), nullable=True),
    sa.Column('rechecked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recheck_note', sa.Text(), nullable=True),
    sa.Column('notice_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_days', sa.Integer(), nullable=True),
    sa.Column('notice_working_days', sa.Boolean(), nullable=True),
    sa.Column('notice_closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('awarded_by', sa.Integer(), nullable=True),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_by', sa.Integer(), nullable=True),
    sa.Column('reject_note', sa.Text(), nullable=True),
    sa.Column('withdrawn_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['awarded_by'], ['users.id'], name=op.f('fk_applications_awarded_by_users')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_applications_call_id_calls')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_applications_project_id_projects')),
    sa.ForeignKeyConstraint(['rechecked_by'], ['users.id'], name=op.f('fk_applications_rechecked_by_users')),
    sa.ForeignKeyConstraint(['rejected_by'], ['users.id'], name=op.f('fk_applications_rejected_by_users')),
    sa.ForeignKeyConstraint(['review_started_by'], ['users.id'], name=op.f('fk_applications_review_started_by_users')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_applications_reviewed_by_users')),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_applications_submitted_by_users')),
    sa.ForeignKeyConstraint(['withdrawn_by'], ['users.id'], name=op.f('fk_applications_withdrawn_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_state'), ['state'], unique=False)
    op.create_table('call_lines',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_lines_call_id_calls'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['budget_lines.id'], name=op.f('fk_call_lines_line_id_budget_lines')),
    sa.PrimaryKeyConstraint('call_id', 'line_id', name=op.f('pk_call_lines'))
    )
    with op.batch_alter_table('call_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_lines_line_id'), ['line_id'], unique=False)
    op.create_table('application_documents',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_documents_application_id_applications'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_application_documents_document_id_documents')),
    sa.PrimaryKeyConstraint('application_id', 'document_id', name=op.f('pk_application_documents'))
    )
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_documents_document_id'), ['document_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_documents_document_id'))
    op.drop_table('application_documents')
    with op.batch_alter_table('call_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_lines_line_id'))
    op.drop_table('call_lines')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_state'))
        batch_op.drop_index(batch_op.f('ix_applications_project_id'))
        batch_op.drop_index(batch_op.f('ix_applications_credit_code'))
        batch_op.drop_index(batch_op.f('ix_applications_call_id'))
    op.drop_table('applications')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_state'))
        batch_op.drop_index(batch_op.f('ix_calls_project_id'))
    op.drop_table('calls')
