"""requests between rounds: a group may let its students ask its mentors for a seat

Groups get ``requests_open`` (off for every group there is) and ``requests_per_student`` (the
most open requests a student may have in the group, 3). Introductions get ``requested`` (the
student asked this mentor between rounds; every introduction there is came from a round, a
re-match or an offer) and ``request_note``, the student's short note to the mentor.

Revision ID: 0013_requests
Revises: 0012_early_ratings
Create Date: 2026-12-05 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_requests'
down_revision = '0012_early_ratings'
branch_labels = None
depends_on = None


# Not batches, up or down: on SQLite a batch may copy the table and drop the old one, and with
# foreign keys on that drop deletes every row that cascades from a group or an introduction.
# SQLite adds and drops these columns in place.


def upgrade():
    op.add_column('interest_groups', sa.Column('requests_open', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('interest_groups', sa.Column('requests_per_student', sa.Integer(), server_default='3', nullable=False))
    op.add_column('introductions', sa.Column('requested', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('introductions', sa.Column('request_note', sa.String(length=500), server_default='', nullable=False))


def downgrade():
    op.drop_column('introductions', 'request_note')
    op.drop_column('introductions', 'requested')
    op.drop_column('interest_groups', 'requests_per_student')
    op.drop_column('interest_groups', 'requests_open')
