"""A group with a coordinator, students with complete profiles and faculty mentors, and
helpers to propose introductions, run the tick and deliver the outbox over real SMTP."""

from dataclasses import dataclass

import pytest
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
from tests.conftest import give_mentor_profile, make_group, make_user


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


@pytest.fixture
def world(mail_app, frozen_clock) -> World:
    app = mail_app
    coordinator = make_user(app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    students = [
        make_user(app, Role.STUDENT, "sam@example.edu", "Sam Student"),
        make_user(app, Role.STUDENT, "tess@example.edu", "Tess Student"),
    ]
    mentors = [
        make_user(app, Role.MENTOR, "mina@example.org", "Dr. Mina Mentor"),
        make_user(app, Role.MENTOR, "omar@example.org", "Dr. Omar Other"),
        make_user(app, Role.MENTOR, "pia@example.org", "Dr. Pia Third"),
    ]
    for mentor in mentors:
        give_mentor_profile(app, mentor, capacity=2)
    for student in students:
        give_student_profile(app, student)
    group_id = make_group(app, coordinators=(coordinator,), members=(*students, *mentors))
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
    return World(app, group_id, round_id, coordinator, students, mentors)
