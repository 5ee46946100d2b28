"""Introduction fixtures: a group with a coordinator, students with complete profiles and
faculty mentors, in a published round whose mail goes over real SMTP (the helpers are in
``tests/helpers/introductions.py``)."""

import pytest

from tests.helpers.introductions import World, published_round_world


@pytest.fixture
def world(mail_app, frozen_clock) -> World:
    return published_round_world(mail_app)
