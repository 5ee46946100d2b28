"""time zones: each person's, and each group's for the people it invites

``users.time_zone`` is the IANA zone a person sees dates and times in and enters them in;
``interest_groups.time_zone`` is the zone accounts invited or imported into the group start
with. Both are ``UTC`` for the rows already there.

Revision ID: 0015_time_zones
Revises: 0014_meetings
Create Date: 2026-12-05 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_time_zones'
down_revision = '0014_meetings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))
    with op.batch_alter_table('interest_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))


def downgrade():
    # Not a batch: on SQLite a batch copies the table and drops the old one, and with foreign
    # keys on that drop deletes every row that cascades from it.
    op.drop_column('interest_groups', 'time_zone')
    op.drop_column('users', 'time_zone')
