"""The daily digest: non-urgent mail held for people who chose it, sent as one email once a
day at their hour, each message once; urgent mail is never held."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from matcher import worker
from matcher.extensions import db
from matcher.mail import Recipient, queue_mail, queue_mails, render_mail
from matcher.models import (
    Delivery,
    MailPreference,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
)
from tests.helpers import PASSWORD, deliver, logged_in, make_user, outbox, post_form

NON_URGENT = "introductions/checkin"


def choose_digest(app, user: User) -> None:
    """The person picks the digest on their mail settings page, as they would."""
    client = logged_in(app, user)
    response = post_form(
        client, "/account/mail", {"delivery": "digest", "subscribed": "y"}, page="/account/mail"
    )
    assert response.status_code == 303
    assert "daily digest" in client.get("/account/mail").get_data(as_text=True)


def nudge(app, user: User, subject: str, body: str, kind: str = NON_URGENT):
    with app.app_context():
        message = queue_mail(
            db.session.get(User, user.id),
            "introductions/_message",
            kind=kind,
            subject=subject,
            body=body,
        )
        db.session.commit()
        return message.status if message else None


def digest(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["outbox", "digest", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_urgent_mail_is_never_held_and_non_urgent_mail_waits(app, student):
    choose_digest(app, student)
    assert nudge(app, student, "Have you met Dr. Mentor yet?", "Check-in.") == OutboxStatus.HELD
    assert nudge(app, student, "Would you mentor Sam?", "Ask.", "introductions/ask") == (
        OutboxStatus.PENDING
    )
    with app.app_context():
        queue_mail(db.session.get(User, student.id), "auth/password_changed", user=student)
        db.session.commit()
    rows = outbox(app, student.email)
    assert [(m.kind, m.status) for m in rows] == [
        (NON_URGENT, OutboxStatus.HELD),
        ("introductions/ask", OutboxStatus.PENDING),
        ("auth/password_changed", OutboxStatus.PENDING),
    ]
    assert rows[0].unsubscribe_url is None
    assert rows[1].unsubscribe_url is None
    assert rows[2].unsubscribe_url is None


def test_a_digest_gathers_the_held_mail_in_order_and_is_sent_once(mail_app, smtp_server):
    student = make_user(mail_app, Role.STUDENT, "sam@example.edu", "Sam Student")
    choose_digest(mail_app, student)
    nudge(mail_app, student, "Have you met Dr. Mentor yet?", "First body: a check-in.")
    nudge(mail_app, student, "A thank-you note to Dr. Mentor", "Second body: say thanks.")
    deliver(mail_app)
    assert smtp_server.inbox.to(student.email) == []

    assert "1 digest with 2 messages" in digest(mail_app, "--now")
    deliver(mail_app)
    assert "0 digests with 0 messages" in digest(mail_app, "--now")
    deliver(mail_app)

    [mail] = smtp_server.inbox.to(student.email)
    assert mail["Subject"] == "Your matcher digest: 2 messages"
    text = mail.get_content()
    first, second = text.index("First body: a check-in."), text.index("Second body: say thanks.")
    assert text.index("1. Have you met Dr. Mentor yet?") < first < second
    assert text.index("2. A thank-you note to Dr. Mentor") < second
    assert mail["List-Unsubscribe"].startswith("<http")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    rows = outbox(mail_app, student.email)
    digest_row = next(m for m in rows if m.kind == "mail/digest")
    assert digest_row.status == OutboxStatus.SENT
    assert {(m.status, m.digest_id) for m in rows if m.kind == NON_URGENT} == {
        (OutboxStatus.BUNDLED, digest_row.id)
    }


def test_the_digest_waits_for_the_hour_in_the_recipients_zone(app, student, frozen_clock):
    with app.app_context():
        db.session.get(User, student.id).time_zone = "America/New_York"
        db.session.commit()
    choose_digest(app, student)
    frozen_clock.advance(hours=-5)
    nudge(app, student, "Held at 00:00 in New York", "one")
    frozen_clock.advance(hours=5, minutes=30)
    assert "0 digests" in digest(app), "09:30 UTC is 05:30 in New York, before 07:00"
    frozen_clock.advance(hours=1, minutes=45)
    nudge(app, student, "Held at 07:15 in New York", "two")
    assert "1 digest with 1 message," in digest(app), "11:15 UTC is 07:15 in New York"
    frozen_clock.advance(hours=12)
    assert "0 digests" in digest(app), "the second message waits for tomorrow's digest"
    frozen_clock.advance(hours=12)
    assert "1 digest with 1 message," in digest(app)
    digests = [m for m in outbox(app, student.email) if m.kind == "mail/digest"]
    assert ["Held at 00:00" in d.body_text for d in digests] == [True, False]
    assert ["Held at 07:15" in d.body_text for d in digests] == [False, True]
    assert "EDT (America/New_York)" in digests[0].body_text


def test_the_worker_task_makes_the_due_digests(app, student):
    choose_digest(app, student)
    nudge(app, student, "Check-in", "held")
    with app.app_context():
        for held in db.session.scalars(select(OutboxMessage)):
            held.created_at = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.commit()
        worker.mail_digest()
        worker.mail_digest()
    kinds = [m.kind for m in outbox(app, student.email)]
    assert kinds.count("mail/digest") == 1


def test_leaving_the_digest_sends_what_it_held_at_once(app, student):
    choose_digest(app, student)
    nudge(app, student, "Check-in", "held one")
    nudge(app, student, "Thanks", "held two")
    client = logged_in(app, student)
    response = post_form(
        client,
        "/account/mail",
        {"delivery": "immediate", "subscribed": "y"},
        follow_redirects=True,
    )
    assert "the 2 messages waiting for your digest went out together now" in response.get_data(
        as_text=True
    )
    rows = outbox(app, student.email)
    assert [m.status for m in rows] == [
        OutboxStatus.BUNDLED,
        OutboxStatus.BUNDLED,
        OutboxStatus.PENDING,
    ]
    assert nudge(app, student, "Later", "now at once") == OutboxStatus.PENDING


def test_unsubscribing_drops_the_mail_held_for_the_digest(app, student):
    choose_digest(app, student)
    nudge(app, student, "Check-in", "held")
    client = logged_in(app, student)
    response = post_form(client, "/account/mail", {"delivery": "digest"}, follow_redirects=True)
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert outbox(app, student.email) == []
    assert "0 digests with 0 messages, 0 dropped" in digest(app, "--now")


def test_a_digest_drops_mail_held_for_someone_unsubscribed_meanwhile(app, student):
    choose_digest(app, student)
    nudge(app, student, "Check-in", "held")
    with app.app_context():
        db.session.get(MailPreference, student.id).unsubscribed_at = datetime(
            2026, 1, 1, tzinfo=UTC
        )
        db.session.commit()
    assert "0 digests with 0 messages, 1 dropped" in digest(app, "--now")
    assert outbox(app, student.email) == []


def test_a_bulk_queue_reads_every_recipients_preference_in_one_query(app):
    with app.app_context():
        people = [
            User(email=f"s{n}@example.edu", name=f"S {n}", roles={Role.STUDENT}, password_hash="x")
            for n in range(400)
        ]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            MailPreference(user_id=person.id, delivery=Delivery.DIGEST) for person in people[::2]
        )
        db.session.commit()
        recipients = [Recipient(person.id, person.email) for person in people]
        rows = [
            render_mail(
                to, "introductions/_message", kind=NON_URGENT, subject="Check-in", body="Hi"
            )
            for to in recipients
        ]
        statements: list[str] = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert queue_mails(rows) == 400
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        db.session.commit()
        assert sum("FROM mail_preferences" in s for s in statements) == 1
        held = db.session.scalars(
            select(OutboxMessage.user_id).where(OutboxMessage.status == OutboxStatus.HELD)
        ).all()
        assert sorted(held) == sorted(person.id for person in people[::2])
        assert all(
            m.unsubscribe_url and "/unsubscribe/" in m.body_text
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        )


def test_non_urgent_mail_needs_its_recipients_account(app):
    with app.app_context(), pytest.raises(ValueError, match="account"):
        queue_mail(
            "nobody@example.edu", "introductions/_message", kind=NON_URGENT, subject="x", body="y"
        )


def test_deleting_the_account_takes_its_preference_and_held_mail(app, student):
    choose_digest(app, student)
    nudge(app, student, "Check-in", "held")
    client = logged_in(app, student)
    response = post_form(
        client, "/profile/delete", {"password": PASSWORD, "confirm": "y"}, page="/profile/delete"
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(MailPreference, student.id) is None
    assert outbox(app) == []
    assert "0 digests with 0 messages" in digest(app, "--now")
