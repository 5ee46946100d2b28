"""one-time form tokens

Revision ID: 0004_form_submissions
Revises: 0003_rounds_introductions
Create Date: 2026-11-22 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import matcher.database


# revision identifiers, used by Alembic.
revision = '0004_form_submissions'
down_revision = '0003_rounds_introductions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submissions',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', matcher.database.UTCDateTime(), nullable=False),
    sa.Column('result_url', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_form_submissions'))
    )
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submissions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submissions_user_id'))

    op.drop_table('form_submissions')
