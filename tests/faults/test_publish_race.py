"""Two rounds solved over the same capacity-1 mentors and published at the same moment through
real gunicorn workers: one publishes, the other is refused with its conflicts, and no mentor
ends up holding more places than their capacity, nor any student two mentors for one seat.

Both publishes are held inside their transactions (PostgreSQL: writes to ``introductions``
wait behind a table lock; SQLite: every writer waits at ``BEGIN IMMEDIATE``) until both have
arrived, so they overlap every time: once within one group (its row is locked by the first),
and once across two groups sharing the mentors (their profile rows are locked by the first).
"""

import threading
import time

from sqlalchemy import func, select

from matcher import vocabulary
from matcher.extensions import db
from matcher.models import (
    ACTIVE_STATUSES,
    Introduction,
    Membership,
    Round,
    RoundStatus,
    User,
)
from tests.helpers import PASSWORD, make_group
from tests.helpers.faults import is_postgresql, served_settings, writers_held
from tests.helpers.rounds import World, lock_waiters
from tests.servers import Browser, Gunicorn, Reply, wait_until


def two_rounds_in_one_group(world: World) -> list[int]:
    students = [world.student(f"Same Group {k}") for k in range(2)]
    for k in range(2):
        world.mentor(f"Dr Same {k}", capacity=1)
    rounds = [world.round(name=f"Round {k}") for k in range(2)]
    for round_id in rounds:
        world.enrol(round_id, *students)
        world.solve(round_id)
    return rounds


def rounds_of_two_groups(world: World, other: World) -> list[int]:
    mentors = [world.mentor(f"Dr Shared {k}", capacity=1) for k in range(2)]
    with world.app.app_context():
        db.session.add_all(Membership(group_id=other.group_id, user_id=m.id) for m in mentors)
        db.session.commit()
    rounds = []
    for side in (world, other):
        students = [side.student(f"Group {side.group_id} student {k}") for k in range(2)]
        round_id = side.round(name=f"Shared mentors {side.group_id}")
        side.enrol(round_id, *students)
        side.solve(round_id)
        rounds.append(round_id)
    return rounds


def publish_together(url: str, browsers: list[Browser], rounds: list[int]) -> list[Reply]:
    forms = [
        b.form(f"/rounds/{r}/drafts/1", lambda f: f.action.endswith("/publish"))
        for b, r in zip(browsers, rounds, strict=True)
    ]
    replies: list[Reply] = []
    with writers_held(url, "introductions"):
        threads = [
            threading.Thread(target=lambda b=b, f=f: replies.append(b.post(f.action, f.values())))
            for b, f in zip(browsers, forms, strict=True)
        ]
        for thread in threads:
            thread.start()
        if is_postgresql(url):
            wait_until(lambda: lock_waiters(url) >= 2, "both publishes inside their transactions")
        else:
            time.sleep(1)
    for thread in threads:
        thread.join(30)
    return replies


def assert_one_published_and_nothing_over_committed(app, rounds, replies) -> None:
    assert sorted(r.status for r in replies) == [303, 409], [r.status for r in replies]
    [refused] = [r for r in replies if r.status == 409]
    assert "can no longer be published" in refused.body
    assert "over capacity" in refused.body
    with app.app_context():
        statuses = [db.session.get(Round, r).status for r in rounds]
        assert sorted(statuses) == [RoundStatus.OPEN, RoundStatus.PUBLISHED]
        over = db.session.execute(
            select(Introduction.mentor_id, func.count())
            .where(Introduction.status.in_(ACTIVE_STATUSES))
            .group_by(Introduction.mentor_id)
            .having(func.count() > 1)
        ).all()
        assert over == []
        doubled = db.session.execute(
            select(Introduction.group_id, Introduction.student_id, Introduction.slot)
            .group_by(Introduction.group_id, Introduction.student_id, Introduction.slot)
            .having(func.count() > 1)
        ).all()
        assert doubled == []


def test_two_publishes_at_once_never_over_commit(app, tmp_path, coordinator):
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    one, two, three = (
        World(app, make_group(app, name, coordinators=(coordinator,)), coordinator)
        for name in ("One", "Two", "Three")
    )
    two.counter = three.counter = one.counter
    same_group = two_rounds_in_one_group(one)
    two_groups = rounds_of_two_groups(two, three)
    with app.app_context():
        email = db.session.get(User, coordinator.id).email
    settings = served_settings(app, tmp_path)
    url = settings["DATABASE_URL"]
    with Gunicorn(settings, tmp_path / "gunicorn.log", workers=2, threads=2).start() as server:
        browsers = [Browser(server.base) for _ in range(2)]
        for browser in browsers:
            browser.log_in(email, PASSWORD)
        for rounds in (same_group, two_groups):
            replies = publish_together(url, browsers, rounds)
            assert_one_published_and_nothing_over_committed(app, rounds, replies)
        for browser in browsers:
            browser.close()
