"""rate-limit counts in the database; released email addresses

Revision ID: 0007_rate_limits
Revises: 0006_import_invitations
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import matcher.database


# revision identifiers, used by Alembic.
revision = '0007_rate_limits'
down_revision = '0006_import_invitations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limits',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limits'))
    )
    op.create_table('released_addresses',
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('released_at', matcher.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('address_hash', name=op.f('pk_released_addresses'))
    )


def downgrade():
    op.drop_table('released_addresses')
    op.drop_table('rate_limits')
