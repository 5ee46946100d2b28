"""A mentor accepts at most ``capacity`` students, also when accepts race for the last place,
and no path proposes more introductions than a mentor has free places."""

import threading
import time

import pytest
from sqlalchemy import func, select

from matcher.extensions import db
from matcher.introductions import services, waiting
from matcher.introductions.services import NoFreePlaceError, answer_token
from matcher.models import ACTIVE_STATUSES, InterestGroup, Introduction, IntroStatus, Role, User
from tests.helpers import (
    csrf_token,
    database_url,
    give_mentor_profile,
    hidden_fields,
    logged_in,
    make_user,
    post_at_once,
    post_form,
    transactions_begun,
)
from tests.helpers.faults import is_postgresql
from tests.helpers.introductions import give_student_profile
from tests.helpers.rounds import lock_waiters
from tests.servers import wait_until


def test_accepting_is_one_transaction(world):
    """The accept reads, writes and commits in one transaction; the flash and the redirect are
    made before the commit, so nothing reads the database after it."""
    [intro_id] = world.propose((world.students[0], world.mentor))
    client = logged_in(world.app, world.mentor)
    hidden = hidden_fields(client, "/introductions")
    with transactions_begun(world.app) as begun:
        response = client.post(f"/introductions/{intro_id}/accept", data=hidden)
    assert response.status_code == 302
    assert world.status(intro_id) is IntroStatus.ACCEPTED
    assert len(begun) == 1, begun


def test_mentor_answers_from_the_dashboard(world):
    [first, second] = world.propose(
        (world.students[0], world.mentor), (world.students[1], world.mentor)
    )
    client = logged_in(world.app, world.mentor)
    home = client.get("/").get_data(as_text=True)
    assert "Sam Student" in home
    assert "Tess Student" in home
    page = client.get("/introductions").get_data(as_text=True)
    assert "Requests waiting for your answer" in page
    accepted = post_form(client, f"/introductions/{first}/accept", page="/introductions")
    assert accepted.status_code == 302
    assert world.status(first) is IntroStatus.ACCEPTED
    declined = post_form(client, f"/introductions/{second}/decline", {"reason": "Too far away"})
    assert declined.status_code == 302
    assert world.intro(second).decline_reason == "Too far away"
    page = client.get("/introductions").get_data(as_text=True)
    assert "No requests waiting." in page
    assert "1 of your 2 places taken" in page


def test_only_the_mentor_answers_and_only_by_post(world):
    [intro_id] = world.propose((world.student, world.mentor))
    other = logged_in(world.app, world.mentors[1])
    assert other.get(f"/introductions/{intro_id}").status_code == 404
    assert post_form(other, f"/introductions/{intro_id}/accept", page="/").status_code == 404
    student = logged_in(world.app, world.student)
    assert post_form(student, f"/introductions/{intro_id}/accept", page="/").status_code == 403
    mentor = logged_in(world.app, world.mentor)
    assert mentor.get(f"/introductions/{intro_id}/accept").status_code == 405
    assert mentor.post(f"/introductions/{intro_id}/accept").status_code == 400
    assert world.status(intro_id) is IntroStatus.PROPOSED


def test_mentor_cannot_accept_beyond_capacity(world):
    [first, second] = world.propose(
        (world.students[0], world.mentor), (world.students[1], world.mentor)
    )
    world.set_capacity(world.mentor, 1)
    client = logged_in(world.app, world.mentor)
    post_form(client, f"/introductions/{first}/accept", page="/introductions")
    refused = post_form(client, f"/introductions/{second}/accept", page="/introductions")
    assert refused.status_code == 409
    assert "No free place" in refused.get_data(as_text=True)
    assert world.status(second) is IntroStatus.PROPOSED
    world.set_capacity(world.mentor, 2)
    assert (
        post_form(client, f"/introductions/{second}/accept", page="/introductions").status_code
        == 302
    )


