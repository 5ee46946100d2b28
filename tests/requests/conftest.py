"""Request fixtures: a group that takes requests, with a coordinator, two students with
complete profiles and three faculty mentors (two places each), whose mail goes over real SMTP
(the helpers are in ``tests/helpers/requests.py``)."""

import pytest

from matcher.extensions import db
from matcher.models import Role, Round, RoundStatus
from tests.helpers import give_mentor_profile, make_group, make_user
from tests.helpers.introductions import give_student_profile
from tests.helpers.requests import Asking


@pytest.fixture
def asking(mail_app, frozen_clock) -> Asking:
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
    world = Asking(app, group_id, round_id, coordinator, students, mentors)
    world.set_group(requests_open=True)
    return world
