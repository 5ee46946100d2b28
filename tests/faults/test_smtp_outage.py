"""The SMTP server down for minutes delays mail but loses none and sends none twice.

The real aiosmtpd server on loopback and the controllable clock. While the server is down for
half an hour, two senders run every minute and mail keeps being queued; then it comes back
refusing with 421 ("shutting down") after a few messages of a batch; then it is well again.
Every message must arrive exactly once (by Message-ID) and none may be given up.
"""

import threading

from matcher.extensions import db
from matcher.mail import queue_mail
from matcher.mail.sender import send_pending
from matcher.models import OutboxStatus, Role, User
from tests.helpers import outbox

OUTAGE_MINUTES = 30


def queue(app, addresses) -> None:
    with app.app_context():
        user = User(
            email="x@example.edu", name="Pat Example", roles={Role.STUDENT}, password_hash="x"
        )
        for addr in addresses:
            queue_mail(addr, "auth/welcome", user=user)
        db.session.commit()


def two_senders(app) -> list:
    """Two ``send_pending`` passes at the same moment, as two sender services would run."""
    reports = []
    start = threading.Barrier(2)

    def sender() -> None:
        with app.app_context():
            start.wait()
            reports.append(send_pending())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return reports


class ShuttingDown:
    """Wraps the inbox: after ``accept`` messages in this state, answer 421 to each DATA."""

    def __init__(self, inbox, accept: int) -> None:
        self.inbox, self.accept, self.refused = inbox, accept, 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        if self.accept <= 0:
            self.refused += 1
            return "421 4.3.2 Service shutting down, try again later"
        self.accept -= 1
        return await self.inbox.handle_DATA(server, session, envelope)


def test_smtp_outage_delays_mail_but_loses_none_and_sends_none_twice(
    mail_app, smtp_server, frozen_clock
):
    addresses = [f"before{n}@example.edu" for n in range(20)]
    queue(mail_app, addresses)
    smtp_server.stop()
    outage_began = frozen_clock.now
    for minute in range(OUTAGE_MINUTES):
        reports = two_senders(mail_app)
        assert sum(r.sent for r in reports) == 0
        assert all(r.unreachable for r in reports)
        addresses.append(f"during{minute}@example.edu")
        queue(mail_app, addresses[-1:])
        frozen_clock.advance(minutes=1)
    rows = outbox(mail_app)
    assert {m.status for m in rows} == {OutboxStatus.PENDING}
    assert {m.attempts for m in rows} == {0}
    assert smtp_server.inbox.messages == []

    inbox = smtp_server.inbox
    handler = ShuttingDown(inbox, accept=5)
    smtp_server.inbox = handler
    smtp_server.start()
    back = frozen_clock.now
    two_senders(mail_app)
    assert len(inbox.messages) == 5
    assert handler.refused > 0
    smtp_server.stop()
    smtp_server.inbox = inbox
    smtp_server.start()
    for _ in range(10):
        two_senders(mail_app)
        frozen_clock.advance(minutes=1)
        if all(m.status is OutboxStatus.SENT for m in outbox(mail_app)):
            break

    rows = outbox(mail_app)
    assert {m.status for m in rows} == {OutboxStatus.SENT}
    assert all(m.sent_at >= back > outage_began for m in rows)
    delivered = [m["Message-ID"] for m in inbox.messages]
    assert len(delivered) == len(set(delivered)) == len(addresses)
    assert set(delivered) == {m.message_id for m in rows}
    assert sorted(m["To"] for m in inbox.messages) == sorted(addresses)
