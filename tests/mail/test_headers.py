"""Header values are made safe when mail is queued, and the sender never dies on one message."""

import re
import smtplib
from types import SimpleNamespace

import pytest

from matcher.extensions import db
from matcher.mail import SUBJECT_MAX, MailHeaderError, queue_mail, subject_line
from matcher.mail.sender import SMTPTransport, send_pending
from matcher.models import OutboxMessage, OutboxStatus, Role, User
from matcher.text import shorten
from tests.helpers import outbox

EVIL_NAME = "Derm Club\r\nBcc: everyone@example.com\r\n\r\nHello"


def group_named(name: str):
    return SimpleNamespace(name=name, specialties=[SimpleNamespace(name="Dermatology")])


def someone() -> User:
    return User(email="pat@example.edu", name="Pat", roles={Role.STUDENT}, password_hash="x")


def test_a_group_name_with_line_breaks_makes_a_one_line_subject(app):
    with app.app_context():
        message = queue_mail(
            "pat@example.edu", "groups/asked_to_join", user=someone(), group=group_named(EVIL_NAME)
        )
        db.session.commit()
        assert message.subject == (
            "Derm Club Bcc: everyone@example.com Hello asks you to join it on matcher"
        )


@pytest.mark.parametrize("separator", ["\n", "\r", "\x0b", "\x85", "\u2028", "\u2029", "\x00"])
def test_every_kind_of_line_break_or_control_character_is_folded(separator):
    assert subject_line(f"One{separator}Two") == "One Two"


def test_a_long_name_is_cut_in_the_subject_and_the_subject_keeps_its_meaning(app):
    name = "Very Long Interest Group Name " * 10
    with app.app_context():
        message = queue_mail(
            "pat@example.edu", "groups/asked_to_join", user=someone(), group=group_named(name)
        )
        db.session.commit()
        assert message.subject.endswith("Group… asks you to join it on matcher")
        assert len(message.subject) < 100


def test_a_subject_longer_than_the_outbox_column_is_cut_with_an_ellipsis(app):
    with app.app_context():
        message = queue_mail(
            "pat@example.edu", "introductions/_message", subject="word " * 100, body="Hi"
        )
        db.session.commit()
        assert SUBJECT_MAX - 6 <= len(message.subject) <= SUBJECT_MAX
        assert message.subject.endswith("word…")


def test_every_value_in_an_email_subject_line_goes_through_the_header_filter(app):
    with app.app_context():
        env = app.jinja_env
        names = [n for n in env.list_templates() if n.startswith("email/")]
        assert len(names) > 15
        for name in names:
            first = env.loader.get_source(env, name)[0].lstrip().partition("\n")[0]
            assert first.startswith("Subject:"), name
            for expression in re.findall(r"{{(.*?)}}", first):
                assert re.search(r"\|\s*header(\(\d+\))?\s*$", expression), (name, first)


def test_shorten_keeps_short_text_and_cuts_a_long_word_hard():
    assert shorten("short", 10) == "short"
    assert shorten("x" * 30, 10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    "address",
    [
        "pat@example.edu\r\nBcc: everyone@example.com",
        "pat@example.edu, everyone@example.com",
        "Pat <pat@example.edu>",
        "no-at-sign",
        "pat@exa mple.edu",
        "x" * 250 + "@example.edu",
    ],
)
def test_an_address_that_is_not_one_plain_address_is_refused_when_queued(app, address):
    with app.app_context(), pytest.raises(MailHeaderError):
        queue_mail(address, "auth/welcome", user=someone())


def stored(app, **values) -> None:
    """A row written as older data might be, past ``queue_mail``'s checks."""
    with app.app_context():
        db.session.add(
            OutboxMessage(
                to_addr=values.get("to_addr", "ok@example.edu"),
                subject=values.get("subject", "Hello"),
                body_text="Body\n",
            )
        )
        db.session.commit()


def test_the_sender_fails_a_message_it_cannot_build_and_sends_the_rest(mail_app, smtp_server):
    stored(mail_app, to_addr="first@example.edu")
    stored(mail_app, subject=f"Welcome to {EVIL_NAME}")
    stored(mail_app, to_addr="two@example.edu\r\nBcc: all@example.com")
    stored(mail_app, to_addr="last@example.edu")
    with mail_app.app_context():
        report = send_pending()
    assert (report.sent, report.failed) == (3, 1)
    rows = outbox(mail_app)
    assert [m.status for m in rows] == [
        OutboxStatus.SENT,
        OutboxStatus.SENT,
        OutboxStatus.FAILED,
        OutboxStatus.SENT,
    ]
    assert "could not be built" in rows[2].last_error
    subjects = [m["Subject"] for m in smtp_server.inbox.messages]
    assert "Welcome to Derm Club Bcc: everyone@example.com Hello" in subjects
    assert all(m["Bcc"] is None for m in smtp_server.inbox.messages)
    with mail_app.app_context():
        again = send_pending()
    assert (again.sent, again.failed, again.unreachable) == (0, 0, None)


def test_a_message_the_server_can_never_take_fails_alone(mail_app, smtp_server):
    class Picky(SMTPTransport):
        def send(self, message):
            if message["To"] == "utf8@example.edu":
                raise smtplib.SMTPNotSupportedError("SMTPUTF8 not supported by server")
            super().send(message)

    for address in ("a@example.edu", "utf8@example.edu", "b@example.edu"):
        stored(mail_app, to_addr=address)
    with mail_app.app_context():
        report = send_pending(Picky(mail_app.config))
    assert (report.sent, report.failed, report.unreachable) == (2, 1, None)
    failed = [m for m in outbox(mail_app) if m.status is OutboxStatus.FAILED]
    assert [m.to_addr for m in failed] == ["utf8@example.edu"]
    assert "SMTPUTF8" in failed[0].last_error
