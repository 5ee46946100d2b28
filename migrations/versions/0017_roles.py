"""roles: one account may hold several roles (student and mentor at once, coordinator, admin)

``users.role`` (one of student, mentor, coordinator, admin) becomes four flags,
``is_student``, ``is_mentor``, ``is_coordinator`` and ``is_admin``; every account keeps the role it
had. Running a group stays the group's own list of coordinators (``group_coordinators``), which
no longer asks for the coordinator role: any member can be given it. Downgrading keeps one role
per account, the first held of admin, coordinator, mentor, student.

Revision ID: 0017_roles
Revises: 0016_mail_preferences
Create Date: 2026-12-05 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_roles'
down_revision = '0016_mail_preferences'
branch_labels = None
depends_on = None


ROLES = ('student', 'mentor', 'coordinator', 'admin')


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        for role in ROLES:
            batch_op.add_column(sa.Column(f'is_{role}', sa.Boolean(), server_default=sa.false(), nullable=False))
    users = sa.table('users', sa.column('role', sa.String(11)), *(sa.column(f'is_{role}', sa.Boolean()) for role in ROLES))
    for role in ROLES:
        op.execute(users.update().where(users.c.role == role).values({f'is_{role}': True}))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_role'), type_='check')
        batch_op.drop_column('role')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum(*ROLES, name='role', native_enum=False, create_constraint=True), server_default='student', nullable=False))
    users = sa.table('users', sa.column('role', sa.String(11)), *(sa.column(f'is_{role}', sa.Boolean()) for role in ROLES))
    for role in ROLES:
        op.execute(users.update().where(users.c[f'is_{role}'] == sa.true()).values(role=role))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('role', server_default=None, existing_type=sa.String(11))
        for role in reversed(ROLES):
            batch_op.drop_column(f'is_{role}')
