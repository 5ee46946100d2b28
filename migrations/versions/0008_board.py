"""the board of advisors: seats a round left empty wait on a list; rounds say when results come

Revision ID: 0008_board
Revises: 0007_rate_limits
Create Date: 2026-12-04 22:20:00

"""
from alembic import op
import sqlalchemy as sa

import matcher.database


# revision identifiers, used by Alembic.
revision = '0008_board'
down_revision = '0007_rate_limits'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('waiting_seats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=20), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('since', matcher.database.UTCDateTime(), nullable=False),
    sa.Column('closed_at', matcher.database.UTCDateTime(), nullable=True),
    sa.Column('closed_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['interest_groups.id'], name=op.f('fk_waiting_seats_group_id_interest_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_waiting_seats_round_id_rounds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_waiting_seats_student_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_seats'))
    )
    with op.batch_alter_table('waiting_seats', schema=None) as batch_op:
        batch_op.create_index('ix_waiting_seats_group_open', ['group_id', 'closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waiting_seats_student_id'), ['student_id'], unique=False)

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_expected_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('results_expected_on')

    with op.batch_alter_table('waiting_seats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waiting_seats_student_id'))
        batch_op.drop_index('ix_waiting_seats_group_open')

    op.drop_table('waiting_seats')
