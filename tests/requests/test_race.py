"""A request and a round's publish racing for a mentor's last place, each in its own session
and thread on the real database: whichever locks the group first wins and the other is
refused, so the mentor is never over-filled; and two mentors accepting requests for one seat
at once fill it once."""

import threading
import time

import pytest
from sqlalchemy import func, select

from matcher import vocabulary
from matcher.extensions import db
from matcher.introductions import services as intro_services
from matcher.introductions.services import IntroductionError, answer_token
from matcher.models import (
    ACTIVE_STATUSES,
    InterestGroup,
    Introduction,
    IntroStatus,
    Round,
    RoundStatus,
    User,
)
from matcher.requests import services
from matcher.rounds import publishing
from matcher.rounds.rules import RoundError
from tests.helpers import database_url, make_group, post_at_once
from tests.helpers.faults import is_postgresql
from tests.helpers.rounds import World, lock_waiters
from tests.servers import wait_until


@pytest.fixture
def world(app, coordinator) -> World:
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    group_id = make_group(app, coordinators=(coordinator,))
    with app.app_context():
        db.session.get(InterestGroup, group_id).requests_open = True
        db.session.commit()
    return World(app, group_id, coordinator)


@pytest.fixture
def last_place(world):
    """Ada in a solved round that gives her Dr Last (one place); Ben, not in the round,
    wants Dr Last too."""
    ada, ben = world.student("Ada Student"), world.student("Ben Student")
    last = world.mentor("Dr Last", capacity=1)
    round_id = world.round()
    world.enrol(round_id, ada)
    assert world.solve(round_id) == 1
    assert world.pairs(round_id, 1) == {(ada.id, "faculty"): last.id}
    return round_id, ada, ben, last


def held(app, mentor: User) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Introduction.student_id).where(
                    Introduction.mentor_id == mentor.id, Introduction.status.in_(ACTIVE_STATUSES)
                )
            )
        )


def ask(world: World, ben: User, last: User) -> Introduction:
    return services.make_request(
        db.session.get(User, ben.id),
        db.session.get(User, last.id),
        f"{world.group_id}:faculty",
        "Your clinic is why I chose dermatology.",
    )


def publish(world: World, round_id: int) -> list[Introduction]:
    return publishing.publish(
        db.session.get(Round, round_id), 1, db.session.get(User, world.coordinator.id)
    )


def second_waits(url: str) -> None:
    """Give the other thread time to reach the lock the first holds."""
    if is_postgresql(url):
        wait_until(lambda: lock_waiters(url), "the second writer waiting for the lock")
    else:
        time.sleep(0.3)


def in_thread(app, act) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run() -> None:
        with app.app_context():
            try:
                act()
                db.session.commit()
                outcome.append("done")
            except (IntroductionError, RoundError) as exc:
                db.session.rollback()
                outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_publish_first_leaves_no_place_for_a_request(world, last_place, tmp_path):
    round_id, ada, ben, last = last_place
    with world.app.app_context():
        publish(world, round_id)
        thread, outcome = in_thread(world.app, lambda: ask(world, ben, last))
        second_waits(database_url(tmp_path))
        db.session.commit()
    thread.join(30)
    [refusal] = outcome
    assert isinstance(refusal, IntroductionError), refusal
    assert "no free place" in str(refusal).lower()
    assert held(world.app, last) == [ada.id]


def test_a_request_first_makes_the_publish_stale(world, last_place, tmp_path):
    round_id, _ada, ben, last = last_place
    with world.app.app_context():
        ask(world, ben, last)
        thread, outcome = in_thread(world.app, lambda: publish(world, round_id))
        second_waits(database_url(tmp_path))
        db.session.commit()
    thread.join(30)
    [refusal] = outcome
    assert isinstance(refusal, publishing.StaleDraftError), refusal
    assert [m.mentor_id for m in refusal.mentors] == [last.id]
    assert held(world.app, last) == [ben.id]
    with world.app.app_context():
        assert db.session.get(Round, round_id).status is RoundStatus.OPEN


def test_two_mentors_accepting_one_seat_at_once_fill_it_once(world):
    """Three times over, with fresh mentors: one accepts, the other finds the request
    withdrawn (the seat is then freed for the next attempt)."""
    ben = world.student("Ben Student")
    mentors = [world.mentor(f"Dr Quick {k}", capacity=2) for k in range(2)]
    for attempt in range(3):
        with world.app.app_context():
            requests = [ask(world, ben, mentor) for mentor in mentors]
            db.session.commit()
            links = [
                "/introductions/answer/" + answer_token(request, "accept") for request in requests
            ]
            ids = [request.id for request in requests]
        won, lost = sorted(post_at_once(world.app, links))
        assert won == 200
        assert lost in (409, 410)
        with world.app.app_context():
            statuses = sorted(db.session.get(Introduction, i).status for i in ids)
            assert statuses == [IntroStatus.ACCEPTED, IntroStatus.WITHDRAWN]
            accepted = db.session.scalar(
                select(Introduction).where(
                    Introduction.id.in_(ids), Introduction.status == IntroStatus.ACCEPTED
                )
            )
            intro_services.withdraw(accepted, db.session.get(User, ben.id))
            db.session.commit()
            assert (
                db.session.scalar(
                    select(func.count()).where(
                        Introduction.student_id == ben.id, Introduction.status.in_(ACTIVE_STATUSES)
                    )
                )
                == 0
            )
        mentors = [world.mentor(f"Dr Next {attempt} {k}", capacity=2) for k in range(2)]
