"""listed groups: a group may choose to appear in the public group directory

Revision ID: 0011_listed_groups
Revises: 0010_task_queue
Create Date: 2026-12-05 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_listed_groups'
down_revision = '0010_task_queue'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interest_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_interest_groups_listed_name', ['listed', 'name'], unique=False)


def downgrade():
    with op.batch_alter_table('interest_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_interest_groups_listed_name')
        batch_op.drop_column('listed')
