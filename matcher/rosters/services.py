"""Roster rules: who is on a group's roster, how it is filtered, and its CSV export.

Queries are returned as ``Select``s so views can paginate them; profile facts are filtered with
``EXISTS`` subqueries, which never yield NULL, so "complete" and "incomplete" split the roster
exactly in two.
"""

import csv
import io
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, not_, or_, select
from sqlalchemy.orm import selectinload

from matcher.extensions import db
from matcher.models import (
    Institution,
    InterestGroup,
    Membership,
    MembershipStatus,
    MentorProfile,
    MentorType,
    Role,
    Specialty,
    Stage,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.models.profile import mentor_complete, student_complete
from matcher.rosters import columns
from matcher.spreadsheet import escape_formula

ROSTER_ROLES = (Role.STUDENT, Role.MENTOR)


@dataclass(frozen=True)
class RosterFilters:
    """What a coordinator narrowed the roster to; ``None`` means "any"."""

    q: str = ""
    specialty_id: int | None = None
    stage: Stage | None = None
    mentor_type: MentorType | None = None
    accepting: bool | None = None
    complete: bool | None = None

    def any(self) -> bool:
        return bool(self.q.strip()) or any(
            value is not None
            for value in (
                self.specialty_id,
                self.stage,
                self.mentor_type,
                self.accepting,
                self.complete,
            )
        )


def roster_query(group: InterestGroup, role: Role, filters: RosterFilters) -> Select[tuple[User]]:
    """The group's active members with ``role``, filtered, by name, with profiles preloaded."""
    if role not in ROSTER_ROLES:
        raise ValueError(f"rosters list students or mentors, not {role}")
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.group_id == group.id,
            Membership.status == MembershipStatus.ACTIVE,
            User.holding(role),
        )
        .order_by(func.lower(User.name), User.id)
    )
    q = filters.q.strip().lower()
    if q:
        query = query.where(
            or_(
                func.lower(User.name).contains(q, autoescape=True),
                func.lower(User.email).contains(q, autoescape=True),
            )
        )
    if role is Role.STUDENT:
        return _student_filters(query, filters).options(
            selectinload(User.student_profile)
            .selectinload(StudentProfile.interests)
            .selectinload(StudentInterest.specialty),
            selectinload(User.student_profile).selectinload(StudentProfile.focus_areas),
            *_school_departments(),
        )
    return _mentor_filters(query, filters).options(
        selectinload(User.mentor_profile).selectinload(MentorProfile.specialty),
        selectinload(User.mentor_profile).selectinload(MentorProfile.focus_areas),
        selectinload(User.mentor_profile).selectinload(MentorProfile.institution_record),
    )


def _school_departments() -> list:
    """Loader options for each student's school, its home and the departments of every
    institution of that home (what ``StudentProfile.missing`` reads), in a fixed few queries."""
    school = selectinload(User.student_profile).selectinload(StudentProfile.institution_record)
    return [
        school.selectinload(Institution.departments),
        school.selectinload(Institution.members).selectinload(Institution.departments),
        school.selectinload(Institution.home).selectinload(Institution.departments),
        school.selectinload(Institution.home)
        .selectinload(Institution.members)
        .selectinload(Institution.departments),
    ]


def _student_filters(query: Select, filters: RosterFilters) -> Select:
    if filters.specialty_id is not None:
        query = query.where(
            exists().where(
                StudentInterest.student_id == User.id,
                StudentInterest.specialty_id == filters.specialty_id,
            )
        )
    if filters.stage is not None:
        query = query.where(
            exists().where(StudentProfile.user_id == User.id, StudentProfile.stage == filters.stage)
        )
    if filters.complete is not None:
        complete = student_complete()
        query = query.where(complete if filters.complete else not_(complete))
    return query


def _mentor_filters(query: Select, filters: RosterFilters) -> Select:
    conditions = []
    if filters.specialty_id is not None:
        conditions.append(MentorProfile.specialty_id == filters.specialty_id)
    if filters.mentor_type is not None:
        conditions.append(MentorProfile.mentor_type == filters.mentor_type)
    if filters.accepting is not None:
        conditions.append(MentorProfile.accepting == filters.accepting)
    if conditions:
        query = query.where(exists().where(MentorProfile.user_id == User.id, *conditions))
    if filters.complete is not None:
        complete = mentor_complete()
        query = query.where(complete if filters.complete else not_(complete))
    return query


def specialty_choices() -> list[Specialty]:
    """Every specialty, for the filter menu (retired ones too: members may still have them)."""
    return list(db.session.scalars(select(Specialty).order_by(Specialty.name)))


def specialties_with_focus_areas() -> list[Specialty]:
    """The whole vocabulary in two queries; holding the list keeps it in the session."""
    query = select(Specialty).options(selectinload(Specialty.focus_areas))
    return list(db.session.scalars(query))


def export_csv(group: InterestGroup, role: Role, filters: RosterFilters) -> str:
    """The filtered roster as CSV text in the import format, so it re-imports to no change."""
    header = columns.export_columns(role)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    index = columns.VocabularyIndex.of(specialties_with_focus_areas())
    for user in db.session.scalars(roster_query(group, role, filters)):
        cells = columns.profile_cells(user, role, index)
        writer.writerow([escape_formula(cells.get(name, "")) for name in header])
    return out.getvalue()


def export_filename(group: InterestGroup, role: Role) -> str:
    slug = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in group.name.lower())
    slug = "-".join(part for part in slug.split("-") if part) or "group"
    return f"{slug}-{role.value}s.csv"
