"""Migration 0009 turns the names people typed into institutions, links every profile, and
leaves look-alike names for an admin to merge."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from matcher.extensions import db
from matcher.institutions import services
from matcher.models import Institution, InstitutionKind, MentorProfile, StudentProfile

STUDENTS = [
    "Westbrook School of Medicine",
    "westbrook  school of MEDICINE ",
    "Westbrook School of Medicine",
    "Lakeside College of Medicine",
    "",
]
MENTORS = [
    "Westbrook University Hospital",
    "Westbrook Univ. Hospital",
    "Westbrook School of Medicine",
    "Riverside Health System",
]


def _people_at_0008() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    users = sa.table(
        "users",
        *(sa.column(c) for c in ("id", "email", "name", "role", "password_hash")),
        *(sa.column(c) for c in ("session_token", "active", "created_at")),
    )
    students = sa.table(
        "student_profiles",
        *(sa.column(c) for c in ("user_id", "school", "contact_preference", "goals")),
        *(sa.column(c) for c in ("wanted_types", "statement", "updated_at")),
    )
    mentors = sa.table(
        "mentor_profiles",
        *(sa.column(c) for c in ("user_id", "institution", "region", "offers")),
        *(sa.column(c) for c in ("preferred_stages", "capacity", "accepting", "bio")),
        sa.column("updated_at"),
    )
    people = [("student", school) for school in STUDENTS] + [("mentor", i) for i in MENTORS]
    for number, (role, _) in enumerate(people, start=1):
        db.session.execute(
            users.insert().values(
                id=number,
                email=f"p{number}@example.edu",
                name=f"Person {number}",
                role=role,
                password_hash="x",
                session_token=f"t{number}",
                active=True,
                created_at=now,
            )
        )
    for number, (role, name) in enumerate(people, start=1):
        if role == "student":
            db.session.execute(
                students.insert().values(
                    user_id=number,
                    school=name,
                    contact_preference="email",
                    goals="[]",
                    wanted_types="[]",
                    statement="",
                    updated_at=now,
                )
            )
        else:
            db.session.execute(
                mentors.insert().values(
                    user_id=number,
                    institution=name,
                    region="",
                    offers="[]",
                    preferred_stages="[]",
                    capacity=2,
                    accepting=True,
                    bio="",
                    updated_at=now,
                )
            )
    db.session.commit()


def test_upgrade_makes_institutions_of_todays_names_and_links_every_profile(app):
    with app.app_context():
        db.drop_all()
        upgrade(revision="0008_board")
        _people_at_0008()
        upgrade(revision="0009_institutions")

        made = {i.name: i for i in db.session.scalars(sa.select(Institution))}
        assert set(made) == {
            "Westbrook School of Medicine",
            "Lakeside College of Medicine",
            "Westbrook University Hospital",
            "Westbrook Univ. Hospital",
            "Riverside Health System",
        }
        assert not any(i.confirmed for i in made.values())
        assert made["Westbrook School of Medicine"].kind is InstitutionKind.MEDICAL_SCHOOL
        assert made["Westbrook University Hospital"].kind is InstitutionKind.HOSPITAL
        assert made["Riverside Health System"].kind is InstitutionKind.HEALTH_SYSTEM

        links = {
            p.user_id: (p.school, p.institution_id)
            for p in db.session.scalars(sa.select(StudentProfile))
        }
        school = made["Westbrook School of Medicine"].id
        assert [links[n][1] for n in (1, 2, 3)] == [school, school, school]
        assert links[2][0] == "westbrook  school of MEDICINE "
        assert links[5] == ("", None)
        mentors = {
            p.institution: p.institution_id for p in db.session.scalars(sa.select(MentorProfile))
        }
        assert mentors["Westbrook School of Medicine"] == school
        assert mentors["Westbrook Univ. Hospital"] == made["Westbrook Univ. Hospital"].id

        pairs = {frozenset((a.name, b.name)) for a, b, _ in services.likely_duplicates()}
        assert frozenset(("Westbrook University Hospital", "Westbrook Univ. Hospital")) in pairs

        db.session.rollback()
        downgrade(revision="0008_board")
        assert "institutions" not in sa.inspect(db.engine).get_table_names()
        upgrade()


def test_upgrade_of_an_empty_database_adds_no_institution(app):
    with app.app_context():
        db.drop_all()
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 0
