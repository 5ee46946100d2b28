"""Profile fixtures: the list of institutions students and mentors pick from (the helpers are in
``tests/helpers/places.py``), a group with the rounds builder, and the people around a student
who is also a peer mentor."""

import pytest

from tests.helpers import make_group
from tests.helpers.places import LAKESIDE, make_places
from tests.helpers.roles import add_mentor_side, introduce
from tests.helpers.rounds import World


@pytest.fixture
def places(app, specialties) -> dict[str, int]:
    """The institutions of ``tests.helpers.places.PLACES``: name → id."""
    return make_places(app)


@pytest.fixture
def world(app, coordinator) -> World:
    """A dermatology group run by ``coordinator``, with the rounds builder."""
    group_id = make_group(app, coordinators=(coordinator,), specialty_names=("Dermatology",))
    return World(app, group_id, coordinator)


@pytest.fixture
def two_sided(app, world, admin) -> dict:
    """The people around ``peer``, a student of the group who is also its peer mentor: their
    faculty ``mentor`` (an introduction with ``peer`` as the student), their ``mentee`` (one
    with ``peer`` as the mentor), a ``fellow`` student and an ``other_mentor`` of the group with
    no introduction, ``peer2``, another student peer mentor of the group, and the group's
    ``coordinator`` and an ``admin``; ``as_student`` and ``as_mentor`` are the two
    introductions' ids, made by the open ``round``."""
    people = {
        "peer": add_mentor_side(app, world.student("Pia Peer"), institution=LAKESIDE),
        "mentor": world.mentor("Fay Faculty", capacity=2),
        "mentee": world.student("Mo Mentee", stage="ms1"),
        "fellow": world.student("Fen Fellow"),
        "other_mentor": world.mentor("Otto Other"),
        "peer2": add_mentor_side(app, world.student("Quinn Peer")),
        "coordinator": world.coordinator,
        "admin": admin,
    }
    round_id = world.round(slots=("faculty", "peer"), name="Spring round")
    people["as_student"] = introduce(app, round_id, people["peer"], people["mentor"], "faculty")
    people["as_mentor"] = introduce(app, round_id, people["mentee"], people["peer"], "peer")
    people["round"] = round_id
    return people
