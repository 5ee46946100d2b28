"""The daily digest: the non-urgent mail held for the people who chose it, sent as one email.

A held message is an outbox row (status ``held``), so it survives a worker that dies. Once a
day, at ``MAIL_DIGEST_HOUR`` in the recipient's time zone, their digest gathers every message
held before that hour, oldest first, each with its subject and body, and goes out through the
outbox like any other email. Each person's digest is made in one transaction that adds the
digest and moves its messages from ``held`` to ``bundled`` with a compare-and-set update: if
another run took any of them first, the transaction rolls back; a worker killed inside it leaves
the messages held for the next run. So no message is in two digests and none is lost. Messages
held for someone who has since unsubscribed are dropped.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from matcher import clock, timezones
from matcher.extensions import db
from matcher.mail import Footer, render_mail, sendable
from matcher.mail.kinds import DIGEST
from matcher.models import MailPreference, OutboxMessage, OutboxStatus, User


class DigestRaceError(RuntimeError):
    """Another run bundled some of the messages first."""


@dataclass
class DigestReport:
    sent: int = 0
    messages: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.sent} digest{'s' if self.sent != 1 else ''} with {self.messages} "
            f"message{'s' if self.messages != 1 else ''}, {self.dropped} dropped (unsubscribed)"
        )


def digest_cutoff(now: datetime, zone: str, hour: int) -> datetime:
    """The latest moment, at or before ``now``, when it was ``hour`` o'clock in ``zone``."""
    local = timezones.to_local(now, zone).replace(tzinfo=None)
    at_hour = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at_hour > local:
        at_hour -= timedelta(days=1)
    return timezones.from_local(at_hour, zone)


def _waiting() -> list[tuple[int, str, datetime]]:
    """Everyone with held mail: their id, time zone and the moment of their oldest message."""
    rows = db.session.execute(
        select(OutboxMessage.user_id, User.time_zone, func.min(OutboxMessage.created_at))
        .join(User, User.id == OutboxMessage.user_id)
        .where(OutboxMessage.status == OutboxStatus.HELD)
        .group_by(OutboxMessage.user_id, User.time_zone)
        .order_by(OutboxMessage.user_id)
    ).all()
    db.session.commit()
    return [(user_id, zone, oldest) for user_id, zone, oldest in rows]


def _item(number: int, message: OutboxMessage, zone: str) -> dict[str, str]:
    return {
        "number": str(number),
        "subject": message.subject,
        "when": timezones.format_when(message.created_at, zone),
        "body": message.body_text.strip(),
    }


def _summary(count: int) -> str:
    return f"{count} message{'s' if count != 1 else ''}"


def bundle(user_id: int, cutoff: datetime) -> tuple[int, int]:
    """In the caller's transaction, the digest of ``user_id``'s messages held up to
    ``cutoff`` (or their drop, if the person unsubscribed): (messages bundled, dropped).
    ``DigestRaceError`` if another run took some of them first: roll back."""
    held = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.user_id == user_id,
                OutboxMessage.status == OutboxStatus.HELD,
                OutboxMessage.created_at <= cutoff,
            )
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )
    if not held:
        return 0, 0
    ids = [message.id for message in held]
    preference = db.session.get(MailPreference, user_id)
    if preference is not None and preference.unsubscribed:
        gone = db.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.HELD)
            .execution_options(synchronize_session=False)
        )
        if gone.rowcount != len(ids):
            raise DigestRaceError(f"messages of user {user_id} were taken by another run")
        return 0, len(ids)
    user = db.session.get(User, user_id)
    zone = timezones.zone_or_default(user.time_zone)
    count = len(held)
    row = render_mail(
        user,
        DIGEST,
        name=user.name,
        summary=_summary(count),
        items=[_item(number, message, zone) for number, message in enumerate(held, start=1)],
        zone=zone,
    )
    digest = OutboxMessage(**sendable(row, Footer()))
    db.session.add(digest)
    db.session.flush()
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.HELD)
        .values(status=OutboxStatus.BUNDLED, digest_id=digest.id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != len(ids):
        raise DigestRaceError(f"messages of user {user_id} were taken by another run")
    return count, 0


def send_digests(now: datetime | None = None, *, everything: bool = False) -> DigestReport:
    """Each digest that is due (``everything``: every held message now, whatever the hour),
    each person's in a transaction of its own."""
    now = now or clock.now()
    hour = current_app.config["MAIL_DIGEST_HOUR"]
    report = DigestReport()
    for user_id, zone, oldest in _waiting():
        cutoff = now if everything else digest_cutoff(now, timezones.zone_or_default(zone), hour)
        if oldest > cutoff:
            continue
        try:
            bundled, dropped = bundle(user_id, cutoff)
            db.session.commit()
        except DigestRaceError as exc:
            db.session.rollback()
            report.errors.append(str(exc))
            continue
        report.sent += 1 if bundled else 0
        report.messages += bundled
        report.dropped += dropped
    return report
