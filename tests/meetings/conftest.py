"""Meeting fixtures: an accepted introduction between a mentor in New York and a student in
London, whose mail goes over real SMTP (the helpers are in ``tests/helpers/meetings.py``)."""

import pytest

from tests.helpers.introductions import World
from tests.helpers.meetings import Pair, accepted_pair, meeting_world


@pytest.fixture
def world(mail_app, frozen_clock) -> World:
    return meeting_world(mail_app)


@pytest.fixture
def pair(world) -> Pair:
    return accepted_pair(world)
