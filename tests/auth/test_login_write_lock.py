"""The password check of a log-in (argon2 at full cost) runs before the transaction that records
the log-in: on SQLite, other writers never wait for it; a password changed in between refuses
the log-in."""

import threading
import time

from argon2 import PasswordHasher
from sqlalchemy import select, update

from matcher.auth import services
from matcher.extensions import db
from matcher.models import AuditEvent, User
from tests.helpers import PASSWORD, login

SLOW = PasswordHasher(time_cost=12, memory_cost=64 * 1024, parallelism=1)
"""Parameters that make one check take about a second here (more on a busy machine)."""


def slow_hash(app, user: User) -> None:
    with app.app_context():
        db.session.get(User, user.id).password_hash = SLOW.hash(PASSWORD)
        db.session.commit()


def test_other_writers_do_not_wait_for_a_password_check(app, student, admin):
    slow_hash(app, student)
    client = app.test_client()
    answer: dict[str, object] = {}

    def log_in() -> None:
        answer["response"] = login(client, student.email)
        answer["took"] = time.perf_counter() - begun

    begun = time.perf_counter()
    thread = threading.Thread(target=log_in)
    thread.start()
    waits = []
    with app.app_context():
        while thread.is_alive():
            asked = time.perf_counter()
            with db.engine.begin() as connection:
                connection.execute(
                    update(User).where(User.id == admin.id).values(name=f"Ada {len(waits)}")
                )
            waits.append(time.perf_counter() - asked)
            time.sleep(0.02)
    thread.join()

    assert answer["response"].status_code == 302
    assert answer["took"] > 0.3
    assert len(waits) >= 3
    assert max(waits) < answer["took"] / 2, (max(waits), answer["took"])


def test_a_password_changed_during_the_check_refuses_the_log_in(app, student):
    with app.app_context():
        checked = services.check_password(student.email, PASSWORD)
        db.session.rollback()
        services.set_password(db.session.get(User, student.id), "a brand new passphrase")
        db.session.commit()
        assert services.complete_login(checked) is None
        db.session.commit()
        refused = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
        ).all()
        assert [entry.target_id for entry in refused] == [student.id]
        assert db.session.get(User, student.id).last_login_at is None


def test_an_out_of_date_hash_is_replaced_at_the_next_log_in(app, client, student):
    slow_hash(app, student)
    assert login(client, student.email).status_code == 302
    with app.app_context():
        stored = db.session.get(User, student.id).password_hash
    assert not stored.startswith("$argon2id$v=19$m=65536,t=12")
    assert login(app.test_client(), student.email).status_code == 302
