"""The worker SIGKILLed in the middle of making the daily digests, then started again: every
held message goes out in exactly one digest, and everyone gets exactly one.

Real worker processes (``flask worker``) on the test's database. Many people have two held
messages each, from the day before. PostgreSQL: the outbox is locked against writes, so the
first digest waits inside its transaction (its messages read, the digest being written) and the
worker is killed there. SQLite: the worker is frozen every millisecond or so until a freeze
finds it holding the write lock (inside one person's digest transaction), and is killed frozen.
A second worker then makes the rest.
"""

from contextlib import nullcontext
from datetime import timedelta

from sqlalchemy import func, select, update

from matcher import clock
from matcher.extensions import db
from matcher.mail import Recipient, queue_mails, render_mail
from matcher.models import Delivery, MailPreference, OutboxMessage, OutboxStatus, Role, User
from tests.faults.test_queue_worker_killed import frozen_holding_sqlite, worker_settings
from tests.helpers import database_url
from tests.helpers.faults import blocked_on_lock, is_postgresql, writers_held
from tests.servers import Worker, wait_until

PEOPLE = 400


def hold_two_each(app) -> None:
    with app.app_context():
        people = [
            User(email=f"p{n}@example.edu", name=f"P {n}", roles={Role.STUDENT}, password_hash="x")
            for n in range(PEOPLE)
        ]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            MailPreference(user_id=person.id, delivery=Delivery.DIGEST) for person in people
        )
        rows = [
            render_mail(
                Recipient(person.id, person.email),
                "introductions/_message",
                kind="introductions/checkin",
                subject=f"{word} for {person.name}",
                body=f"{word} body",
            )
            for word in ("Check-in", "Thank-you")
            for person in people
        ]
        assert queue_mails(rows) == 2 * PEOPLE
        db.session.execute(update(OutboxMessage).values(created_at=clock.now() - timedelta(days=1)))
        db.session.commit()


def held(app) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.HELD)
        )
        db.session.commit()
        return count


def test_killed_mid_digest_every_message_goes_in_exactly_one_digest(app, tmp_path):
    hold_two_each(app)
    url = database_url(tmp_path)
    settings = worker_settings(app, tmp_path, MAIL_DIGEST_INTERVAL="1", MAIL_DIGEST_HOUR="0")
    postgresql = is_postgresql(url)
    log = tmp_path / "worker.log"
    with writers_held(url, "outbox") if postgresql else nullcontext():
        first = Worker(settings, log).start()
        try:
            wait_until(
                lambda: blocked_on_lock(url) if postgresql else frozen_holding_sqlite(first, url),
                "the worker inside a digest's transaction",
                120,
                every=0.02 if postgresql else 0.001,
            )
        finally:
            first.kill()
    left = held(app)
    assert 0 < left <= 2 * PEOPLE
    with Worker(settings, log) as second:
        second.start()
        wait_until(lambda: held(app) == 0, "every held message in a digest", 120)

    with app.app_context():
        digests = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.user_id).where(
                OutboxMessage.kind == "mail/digest"
            )
        ).all()
        assert len(digests) == PEOPLE
        assert len({user_id for _, user_id in digests}) == PEOPLE
        owner = dict(digests)
        carried = db.session.execute(
            select(OutboxMessage.user_id, OutboxMessage.digest_id, OutboxMessage.status).where(
                OutboxMessage.kind == "introductions/checkin"
            )
        ).all()
        assert len(carried) == 2 * PEOPLE
        assert all(status == OutboxStatus.BUNDLED for _, _, status in carried)
        assert all(owner[digest_id] == user_id for user_id, digest_id, _ in carried)
        for body in db.session.scalars(
            select(OutboxMessage.body_text).where(OutboxMessage.kind == "mail/digest")
        ):
            assert body.count("Check-in body") == 1
            assert body.count("Thank-you body") == 1
