"""meetings: times a mentor offers, the one the student picks, and calendar invitations

A ``meetings`` table (one row per meeting of an introduction: proposed, scheduled, held or
cancelled, with the calendar invitation's UID and SEQUENCE), ``meeting_options`` (the two or
three times a mentor offers), and the outbox's ``calendar`` column: the ``.ics`` text a message
carries as its ``invite.ics`` attachment ("" for none, as every message before).

Revision ID: 0014_meetings
Revises: 0013_requests
Create Date: 2026-12-05 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import matcher.database


# revision identifiers, used by Alembic.
revision = '0014_meetings'
down_revision = '0013_requests'
branch_labels = None
depends_on = None


STATUS = sa.Enum(
    'proposed', 'scheduled', 'cancelled', 'held',
    name='meeting_status', native_enum=False, create_constraint=True, length=9,
)


def upgrade():
    op.create_table(
        'meetings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('introduction_id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=100), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('status', STATUS, nullable=False),
        sa.Column('booking_url', sa.String(length=500), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('video_url', sa.String(length=500), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('starts_at', matcher.database.UTCDateTime(), nullable=True),
        sa.Column('minutes', sa.Integer(), nullable=True),
        sa.Column('created_at', matcher.database.UTCDateTime(), nullable=False),
        sa.Column('updated_at', matcher.database.UTCDateTime(), nullable=False),
        sa.Column('reminded_at', matcher.database.UTCDateTime(), nullable=True),
        sa.Column('cancelled_by', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ['introduction_id'], ['introductions.id'],
            name=op.f('fk_meetings_introduction_id_introductions'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
        sa.UniqueConstraint('uid', name=op.f('uq_meetings_uid')),
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_introduction_id'), ['introduction_id'], unique=False)

    op.create_table(
        'meeting_options',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', matcher.database.UTCDateTime(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'],
            name=op.f('fk_meeting_options_meeting_id_meetings'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_options')),
    )
    with op.batch_alter_table('meeting_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_options_meeting_id'), ['meeting_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.Text(), server_default='', nullable=False))


def downgrade():
    # Not a batch: the outbox has no rows that cascade, but a plain drop keeps SQLite from
    # copying the table.
    op.drop_column('outbox', 'calendar')
    with op.batch_alter_table('meeting_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_options_meeting_id'))
    op.drop_table('meeting_options')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_introduction_id'))
    op.drop_table('meetings')
