"""background jobs

Revision ID: 0005_jobs
Revises: 0004_form_submissions
Create Date: 2026-11-22 03:19:15.458939

"""
from alembic import op
import sqlalchemy as sa

import matcher.database

# revision identifiers, used by Alembic.
revision = '0005_jobs'
down_revision = '0004_form_submissions'
branch_labels = None
depends_on = None

def upgrade():

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='job_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('result_url', sa.String(length=500), nullable=False),
    sa.Column('retry_url', sa.String(length=500), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('created_at', matcher.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', matcher.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['interest_groups.id'], name=op.f('fk_jobs_group_id_interest_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_jobs_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_owner_id'), ['owner_id'], unique=False)

def downgrade():

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_owner_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_group_id'))

    op.drop_table('jobs')

