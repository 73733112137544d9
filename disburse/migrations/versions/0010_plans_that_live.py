"""plans that live: plan versions, amendments, pinned rule sets, funds as they arrive (issue 16)

* ``projects.plan_version`` (1 for every existing project), ``projects.rule_version`` and
  ``projects.rule_sha256``: an existing project is pinned to its rule set's file as it stands when this
  migration runs, its content kept in ``rule_set_versions``;
* ``plan_versions``: a project's plan per version (the first is written when it is first amended,
  from the plan in force, or when it is created);
* ``amendments``: proposed changes to a filed plan and the supervisor's decision;
* ``allocations``: funds arrived, per document and funding source.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('rule_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rule_sha256', sa.String(length=64), nullable=True))
    rule_set_versions = op.create_table('rule_set_versions',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rule_set', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('first_used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_rule_set_versions'))
    )
    with op.batch_alter_table('rule_set_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_set_versions_rule_set'), ['rule_set'], unique=False)
    op.create_table('plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('made_in_state', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_plan_versions_approved_by_users')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_plan_versions_created_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_plan_versions_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_versions')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_plan_versions_project_id'))
    )
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_versions_project_id'), ['project_id'], unique=False)
    op.create_table('amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_amendments_decided_by_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_amendments_project_id_projects')),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_amendments_proposed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendments'))
    )
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendments_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_amendments_state'), ['state'], unique=False)
    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sa.String(length=128), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('arrived_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_allocations_project_id_projects')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_allocations_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_project_id'), ['project_id'], unique=False)
    _pin_existing_projects(rule_set_versions)


def _pin_existing_projects(rule_set_versions: sa.Table) -> None:
    """Each existing project is held to its rule set's file as it stands now."""
    from datetime import UTC, datetime

    from disburse.adapters import rulesets

    bind = op.get_bind()
    projects = sa.table('projects', sa.column('id', sa.Integer), sa.column('rule_set', sa.String),
                        sa.column('rule_version', sa.Integer), sa.column('rule_sha256', sa.String))
    used = [row[0] for row in bind.execute(sa.select(projects.c.rule_set).distinct())]
    for rule_set in used:
        try:
            pinned = rulesets.current(rule_set)
        except rulesets.UnknownRuleSet:
            continue
        bind.execute(rule_set_versions.insert().values(sha256=pinned.sha256, rule_set=pinned.rule_set,
                                                       version=pinned.version, content=pinned.content,
                                                       first_used_at=datetime.now(UTC)))
        bind.execute(projects.update().where(projects.c.rule_set == rule_set)
                     .values(rule_version=pinned.version, rule_sha256=pinned.sha256))


def downgrade() -> None:
    op.drop_table('allocations')
    op.drop_table('amendments')
    op.drop_table('plan_versions')
    op.drop_table('rule_set_versions')
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+ and PostgreSQL): a batch copy of ``projects`` would
    # drop the table the others point at, which SQLite's foreign keys refuse
    for column in ('rule_sha256', 'rule_version', 'plan_version'):
        op.execute(f'ALTER TABLE projects DROP COLUMN {column}')
