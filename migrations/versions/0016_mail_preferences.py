"""mail preferences: each email at once or a daily digest, unsubscribing, held messages

A ``mail_preferences`` table (one row per person who changed a default: ``delivery``
``immediate`` or ``digest``, and ``unsubscribed_at``). The outbox gets the recipient's account
(``user_id``), the message's ``kind`` (its template; "" for messages from before), the
``unsubscribe_url`` its ``List-Unsubscribe`` header carries (none for essential mail and the
messages from before), ``digest_id`` (the digest that carried a held message) and two statuses:
``held`` (waiting for its recipient's digest) and ``bundled`` (carried by a digest).
Downgrading sends nothing that was held: held messages become pending, to go out on their own.

Revision ID: 0016_mail_preferences
Revises: 0015_time_zones
Create Date: 2026-12-05 04:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import matcher.database


# revision identifiers, used by Alembic.
revision = '0016_mail_preferences'
down_revision = '0015_time_zones'
branch_labels = None
depends_on = None


OLD_STATUSES = ('pending', 'sending', 'sent', 'failed')
NEW_STATUSES = (*OLD_STATUSES, 'held', 'bundled')


def _status_check(statuses) -> str:
    return 'status IN (' + ', '.join(f"'{status}'" for status in statuses) + ')'


def upgrade():
    op.create_table('mail_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.Enum('immediate', 'digest', name='mail_delivery', native_enum=False, create_constraint=True, length=9), nullable=False),
    sa.Column('unsubscribed_at', matcher.database.UTCDateTime(), nullable=True),
    sa.Column('updated_at', matcher.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mail_preferences'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('unsubscribe_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_user_id_users'), 'users', ['user_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_outbox_digest_id_outbox'), 'outbox', ['digest_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_outbox_status_user', ['status', 'user_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_outbox_outbox_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_outbox_status'), sa.text(_status_check(NEW_STATUSES)))


def downgrade():
    outbox = sa.table('outbox', sa.column('status', sa.String(7)))
    op.execute(outbox.update().where(outbox.c.status == 'held').values(status='pending'))
    op.execute(outbox.update().where(outbox.c.status == 'bundled').values(status='sent'))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_outbox_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_outbox_status'), sa.text(_status_check(OLD_STATUSES)))
        batch_op.drop_index('ix_outbox_status_user')
        batch_op.drop_constraint(batch_op.f('fk_outbox_digest_id_outbox'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_outbox_user_id_users'), type_='foreignkey')
        batch_op.drop_column('digest_id')
        batch_op.drop_column('unsubscribe_url')
        batch_op.drop_column('kind')
        batch_op.drop_column('user_id')
    op.drop_table('mail_preferences')
