"""early ratings: a rating after the first meeting beside the one at the end of the cycle

Every rating row gets a stage, ``early`` or ``closing``; the rows there are become closing
ratings, and each person may give one of each per introduction. Introductions get
``early_rating_sent_at``, the moment the tick asked both sides for the early rating;
introductions that had already met are marked as asked at their meeting, so upgrading sends no
one a request about a meeting long past (they can still rate on the introduction's page).
Downgrading deletes the early ratings.

Revision ID: 0012_early_ratings
Revises: 0011_listed_groups
Create Date: 2026-12-05 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import matcher.database


# revision identifiers, used by Alembic.
revision = '0012_early_ratings'
down_revision = '0011_listed_groups'
branch_labels = None
depends_on = None


STAGE = sa.Enum('early', 'closing', name='rating_stage', native_enum=False, create_constraint=True, length=7)


def upgrade():
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('early_rating_sent_at', matcher.database.UTCDateTime(), nullable=True))

    with op.batch_alter_table('introduction_feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', STAGE, server_default='closing', nullable=False))
        batch_op.drop_constraint('uq_introduction_feedback_introduction_id_user_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_introduction_feedback_introduction_id_user_id_stage'),
            ['introduction_id', 'user_id', 'stage'],
        )

    introductions = sa.table(
        'introductions', sa.column('met_at', matcher.database.UTCDateTime()),
        sa.column('early_rating_sent_at', matcher.database.UTCDateTime()),
    )
    op.execute(
        introductions.update()
        .where(introductions.c.met_at.is_not(None))
        .values(early_rating_sent_at=introductions.c.met_at)
    )


def downgrade():
    feedback = sa.table('introduction_feedback', sa.column('stage', sa.String(7)))
    op.execute(feedback.delete().where(feedback.c.stage == 'early'))
    with op.batch_alter_table('introduction_feedback', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_introduction_feedback_introduction_id_user_id_stage'), type_='unique')
        batch_op.create_unique_constraint('uq_introduction_feedback_introduction_id_user_id', ['introduction_id', 'user_id'])
        batch_op.drop_constraint(batch_op.f('ck_introduction_feedback_rating_stage'), type_='check')
        batch_op.drop_column('stage')

    # Not a batch: on SQLite a batch copies the table and drops the old one, and with foreign
    # keys on that drop deletes every row that cascades from an introduction.
    op.drop_column('introductions', 'early_rating_sent_at')
