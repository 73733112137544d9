"""contracts, contractors, tender rounds, acceptances with notices and objections, documents, evaluations, clawbacks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contractors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('declarations', sa.JSON(), nullable=False),
    sa.Column('declaration_documents', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_contractors_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contractors')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_contractors_credit_code'))
    )
    op.create_table('clawbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recovered_amount', sa.BigInteger(), nullable=True),
    sa.Column('recovered_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_clawbacks_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clawbacks'))
    )
    with op.batch_alter_table('clawbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clawbacks_project_id'), ['project_id'], unique=False)

    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=255), nullable=False),
    sa.Column('contractor_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('advance_share', sa.String(length=16), nullable=False),
    sa.Column('final_share', sa.String(length=16), nullable=False),
    sa.Column('stages', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contractor_id'], ['contractors.id'], name=op.f('fk_contracts_contractor_id_contractors')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_contracts_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_contractor_id'), ['contractor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_project_id'), ['project_id'], unique=False)

    op.create_table('tender_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('packaging', sa.String(length=16), nullable=False),
    sa.Column('announced_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=128), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('failed_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_tender_rounds_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_rounds'))
    )
    with op.batch_alter_table('tender_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_rounds_project_id'), ['project_id'], unique=False)

    op.create_table('acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('applied_by', sa.Integer(), nullable=True),
    sa.Column('verdict_by', sa.Integer(), nullable=True),
    sa.Column('verdict_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('rectify_deadline', sa.Date(), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applied_by'], ['users.id'], name=op.f('fk_acceptances_applied_by_users')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_acceptances_approved_by_users')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_acceptances_contract_id_contracts')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_acceptances_project_id_projects')),
    sa.ForeignKeyConstraint(['verdict_by'], ['users.id'], name=op.f('fk_acceptances_verdict_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptances'))
    )
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acceptances_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acceptances_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acceptances_state'), ['state'], unique=False)

    op.create_table('contract_lines',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_lines_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['budget_lines.id'], name=op.f('fk_contract_lines_line_id_budget_lines')),
    sa.PrimaryKeyConstraint('contract_id', 'line_id', name=op.f('pk_contract_lines'))
    )
    with op.batch_alter_table('contract_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_lines_line_id'), ['line_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('acceptance_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acceptance_id'], ['acceptances.id'], name=op.f('fk_documents_acceptance_id_acceptances')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_documents_contract_id_contracts')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_documents_project_id_projects')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_documents_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acceptance_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('working_days', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acceptance_id'], ['acceptances.id'], name=op.f('fk_notices_acceptance_id_acceptances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_acceptance_id'), ['acceptance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_ends_at'), ['ends_at'], unique=False)

    op.create_table('verdicts',
    sa.Column('acceptance_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('accepted_amount', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['acceptance_id'], ['acceptances.id'], name=op.f('fk_verdicts_acceptance_id_acceptances')),
    sa.ForeignKeyConstraint(['line_id'], ['budget_lines.id'], name=op.f('fk_verdicts_line_id_budget_lines')),
    sa.PrimaryKeyConstraint('acceptance_id', 'line_id', name=op.f('pk_verdicts'))
    )
    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('evaluator', sa.String(length=255), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_evaluations_document_id_documents')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_evaluations_project_id_projects')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_evaluations_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_project_id'), ['project_id'], unique=False)

    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('contact', sa.String(length=128), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_objections_decided_by_users')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_objections_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_client_addr'), ['client_addr'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_notice_id'), ['notice_id'], unique=False)

    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('tender')  # tender data now lives in tender_rounds

    with op.batch_alter_table('funding_sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('predecessor_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_funding_sources_predecessor_id'), ['predecessor_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_funding_sources_predecessor_id_projects'), 'projects', ['predecessor_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tender', sa.JSON(), nullable=True))

    with op.batch_alter_table('funding_sources', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_funding_sources_predecessor_id_projects'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_funding_sources_predecessor_id'))
        batch_op.drop_column('predecessor_id')

    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_notice_id'))
        batch_op.drop_index(batch_op.f('ix_objections_created_at'))
        batch_op.drop_index(batch_op.f('ix_objections_client_addr'))

    op.drop_table('objections')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_project_id'))

    op.drop_table('evaluations')
    op.drop_table('verdicts')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_ends_at'))
        batch_op.drop_index(batch_op.f('ix_notices_acceptance_id'))

    op.drop_table('notices')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_project_id'))

    op.drop_table('documents')
    with op.batch_alter_table('contract_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_lines_line_id'))

    op.drop_table('contract_lines')
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acceptances_state'))
        batch_op.drop_index(batch_op.f('ix_acceptances_project_id'))
        batch_op.drop_index(batch_op.f('ix_acceptances_contract_id'))

    op.drop_table('acceptances')
    with op.batch_alter_table('tender_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_rounds_project_id'))

    op.drop_table('tender_rounds')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_project_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_contractor_id'))

    op.drop_table('contracts')
    with op.batch_alter_table('clawbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clawbacks_project_id'))

    op.drop_table('clawbacks')
    op.drop_table('contractors')
