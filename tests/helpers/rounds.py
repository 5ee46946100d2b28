"""Round helpers: a builder for the students and mentors of a group with complete profiles,
that drives rounds and drafts through the services, a large round imported as a roster, and
a count of PostgreSQL lock waiters."""

from dataclasses import dataclass, field

import psycopg
from flask import Flask
from sqlalchemy import select

from matcher.extensions import db
from matcher.institutions import services as institutions
from matcher.models import (
    DraftOutcome,
    InterestGroup,
    Membership,
    MentorProfile,
    MentorType,
    Role,
    Round,
    Specialty,
    Stage,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.rosters import csv_import
from matcher.rounds import drafts, opening, taking_part
from tests.helpers import make_user

WEIGHTS = {
    "w_specialty": "4",
    "w_focus": "2",
    "w_goals": "2",
    "w_stage": "1",
    "w_institution": "1",
    "w_student_preference": "2",
    "w_mentor_preference": "1",
    "w_waited": "1",
}


def round_form(**overrides) -> dict:
    """The new-round (or round settings) form as a coordinator fills it in: the "Spring
    round", a faculty seat, the default rules and :data:`WEIGHTS`; ``overrides`` replace
    fields, and one given as ``None`` is left out."""
    data = {
        "name": "Spring round",
        "slots": ["faculty"],
        "shared_specialty": "y",
        "peer_min": "1",
        "peer_max": "2",
        "same_institution": "preferred",
        "external_for_no_home": "y",
        **WEIGHTS,
        **overrides,
    }
    return {k: v for k, v in data.items() if v is not None}


"""The round form's default weights, as a browser sends them."""


def _institution_id(name: str) -> int | None:
    """The id of the institution record ``name`` names, if there is one."""
    found = institutions.resolve(name)
    return found.id if found is not None else None


@dataclass
class World:
    """Builds the people of a group and drives rounds through the services."""

    app: Flask
    group_id: int
    coordinator: User
    counter: list[int] = field(default_factory=lambda: [0])

    def _specialty(self, name: str) -> int:
        return db.session.scalar(select(Specialty.id).where(Specialty.name == name))

    def _user(self, role: Role, name: str) -> User:
        self.counter[0] += 1
        email = f"{name.lower().replace(' ', '.')}.{self.counter[0]}@example.edu"
        return make_user(self.app, role, email, name)

    def student(
        self,
        name: str = "Student",
        *,
        specialties: tuple[str, ...] = ("Dermatology",),
        stage: str = "ms3",
        school: str = "Westbrook School of Medicine",
        home: bool = True,
        goals: tuple[str, ...] = ("research",),
        wanted: tuple[str, ...] = ("faculty",),
        member: bool = True,
    ) -> User:
        user = self._user(Role.STUDENT, name)
        with self.app.app_context():
            profile = StudentProfile(
                user_id=user.id,
                school=school,
                institution_id=_institution_id(school),
                stage=Stage(stage),
                home_has_department=home,
                goals=list(goals),
                wanted_types=list(wanted),
            )
            profile.interests = [
                StudentInterest(rank=r, specialty_id=self._specialty(s))
                for r, s in enumerate(specialties, start=1)
            ]
            db.session.add(profile)
            if member:
                db.session.add(Membership(group_id=self.group_id, user_id=user.id))
            db.session.commit()
        return user

    def mentor(
        self,
        name: str = "Mentor",
        *,
        specialty: str = "Dermatology",
        kind: str = "faculty",
        institution: str = "Westbrook University Hospital",
        capacity: int = 1,
        offers: tuple[str, ...] = ("research",),
        peer_stage: str | None = None,
        pgy: int | None = None,
        accepting: bool = True,
    ) -> User:
        user = self._user(Role.MENTOR, name)
        with self.app.app_context():
            db.session.add(
                MentorProfile(
                    user_id=user.id,
                    mentor_type=MentorType(kind),
                    specialty_id=self._specialty(specialty),
                    institution=institution,
                    institution_id=_institution_id(institution),
                    offers=list(offers),
                    capacity=capacity,
                    accepting=accepting,
                    peer_stage=Stage(peer_stage) if peer_stage else None,
                    pgy=pgy if pgy is not None else (2 if kind == "resident" else None),
                )
            )
            db.session.add(Membership(group_id=self.group_id, user_id=user.id))
            db.session.commit()
        return user

    def round(self, slots=("faculty",), name: str = "Autumn round", **settings) -> int:
        with self.app.app_context():
            group = db.session.get(InterestGroup, self.group_id)
            coordinator = db.session.get(User, self.coordinator.id)
            round_ = opening.create_round(
                group, coordinator, name=name, slots=list(slots), settings=settings or None
            )
            db.session.commit()
            return round_.id

    def enrol(self, round_id: int, *students: User) -> None:
        with self.app.app_context():
            round_ = db.session.get(Round, round_id)
            for s in students:
                taking_part.opt_in(round_, db.session.get(User, s.id))
            db.session.commit()

    def solve(self, round_id: int) -> int:
        with self.app.app_context():
            round_ = db.session.get(Round, round_id)
            draft = drafts.solve_round(round_, db.session.get(User, self.coordinator.id))
            db.session.commit()
            return draft.number

    def outcomes(self, round_id: int, number: int) -> dict[tuple[int, str], DraftOutcome]:
        with self.app.app_context():
            round_ = db.session.get(Round, round_id)
            draft = drafts.draft(round_, number)
            rows = db.session.scalars(
                select(DraftOutcome).where(DraftOutcome.draft_id == draft.id)
            ).all()
            for row in rows:
                db.session.expunge(row)
            return {(o.student_id, o.slot): o for o in rows}

    def pairs(self, round_id: int, number: int) -> dict[tuple[int, str], int | None]:
        return {k: o.mentor_id for k, o in self.outcomes(round_id, number).items()}

    def stats(self, round_id: int, number: int) -> dict:
        with self.app.app_context():
            return drafts.draft(db.session.get(Round, round_id), number).stats


def lock_waiters(url: str) -> int:
    """PostgreSQL: how many sessions of this database wait for a lock, row locks included
    (a row lock's wait is on a transaction id, which ``pg_locks`` files under no database)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE NOT l.granted AND a.datname = current_database()"
        ).fetchone()[0]


def roster_rows(students: int, mentors: int, prefix: str = "") -> list[dict[str, str]]:
    """Roster rows of ``students`` students and ``mentors`` faculty mentors (two places each),
    every profile complete (the institutions of ``tests.helpers.places``)."""
    rows = [
        {
            "email": f"{prefix}student{k}@example.edu",
            "name": f"Student {k}",
            "role": "student",
            "school": "State Medical School",
            "stage": "ms3",
            "graduation_year": "2027",
            "specialties": "Dermatology",
            "goals": "research",
            "wanted_mentors": "faculty",
            "home_department": "yes",
        }
        for k in range(students)
    ]
    rows += [
        {
            "email": f"{prefix}mentor{k}@example.org",
            "name": f"Dr. Mentor {k}",
            "role": "mentor",
            "institution": "University Hospital",
            "mentor_type": "faculty",
            "specialties": "Dermatology",
            "capacity": "2",
            "offers": "research",
            "accepting": "yes",
        }
        for k in range(mentors)
    ]
    return rows


def large_round(app: Flask, group_id: int, coordinator: User, students: int, mentors: int) -> int:
    """A round of the group with ``students`` students (every one enrolled) and ``mentors``
    faculty mentors, imported as a roster; its id."""
    with app.app_context():
        group = db.session.get(InterestGroup, group_id)
        actor = db.session.get(User, coordinator.id)
        rows = [(n, row) for n, row in enumerate(roster_rows(students, mentors), 2)]
        csv_import.import_roster_rows(group, rows)
        round_ = opening.create_round(group, actor, name="National round", slots=["faculty"])
        taking_part.add_all_students(round_, actor)
        db.session.commit()
        return round_.id
