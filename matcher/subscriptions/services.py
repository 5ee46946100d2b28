"""Mail preference rules: choosing each email at once or the daily digest, unsubscribing and
subscribing again, and what the settings page shows."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from matcher import audit, clock, timezones
from matcher.extensions import db
from matcher.mail import tokens
from matcher.mail.digest import bundle
from matcher.models import Delivery, MailPreference, OutboxMessage, OutboxStatus, User


def preference_of(user: User) -> MailPreference:
    """``user``'s stored preference, or a new one with the defaults, written now (a request
    that wrote it first, at the same moment, wins and its row is used)."""
    preference = db.session.get(MailPreference, user.id)
    if preference is not None:
        return preference
    try:
        with db.session.begin_nested():
            preference = MailPreference(user_id=user.id, delivery=Delivery.IMMEDIATE)
            db.session.add(preference)
    except IntegrityError:
        preference = db.session.get(MailPreference, user.id, populate_existing=True)
    return preference


def is_unsubscribed(user: User) -> bool:
    preference = db.session.get(MailPreference, user.id)
    return preference is not None and preference.unsubscribed


def _drop_held(user: User) -> int:
    """Drop the mail held for ``user``'s digest (they unsubscribed); how many."""
    return db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.user_id == user.id, OutboxMessage.status == OutboxStatus.HELD)
        .execution_options(synchronize_session=False)
    ).rowcount


def held_count(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.user_id == user.id, OutboxMessage.status == OutboxStatus.HELD)
    )


@dataclass(frozen=True)
class Saved:
    """What a change of preference did, for the message the person sees."""

    delivery: Delivery
    subscribed: bool
    released: int

    def message(self) -> str:
        if not self.subscribed:
            return "You are unsubscribed: you now get only the emails that need you."
        if self.delivery is Delivery.DIGEST:
            return "Non-urgent email now comes as one daily digest."
        if self.released:
            plural = "s" if self.released != 1 else ""
            return (
                f"Each email now comes at once; the {self.released} message{plural} waiting "
                "for your digest went out together now."
            )
        return "Each email now comes at once."


def choose(user: User, delivery: Delivery, subscribed: bool) -> Saved:
    """Save ``user``'s choice; leaving the digest sends what it held at once, as one email.
    The caller commits."""
    preference = preference_of(user)
    was = preference.delivery
    preference.delivery = delivery
    if subscribed:
        preference.unsubscribed_at = None
    else:
        if preference.unsubscribed_at is None:
            preference.unsubscribed_at = clock.now()
        _drop_held(user)
    db.session.flush()
    released = 0
    if subscribed and was is Delivery.DIGEST and delivery is Delivery.IMMEDIATE:
        released, _ = bundle(user.id, clock.now())
    audit.record(
        "mail.preferences",
        actor=user,
        target=user,
        delivery=delivery.value,
        subscribed=subscribed,
    )
    return Saved(delivery, subscribed, released)


def person_for_token(token: str) -> User | None:
    """The account an unsubscribe link names, if the link is genuine."""
    user_id = tokens.unsubscribing_user_id(token)
    return db.session.get(User, user_id) if user_id is not None else None


def unsubscribe(user: User) -> None:
    """Stop non-essential mail to ``user``, dropping what waits for their digest (again is no
    change); the caller commits."""
    preference = preference_of(user)
    if preference.unsubscribed_at is None:
        preference.unsubscribed_at = clock.now()
        _drop_held(user)
        audit.record("mail.unsubscribe", actor=user, target=user)


@dataclass(frozen=True)
class SettingsView:
    """The settings page's facts, ready to show."""

    choice: str
    delivery: str
    subscribed: bool
    unsubscribed_on: str
    digest_time: str
    held: str


def settings_view(user: User) -> SettingsView:
    preference = db.session.get(MailPreference, user.id)
    delivery = preference.delivery if preference else Delivery.IMMEDIATE
    unsubscribed_at = preference.unsubscribed_at if preference else None
    zone = timezones.zone_or_default(user.time_zone)
    hour = current_app.config["MAIL_DIGEST_HOUR"]
    count = held_count(user)
    return SettingsView(
        choice=delivery.value,
        delivery=delivery.label,
        subscribed=unsubscribed_at is None,
        unsubscribed_on=timezones.format_day(unsubscribed_at, zone) if unsubscribed_at else "",
        digest_time=f"{hour:02d}:00 {timezones.zone_label(zone)}",
        held=f"{count} message{'s' if count != 1 else ''}" if count else "",
    )


def masked(address: str) -> str:
    """An address shown on a page anyone with the link can open: its first letter and domain."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"
