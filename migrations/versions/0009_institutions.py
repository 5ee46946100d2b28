"""institutions as records: today's school and institution names become institutions

Every distinct name students gave as their school and mentors as their institution (compared
with spacing and case folded) becomes one institution, waiting for an admin's review, and each
profile is linked to it. Look-alike names are not merged here: the admin page lists them as
likely duplicates to merge or affiliate.

Revision ID: 0009_institutions
Revises: 0008_board
Create Date: 2026-12-04 22:06:14

"""
from collections import Counter
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import matcher.database


# revision identifiers, used by Alembic.
revision = '0009_institutions'
down_revision = '0008_board'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('institutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.Enum('medical_school', 'hospital', 'health_system', 'other', name='institution_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('region', sa.String(length=80), nullable=False),
    sa.Column('home_id', sa.Integer(), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_at', matcher.database.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_institutions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['home_id'], ['institutions.id'], name=op.f('fk_institutions_home_id_institutions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institutions')),
    sa.UniqueConstraint('name', name=op.f('uq_institutions_name'))
    )
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institutions_home_id'), ['home_id'], unique=False)

    op.create_table('institution_departments',
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('specialty_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_institution_departments_institution_id_institutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialty_id'], ['specialties.id'], name=op.f('fk_institution_departments_specialty_id_specialties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('institution_id', 'specialty_id', name=op.f('pk_institution_departments'))
    )
    op.create_table('institution_distinct_pairs',
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('second_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('first_id < second_id', name=op.f('ck_institution_distinct_pairs_ordered')),
    sa.ForeignKeyConstraint(['first_id'], ['institutions.id'], name=op.f('fk_institution_distinct_pairs_first_id_institutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_id'], ['institutions.id'], name=op.f('fk_institution_distinct_pairs_second_id_institutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('first_id', 'second_id', name=op.f('pk_institution_distinct_pairs'))
    )
    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mentor_profiles_institution_id'), ['institution_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mentor_profiles_institution_id_institutions'), 'institutions', ['institution_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_student_profiles_institution_id'), ['institution_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_student_profiles_institution_id_institutions'), 'institutions', ['institution_id'], ['id'], ondelete='SET NULL')

    _institutions_from_names()


def downgrade():
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_student_profiles_institution_id_institutions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_student_profiles_institution_id'))
        batch_op.drop_column('institution_id')

    with op.batch_alter_table('mentor_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mentor_profiles_institution_id_institutions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mentor_profiles_institution_id'))
        batch_op.drop_column('institution_id')

    op.drop_table('institution_distinct_pairs')
    op.drop_table('institution_departments')
    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institutions_home_id'))

    op.drop_table('institutions')


def _folded(name):
    return " ".join(name.split()).casefold()


def _kind(name, students, mentors):
    words = _folded(name)
    if any(w in words for w in ("school of medicine", "college of medicine", "medical school",
                                "faculty of medicine", "medical college")):
        return "medical_school"
    if any(w in words for w in ("health system", "healthcare", "health care", "health network")):
        return "health_system"
    if any(w in words for w in ("hospital", "medical center", "medical centre", "clinic",
                                "infirmary")):
        return "hospital"
    return "medical_school" if students and not mentors else "other"


def _institutions_from_names():
    connection = op.get_bind()
    students = sa.table(
        'student_profiles',
        sa.column('user_id', sa.Integer), sa.column('school', sa.String),
        sa.column('institution_id', sa.Integer),
    )
    mentors = sa.table(
        'mentor_profiles',
        sa.column('user_id', sa.Integer), sa.column('institution', sa.String),
        sa.column('institution_id', sa.Integer),
    )
    institutions = sa.table(
        'institutions',
        sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('kind', sa.String),
        sa.column('aliases', sa.JSON), sa.column('region', sa.String),
        sa.column('home_id', sa.Integer), sa.column('confirmed', sa.Boolean),
        sa.column('created_at', matcher.database.UTCDateTime()),
        sa.column('created_by_id', sa.Integer),
    )
    people = {
        'student': connection.execute(sa.select(students.c.user_id, students.c.school)).all(),
        'mentor': connection.execute(sa.select(mentors.c.user_id, mentors.c.institution)).all(),
    }
    spellings = {}
    used_by = {}
    for who, rows in people.items():
        for _user_id, text in rows:
            key = _folded(text or "")
            if key:
                spellings.setdefault(key, Counter())[" ".join(text.split())] += 1
                used_by.setdefault(key, Counter())[who] += 1
    if not spellings:
        return
    now = datetime.now(UTC)
    rows = []
    for key in sorted(spellings):
        name = min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]
        rows.append({
            'name': name,
            'kind': _kind(name, used_by[key]['student'], used_by[key]['mentor']),
            'aliases': [],
            'region': '',
            'home_id': None,
            'confirmed': False,
            'created_at': now,
            'created_by_id': None,
        })
    connection.execute(sa.insert(institutions), rows)
    ids = {
        _folded(name): inst_id
        for inst_id, name in connection.execute(sa.select(institutions.c.id, institutions.c.name))
    }
    for table, column, rows in (
        (students, students.c.school, people['student']),
        (mentors, mentors.c.institution, people['mentor']),
    ):
        links = [
            {'uid': user_id, 'iid': ids[_folded(text)]}
            for user_id, text in rows
            if _folded(text or "") in ids
        ]
        if links:
            connection.execute(
                table.update()
                .where(table.c.user_id == sa.bindparam('uid'))
                .values(institution_id=sa.bindparam('iid')),
                links,
            )
