"""Board fixtures: a group run by a coordinator whose mail goes over real SMTP, with the rounds
builder for students and mentors with complete profiles (helpers in ``tests/helpers/board.py``
and ``tests/helpers/rounds.py``)."""

import pytest

from matcher.models import Role
from tests.helpers import make_group, make_user
from tests.helpers.rounds import World


@pytest.fixture
def world(mail_app, frozen_clock) -> World:
    coordinator = make_user(mail_app, Role.COORDINATOR, "coord@example.edu", "Cora Coordinator")
    group_id = make_group(mail_app, coordinators=(coordinator,), specialty_names=("Dermatology",))
    return World(mail_app, group_id, coordinator)
