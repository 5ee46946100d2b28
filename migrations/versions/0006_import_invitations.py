"""roster imports invite existing accounts; withdrawn introductions can wait for a re-match

Revision ID: 0006_import_invitations
Revises: 0005_jobs
Create Date: 2026-12-04 19:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006_import_invitations'
down_revision = '0005_jobs'
branch_labels = None
depends_on = None


def _status(*values):
    return sa.Enum(*values, name='membership_status', native_enum=False, create_constraint=True)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_by_group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_imported_by_group_id'), ['imported_by_group_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_imported_by_group_id_interest_groups'), 'interest_groups', ['imported_by_group_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_memberships_membership_status'), type_='check')
        batch_op.create_check_constraint('membership_status', "status IN ('active', 'pending', 'invited')")

    op.execute(
        sa.text("UPDATE introductions SET rematched = :settled WHERE status = 'withdrawn'")
        .bindparams(settled=True)
    )


def downgrade():
    op.execute("DELETE FROM memberships WHERE status = 'invited'")
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_memberships_membership_status'), type_='check')
        batch_op.create_check_constraint('membership_status', "status IN ('active', 'pending')")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_imported_by_group_id_interest_groups'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_imported_by_group_id'))
        batch_op.drop_column('imported_by_group_id')
