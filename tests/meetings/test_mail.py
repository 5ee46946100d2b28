"""Meeting mail through the real SMTP server on loopback: the invitation arrives as an
``invite.ics`` attachment of type text/calendar with its METHOD, the same bytes the outbox
holds, and the text names the time in the recipient's zone."""

import smtplib

from icalendar import Calendar

from matcher.extensions import db
from matcher.mail.sender import SMTPTransport, send_pending
from matcher.models import OutboxMessage
from tests.helpers import deliver, outbox
from tests.helpers.meetings import Pair, event_of


def attachment(message):
    [part] = list(message.iter_attachments())
    return part


def test_the_invitation_arrives_as_an_ics_attachment(pair: Pair, smtp_server):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    deliver(pair.app)
    [invite] = [
        m for m in smtp_server.inbox.to("sam@example.edu") if "Meeting with" in m["Subject"]
    ]
    assert invite["Subject"].startswith("Meeting with Dr. Mina Mentor on 03 Sep, 15:00 BST")
    assert (
        "03 Sep 2026, 15:00 BST (Europe/London), for 45 minutes"
        in invite.get_body(("plain",)).get_content()
    )
    part = attachment(invite)
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_param("charset") == "utf-8"
    assert part.get_filename() == "invite.ics"
    stored = outbox(pair.app, "sam@example.edu")[-1].calendar
    assert part.get_content().replace("\r\n", "\n") == stored.replace("\r\n", "\n")
    event = event_of(Calendar.from_ical(part.get_content()))
    assert event["dtstart"].params["TZID"] == "Europe/London"
    [mentor_invite] = [
        m for m in smtp_server.inbox.to("mina@example.org") if "Meeting with" in m["Subject"]
    ]
    assert mentor_invite["Subject"].startswith("Meeting with Sam Student on 03 Sep, 10:00 EDT")


def test_a_cancellation_arrives_with_method_cancel(pair: Pair, smtp_server):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    pair.post(pair.mentor, "cancel")
    deliver(pair.app)
    [cancel] = [m for m in smtp_server.inbox.to("sam@example.edu") if "cancelled" in m["Subject"]]
    part = attachment(cancel)
    assert part.get_param("method") == "CANCEL"
    cal = Calendar.from_ical(part.get_content())
    assert cal["method"] == "CANCEL"
    assert event_of(cal)["sequence"] == 1


class Refusing(SMTPTransport):
    """The real SMTP connection, whose server answers "try again later" once."""

    def send(self, message):
        raise smtplib.SMTPResponseException(451, b"try again later")


def test_a_retry_sends_the_same_calendar_bytes(pair: Pair, smtp_server, frozen_clock):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    with pair.app.app_context():
        assert send_pending(Refusing(pair.app.config)).sent == 0
    frozen_clock.advance(minutes=2)
    deliver(pair.app)
    row = outbox(pair.app, "mina@example.org")[-1]
    assert row.attempts == 2
    [invite] = [
        m for m in smtp_server.inbox.to("mina@example.org") if "Meeting with" in m["Subject"]
    ]
    assert invite["Message-ID"] == row.message_id
    assert attachment(invite).get_content().replace("\r\n", "\n") == row.calendar.replace(
        "\r\n", "\n"
    )


def test_mail_without_a_calendar_has_no_attachment(pair: Pair, smtp_server):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    deliver(pair.app)
    [proposal] = [m for m in smtp_server.inbox.to("sam@example.edu") if "suggests" in m["Subject"]]
    assert list(proposal.iter_attachments()) == []
    assert not proposal.is_multipart()
    with pair.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) > 0
