"""Roster helpers: groups and members with profiles, CSV files and their upload, and a full
dump of the tables an import may touch."""

import csv
import io
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from matcher import vocabulary
from matcher.extensions import db
from matcher.models import (
    GroupKind,
    InterestGroup,
    Membership,
    MembershipStatus,
    MentorProfile,
    Role,
    Specialty,
    StudentInterest,
    StudentProfile,
    User,
)
from tests.helpers import make_user, post_form
from tests.helpers.places import link_by_name

ROSTER_TABLES = (
    "users",
    "student_profiles",
    "student_interests",
    "student_focus",
    "mentor_profiles",
    "mentor_focus",
    "memberships",
    "outbox",
    "institutions",
)


@dataclass(frozen=True)
class Group:
    id: int
    name: str

    def url(self, path: str = "students") -> str:
        return f"/groups/{self.id}/roster/{path}"


def make_group(app: Flask, name: str = "Surgery Interest Group", coordinators=()) -> Group:
    with app.app_context():
        group = InterestGroup(name=name, kind=GroupKind.SCHOOL)
        for person in coordinators:
            group.coordinators.append(db.session.get(User, person.id))
        db.session.add(group)
        db.session.commit()
        return Group(group.id, group.name)


def specialty_id(app: Flask, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Specialty.id).where(Specialty.name == name))


def add_member(
    app: Flask,
    group: Group,
    role: Role = Role.STUDENT,
    name: str = "Member",
    email: str | None = None,
    status: MembershipStatus = MembershipStatus.ACTIVE,
    profile: dict | None = None,
    specialties: tuple[str, ...] = (),
    focus: tuple[tuple[str, str], ...] = (),
    imported: bool = False,
) -> User:
    """A user of ``role`` in ``group``, with a profile when ``profile`` is given (attributes,
    plus ranked ``specialties`` and ``focus`` as (specialty, focus area) names; a school or
    institution on the list of institutions is linked to it). ``imported`` makes it an account
    an import into ``group`` created and its owner never took over."""
    user = make_user(app, role, email, name)
    with app.app_context():
        if imported:
            row = db.session.get(User, user.id)
            row.imported_by_group_id, row.password_changed_at = group.id, None
        db.session.add(Membership(group_id=group.id, user_id=user.id, status=status))
        if profile is not None:
            by_name = {s.name: s for s in vocabulary.specialties(active_only=False)}
            areas = [next(a for a in by_name[s].focus_areas if a.name == area) for s, area in focus]
            if role is Role.STUDENT:
                row = StudentProfile(user_id=user.id, **profile)
                link_by_name(row, row.school)
                row.interests = [
                    StudentInterest(rank=rank, specialty_id=by_name[name].id)
                    for rank, name in enumerate(specialties, 1)
                ]
            else:
                extra = {"specialty_id": by_name[specialties[0]].id} if specialties else {}
                row = MentorProfile(user_id=user.id, **profile, **extra)
                link_by_name(row, row.institution)
            row.focus_areas = areas
            db.session.add(row)
        db.session.commit()
    return user


def complete_student_profile(**overrides) -> dict:
    return {
        "school": "State Medical School",
        "stage": "ms3",
        "graduation_year": 2028,
        "goals": ["research"],
        "wanted_types": ["faculty"],
        "home_has_department": True,
        **overrides,
    }


def complete_mentor_profile(**overrides) -> dict:
    return {
        "mentor_type": "faculty",
        "institution": "University Hospital",
        "offers": ["research"],
        "capacity": 3,
        "accepting": True,
        **overrides,
    }


def dump(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table an import may write, sorted, to compare before and after."""
    with app.app_context():
        return {
            name: sorted(
                tuple(map(str, row)) for row in db.session.execute(select(db.metadata.tables[name]))
            )
            for name in ROSTER_TABLES
        }


def csv_bytes(rows: list[dict], header: list[str] | None = None) -> bytes:
    """A CSV of ``rows``; the header is every key in first-seen order unless given."""
    header = header or list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client: FlaskClient, group: Group, data: bytes, filename: str = "roster.csv"):
    return post_form(
        client,
        group.url("import"),
        {"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
