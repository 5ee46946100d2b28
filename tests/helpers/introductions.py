"""Introduction helpers: students with complete profiles, and the world of a published round
(a group with a coordinator, students and faculty mentors) that proposes introductions, runs
the tick and reads their state."""

import re
from dataclasses import dataclass
from datetime import date

from flask import Flask

from matcher.extensions import db
from matcher.introductions import services
from matcher.models import (
    Introduction,
    IntroStatus,
    Role,
    Round,
    RoundStatus,
    Specialty,
    StudentInterest,
    StudentProfile,
    User,
)
from tests.helpers import give_mentor_profile, logged_in, make_group, make_user, post_form


def report_cells(html: str, table_id: str, label: str) -> list[str]:
    """The cells of the row for ``label`` in the report's table ``table_id``, as text."""
    table = html.split(f'<table id="{table_id}">')[1].split("</table>")[0]
    row = table.split(f'<th scope="row">{label}</th>')[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell.split(">", 1)[1]).strip() for cell in row.split("<td")[1:]]


def give_student_profile(app: Flask, user: User, **fields) -> None:
    with app.app_context():
        derm = db.session.scalar(db.select(Specialty).where(Specialty.name == "Dermatology"))
        values = {
            "school": "Westbrook School of Medicine",
            "stage": "ms2",
            "home_has_department": True,
            "goals": ["research", "cv_review"],
            "wanted_types": ["faculty", "resident"],
            "statement": "Melanoma screening research hooked me on dermatology.",
            **fields,
        }
        profile = StudentProfile(**values)
        profile.interests = [StudentInterest(rank=1, specialty_id=derm.id)]
        db.session.get(User, user.id).student_profile = profile
        db.session.commit()


@dataclass
class World:
    app: Flask
    group_id: int
    round_id: int
    coordinator: User
    students: list[User]
    mentors: list[User]

    @property
    def student(self) -> User:
        return self.students[0]

    @property
    def mentor(self) -> User:
        return self.mentors[0]

    def propose(self, *pairs: tuple[User, User], slot: str = "faculty") -> list[int]:
        """Propose (student, mentor) pairs as a published round would; their ids."""
        with self.app.app_context():
            round_ = db.session.get(Round, self.round_id)
            coordinator = db.session.get(User, self.coordinator.id)
            intros = services.propose(
                round_,
                [services.ProposedPair(s.id, m.id, slot, 0.8) for s, m in pairs],
                coordinator,
            )
            db.session.commit()
            return [i.id for i in intros]

    def accepted(self, student: User | None = None, mentor: User | None = None) -> int:
        """Propose a pair (the first student and mentor by default) and have the mentor
        accept on the site; the introduction's id."""
        student, mentor = student or self.student, mentor or self.mentor
        [intro_id] = self.propose((student, mentor))
        client = logged_in(self.app, mentor)
        assert post_form(client, f"/introductions/{intro_id}/accept", page="/").status_code == 302
        return intro_id

    def met(self, intro_id: int, on: date, student: User | None = None) -> None:
        """The student records the first meeting on the introduction's page."""
        page = f"/introductions/{intro_id}"
        response = post_form(
            logged_in(self.app, student or self.student),
            f"{page}/met",
            {"met_on": on.isoformat()},
            page=page,
        )
        assert response.status_code == 302

    def intro(self, intro_id: int) -> Introduction:
        with self.app.app_context():
            found = db.session.get(Introduction, intro_id)
            found.events  # noqa: B018 (load before the session closes)
            db.session.expunge_all()
            return found

    def status(self, intro_id: int) -> IntroStatus:
        return self.intro(intro_id).status

    def intros(self) -> list[Introduction]:
        with self.app.app_context():
            rows = list(db.session.scalars(db.select(Introduction).order_by(Introduction.id)))
            db.session.expunge_all()
            return rows

    def set_group(self, **fields) -> None:
        from matcher.models import InterestGroup

        with self.app.app_context():
            group = db.session.get(InterestGroup, self.group_id)
            for name, value in fields.items():
                setattr(group, name, value)
            db.session.commit()

    def set_capacity(self, mentor: User, capacity: int) -> None:
        with self.app.app_context():
            db.session.get(User, mentor.id).mentor_profile.capacity = capacity
            db.session.commit()

    def tick(self):
        from matcher.introductions.tick import tick

        with self.app.app_context():
            report = tick()
            db.session.commit()
            return report


MENTOR_NAMES = (
    ("mina@example.org", "Dr. Mina Mentor"),
    ("omar@example.org", "Dr. Omar Other"),
    ("pia@example.org", "Dr. Pia Third"),
)


def published_round_world(
    app: Flask, world_cls: type[World] | None = None, mentors: int = 3
) -> World:
    """A group with a coordinator, two students with complete profiles and ``mentors`` faculty
    mentors (two places each), in a published round that fills faculty and resident seats."""
    coordinator = make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    students = [
        make_user(app, Role.STUDENT, "sam@example.edu", "Sam Student"),
        make_user(app, Role.STUDENT, "tess@example.edu", "Tess Student"),
    ]
    people = [make_user(app, Role.MENTOR, email, name) for email, name in MENTOR_NAMES[:mentors]]
    for mentor in people:
        give_mentor_profile(app, mentor, capacity=2)
    for student in students:
        give_student_profile(app, student)
    group_id = make_group(app, coordinators=(coordinator,), members=(*students, *people))
    with app.app_context():
        round_ = Round(
            group_id=group_id,
            name="Autumn round",
            slots=["faculty", "resident"],
            status=RoundStatus.PUBLISHED,
        )
        db.session.add(round_)
        db.session.commit()
        round_id = round_.id
    return (world_cls or World)(app, group_id, round_id, coordinator, students, people)
