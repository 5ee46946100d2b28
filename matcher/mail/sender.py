"""Delivery of the outbox over SMTP (or to the console in development).

Each message is claimed by a compare-and-set update before it is sent, so several senders never
send one message twice; a message is marked sent only after the server accepted it. A server that
cannot be reached leaves every message as it was; a message the server refuses is retried with
backoff until ``MAIL_MAX_ATTEMPTS``. A claim older than ``MAIL_STALE_CLAIM_SECONDS`` (a sender
that died while sending) is released; the message keeps its Message-ID so a receiver can drop a
duplicate (the server may have taken it just before the sender died).
A message that cannot be built or that no server could ever take (a bad header, content the
server does not support) is marked failed with the reason, and the sender goes on with the rest.
"""

import logging
import smtplib
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol, TextIO

from flask import current_app
from icalendar import Calendar
from sqlalchemy import or_, select, update

from matcher import clock
from matcher.extensions import db
from matcher.mail import checked_address, subject_line
from matcher.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

BATCH_SIZE = 100


class Transport(Protocol):
    def __enter__(self) -> "Transport": ...
    def __exit__(self, *exc) -> None: ...
    def send(self, message: EmailMessage) -> None: ...


class SMTPTransport:
    """One SMTP connection for a batch, with STARTTLS or implicit TLS and optional log-in."""

    def __init__(self, config) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> "SMTPTransport":
        c = self.config
        cls = smtplib.SMTP_SSL if c["MAIL_USE_SSL"] else smtplib.SMTP
        self.connection = cls(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"])
        if c["MAIL_USE_TLS"] and not c["MAIL_USE_SSL"]:
            self.connection.starttls()
        if c["MAIL_USERNAME"]:
            self.connection.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
        return self

    def __exit__(self, *exc) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except smtplib.SMTPException:
                self.connection.close()
            except OSError:
                pass

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            raise RuntimeError("send() outside the transport's with-block")
        self.connection.send_message(message)


class ConsoleTransport:
    """Development: print each message instead of sending it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def __enter__(self) -> "ConsoleTransport":
        return self

    def __exit__(self, *exc) -> None:
        self.stream.flush()

    def send(self, message: EmailMessage) -> None:
        rule = "-" * 72
        self.stream.write(f"{rule}\n{message.as_string()}\n{rule}\n")


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unreachable: str | None = None
    errors: list[str] = field(default_factory=list)


def transport_for(config) -> Transport:
    if config["MAIL_SERVER"]:
        return SMTPTransport(config)
    if config["MAIL_CONSOLE"]:
        return ConsoleTransport()
    raise RuntimeError("MAIL_SERVER is not set: the outbox cannot be sent")


def calendar_method(text: str) -> str:
    """The METHOD of a message's iCalendar invitation (REQUEST, CANCEL), for its Content-Type."""
    return str(Calendar.from_ical(text).get("method") or "REQUEST").upper()


def build_email(row: OutboxMessage, sender: str) -> EmailMessage:
    """The message of an outbox row; ``ValueError`` (or another error of the email package) if
    a header cannot be made, which fails that message alone. Non-essential mail carries
    ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058 one-click unsubscribe). A
    non-ASCII subject is encoded here, since the email package's own folding can drop the
    space between two encoded words (CPython gh-144156)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = checked_address(row.to_addr)
    subject = subject_line(row.subject)
    if subject.isascii():
        message["Subject"] = subject
    else:
        message.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    if row.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body_text)
    if row.calendar:
        message.add_attachment(
            row.calendar,
            subtype="calendar",
            filename="invite.ics",
            params={"method": calendar_method(row.calendar)},
        )
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _stale_claim() -> timedelta:
    """How old a claim must be to be taken as left by a sender that died."""
    return timedelta(seconds=current_app.config["MAIL_STALE_CLAIM_SECONDS"])


def due_ids(limit: int = BATCH_SIZE) -> list[int]:
    moment = clock.now()
    query = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING)
                & (OutboxMessage.next_attempt_at <= moment),
                (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.claimed_at < moment - _stale_claim()),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    db.session.commit()
    return ids


def claim(message_id: int) -> OutboxMessage | None:
    """Take one message for sending, or ``None`` if another sender has it."""
    moment = clock.now()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                OutboxMessage.status == OutboxStatus.PENDING,
                (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.claimed_at < moment - _stale_claim()),
            ),
        )
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=moment,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def _settle(row: OutboxMessage, error: str | None, report: DeliveryReport) -> None:
    moment = clock.now()
    if error is None:
        row.status, row.sent_at, row.last_error = OutboxStatus.SENT, moment, None
        report.sent += 1
    elif row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        row.status, row.last_error = OutboxStatus.FAILED, error
        report.failed += 1
        report.errors.append(f"message {row.id} to {row.to_addr}: {error} (giving up)")
    else:
        row.status, row.last_error = OutboxStatus.PENDING, error
        row.next_attempt_at = moment + backoff(row.attempts)
        report.retrying += 1
        report.errors.append(f"message {row.id} to {row.to_addr}: {error} (will retry)")
    row.claimed_at = None
    db.session.commit()


def _give_up(row: OutboxMessage, error: str, report: DeliveryReport) -> None:
    """Mark a message that can never be sent as failed, with the reason."""
    log.warning("outbox message %s failed for good: %s", row.id, error)
    row.status, row.last_error, row.claimed_at = OutboxStatus.FAILED, error, None
    report.failed += 1
    report.errors.append(f"message {row.id} to {row.to_addr!r}: {error} (giving up)")
    db.session.commit()


def _release(row: OutboxMessage) -> None:
    """Give back a claim that was never tried, as if it had not been taken."""
    row.status, row.claimed_at = OutboxStatus.PENDING, None
    row.attempts -= 1
    db.session.commit()


def send_pending(transport: Transport | None = None) -> DeliveryReport:
    """Deliver every message that is due, once each."""
    report = DeliveryReport()
    ids = due_ids()
    if not ids:
        return report
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    transport = transport or transport_for(current_app.config)
    try:
        with transport:
            for message_id in ids:
                row = claim(message_id)
                if row is None:
                    continue
                try:
                    message = build_email(row, sender)
                except Exception as exc:
                    _give_up(row, f"could not be built: {type(exc).__name__}: {exc}", report)
                    continue
                try:
                    transport.send(message)
                except smtplib.SMTPServerDisconnected as exc:
                    _settle(row, f"server disconnected: {exc}", report)
                    report.unreachable = str(exc) or "server disconnected"
                    break
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                    _settle(row, f"refused: {exc}", report)
                except (smtplib.SMTPException, ValueError) as exc:
                    _give_up(row, f"could not be sent: {type(exc).__name__}: {exc}", report)
                except OSError as exc:
                    _release(row)
                    report.unreachable = str(exc)
                    break
                else:
                    _settle(row, None, report)
    except (OSError, smtplib.SMTPException) as exc:
        report.unreachable = f"{type(exc).__name__}: {exc}"
    return report
