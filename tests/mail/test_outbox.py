"""The outbox with a real SMTP server on loopback: delivered once, never lost, never twice."""

import io
import threading

import pytest

from matcher.extensions import db
from matcher.mail import queue_mail
from matcher.mail.sender import ConsoleTransport, SMTPTransport, send_pending
from matcher.models import OutboxMessage, OutboxStatus, Role, User
from tests.helpers import link_in, make_user, outbox, post_form

RECIPIENTS = [f"person{n}@example.edu" for n in range(5)]


def queue(app, recipients=RECIPIENTS):
    with app.app_context():
        user = User(
            email="x@example.edu", name="Pat Example", roles={Role.STUDENT}, password_hash="x"
        )
        for addr in recipients:
            queue_mail(addr, "auth/welcome", user=user)
        db.session.commit()


def send(app, transport=None):
    with app.app_context():
        return send_pending(transport)


def statuses(app):
    return [m.status for m in outbox(app)]


def test_mail_is_written_in_the_callers_transaction(app):
    with app.app_context():
        user = User(email="x@example.edu", name="Pat", roles={Role.STUDENT}, password_hash="x")
        queue_mail("kept@example.edu", "auth/welcome", user=user)
        db.session.commit()
        queue_mail("dropped@example.edu", "auth/welcome", user=user)
        db.session.rollback()
    assert [m.to_addr for m in outbox(app)] == ["kept@example.edu"]


def test_messages_are_delivered_once_over_smtp(mail_app, smtp_server):
    queue(mail_app)
    report = send(mail_app)
    assert (report.sent, report.failed, report.unreachable) == (5, 0, None)
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == sorted(RECIPIENTS)
    first = smtp_server.inbox.to(RECIPIENTS[0])[0]
    assert first["Subject"] == "Welcome to matcher"
    assert "Pat Example" in first.get_content()
    assert statuses(mail_app) == [OutboxStatus.SENT] * 5
    assert send(mail_app).sent == 0
    assert len(smtp_server.inbox.messages) == 5


def test_server_down_loses_nothing_and_sends_nothing_twice(mail_app, smtp_server, frozen_clock):
    smtp_server.stop()
    queue(mail_app)
    for _ in range(3):
        report = send(mail_app)
        assert report.sent == 0
        assert report.unreachable
        frozen_clock.advance(minutes=2)
    assert statuses(mail_app) == [OutboxStatus.PENDING] * 5
    assert [m.attempts for m in outbox(mail_app)] == [0] * 5
    smtp_server.start()
    assert send(mail_app).sent == 5
    assert send(mail_app).sent == 0
    delivered = [m["Message-ID"] for m in smtp_server.inbox.messages]
    assert len(delivered) == len(set(delivered)) == 5


def test_a_refused_message_is_retried_with_backoff_then_given_up(mail_app, frozen_clock):
    class Refusing(SMTPTransport):
        def send(self, message):
            import smtplib

            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})

    mail_app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue(mail_app, ["bounce@example.edu"])
    transport = Refusing(mail_app.config)
    assert send(mail_app, transport).retrying == 1
    assert send(mail_app, transport).retrying == 0
    frozen_clock.advance(minutes=1)
    assert send(mail_app, transport).retrying == 1
    frozen_clock.advance(minutes=2)
    report = send(mail_app, transport)
    assert report.failed == 1
    [message] = outbox(mail_app)
    assert message.status is OutboxStatus.FAILED
    assert message.attempts == 3
    assert "no such user" in message.last_error


def test_two_senders_at_once_send_each_message_once(mail_app, smtp_server):
    queue(mail_app, [f"many{n}@example.edu" for n in range(40)])
    reports = []

    def worker():
        reports.append(send(mail_app))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 40
    ids = [m["Message-ID"] for m in smtp_server.inbox.messages]
    assert len(ids) == len(set(ids)) == 40


def test_a_claim_left_by_a_dead_sender_is_released(mail_app, smtp_server, frozen_clock):
    queue(mail_app, ["late@example.edu"])
    with mail_app.app_context():
        message = db.session.scalar(db.select(OutboxMessage))
        message.status, message.claimed_at = OutboxStatus.SENDING, frozen_clock.now
        db.session.commit()
    assert send(mail_app).sent == 0
    frozen_clock.advance(minutes=11)
    assert send(mail_app).sent == 1
    assert [m["To"] for m in smtp_server.inbox.messages] == ["late@example.edu"]


def test_console_transport_prints_the_message(app):
    queue(app, ["console@example.edu"])
    stream = io.StringIO()
    assert send(app, ConsoleTransport(stream)).sent == 1
    printed = stream.getvalue()
    assert "To: console@example.edu" in printed
    assert "Subject: Welcome to matcher" in printed


def test_cli_outbox_send(mail_app, smtp_server):
    queue(mail_app, ["cli@example.edu"])
    result = mail_app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert [m["To"] for m in smtp_server.inbox.messages] == ["cli@example.edu"]


def test_cli_outbox_send_reports_an_unreachable_server(mail_app, smtp_server):
    smtp_server.stop()
    queue(mail_app, ["cli@example.edu"])
    result = mail_app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert "unreachable" in result.output
    assert statuses(mail_app) == [OutboxStatus.PENDING]


def test_without_smtp_settings_production_mail_stays_queued(app):
    queue(app, ["nowhere@example.edu"])
    with pytest.raises(RuntimeError, match="MAIL_SERVER is not set"):
        send(app)
    assert statuses(app) == [OutboxStatus.PENDING]


def test_password_reset_mail_arrives_through_smtp(mail_app, smtp_server):
    user = make_user(mail_app, Role.MENTOR, "mentor@example.org")
    client = mail_app.test_client()
    post_form(client, "/reset", {"email": user.email})
    send(mail_app)
    [message] = smtp_server.inbox.to(user.email)
    link = link_in(message.get_content(), "/reset/")
    assert client.get(link).status_code == 200