def test_accepting_twice_changes_it_once(world):
    [intro_id] = world.propose((world.student, world.mentor))
    client = logged_in(world.app, world.mentor)
    token = csrf_token(client, "/introductions")
    assert (
        client.post(f"/introductions/{intro_id}/accept", data={"csrf_token": token}).status_code
        == 302
    )
    again = client.post(f"/introductions/{intro_id}/accept", data={"csrf_token": token})
    assert again.status_code == 409
    assert "already accepted" in again.get_data(as_text=True)
    assert [e.status for e in world.intro(intro_id).events].count(IntroStatus.ACCEPTED) == 1


def test_two_accepts_race_for_the_last_place_and_exactly_one_wins(world, smtp_server):
    """Real threads, real database: the mentor's last place goes to exactly one student."""
    app = world.app
    extra = [make_user(app, Role.STUDENT, f"racer{i}@example.edu", f"Racer {i}") for i in range(4)]
    for person in extra:
        give_student_profile(app, person)
    for attempt in range(3):
        mentor = make_user(app, Role.MENTOR, f"race{attempt}@example.org", f"Dr. Race {attempt}")
        give_mentor_profile(app, mentor, capacity=len(extra))
        ids = world.propose(*[(s, mentor) for s in extra])
        world.set_capacity(mentor, 1)
        links = []
        with app.app_context():
            for intro_id in ids:
                links.append(
                    "/introductions/answer/"
                    + answer_token(db.session.get(Introduction, intro_id), "accept")
                )
        assert sorted(post_at_once(app, links)) == [200, 409, 409, 409]
        statuses = [world.status(i) for i in ids]
        assert statuses.count(IntroStatus.ACCEPTED) == 1
        assert statuses.count(IntroStatus.PROPOSED) == 3


def held(world, mentor: User) -> int:
    with world.app.app_context():
        return db.session.scalar(
            select(func.count()).where(
                Introduction.mentor_id == mentor.id, Introduction.status.in_(ACTIVE_STATUSES)
            )
        )


def test_no_introduction_is_proposed_beyond_the_free_places(world):
    world.set_capacity(world.mentor, 1)
    world.propose((world.students[0], world.mentor))
    with pytest.raises(NoFreePlaceError) as refused:
        world.propose((world.students[1], world.mentor))
    assert [(c.mentor_id, c.capacity, c.held, c.over) for c in refused.value.conflicts] == [
        (world.mentor.id, 1, 2, 1)
    ]
    assert "No free place left for Dr. Mina Mentor" in str(refused.value)
    assert len(world.intros()) == 1


def test_two_offers_for_the_last_place_make_one_introduction(world, tmp_path):
    """The second offer waits for the first one's lock on the mentor and is then refused.
    On PostgreSQL both saw the place free when they began; SQLite's second writer waits at
    its ``BEGIN IMMEDIATE`` and then finds the mentor full."""
    mina, _, pia = world.mentors
    world.set_capacity(pia, 1)
    needs = world.propose((world.students[0], mina), (world.students[1], mina))
    with world.app.app_context():
        for need in needs:
            services.decline(db.session.get(Introduction, need), db.session.get(User, mina.id))
        db.session.commit()

    def offer(need: int) -> Introduction:
        return waiting.offer(
            db.session.get(InterestGroup, world.group_id),
            db.session.get(Introduction, need),
            pia.id,
            db.session.get(User, world.coordinator.id),
        )

    second: list[object] = []

    def offer_second() -> None:
        with world.app.app_context():
            try:
                offer(needs[1])
                db.session.commit()
                second.append("offered")
            except services.IntroductionError as exc:
                db.session.rollback()
                second.append(exc)

    with world.app.app_context():
        offer(needs[0])
        thread = threading.Thread(target=offer_second)
        thread.start()
        url = database_url(tmp_path)
        if is_postgresql(url):
            wait_until(lambda: lock_waiters(url), "the second offer waiting for the mentor")
        else:
            time.sleep(0.3)
        db.session.commit()
    thread.join(30)
    [refusal] = second
    assert isinstance(refusal, services.IntroductionError), refusal
    if is_postgresql(url):
        assert isinstance(refusal, NoFreePlaceError)
    assert held(world, pia) == 1
