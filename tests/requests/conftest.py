"""Request fixtures: a group that takes requests, with a coordinator, two students with
complete profiles and three faculty mentors (two places each), whose mail goes over real SMTP
(the helpers are in ``tests/helpers/requests.py``)."""

import pytest

from tests.helpers.introductions import published_round_world
from tests.helpers.requests import Asking


@pytest.fixture
def asking(mail_app, frozen_clock) -> Asking:
    world = published_round_world(mail_app, Asking)
    world.set_group(requests_open=True)
    return world
