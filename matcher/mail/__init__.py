"""The mail service every part of the site uses.

``queue_mail`` renders a message and adds it to the outbox in the caller's transaction: if the
change that causes the mail rolls back, so does the mail (``queue_mails`` adds many rendered
messages in one statement). The sender (``mail.sender``, run by
the worker every ``MAIL_SEND_INTERVAL`` seconds) delivers what was committed. Header values
are made safe here, once: a subject is one line of at most the outbox column's length, and an
address must be one plain address.

Callers name the recipient (a ``User``, a ``Recipient``, or a bare address for someone with no
account yet) and the message's kind (its template's name unless given; see ``mail.kinds``).
Queueing decides, from the recipient's preference: an essential message goes now; a non-urgent
one goes now with an unsubscribe link, waits as ``held`` for the recipient's daily digest
(``mail.digest``), or is dropped if they unsubscribed.
"""

import re
from collections.abc import Iterable
from typing import NamedTuple, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from sqlalchemy import select

from matcher import clock
from matcher.database import bulk_insert
from matcher.extensions import db
from matcher.mail import tokens
from matcher.mail.kinds import essential
from matcher.models import Delivery, MailPreference, OutboxMessage, OutboxStatus
from matcher.models.mail import new_message_id
from matcher.text import has_controls, one_line, shorten
from matcher.timezones import DEFAULT_ZONE

SUBJECT_MAX = OutboxMessage.__table__.c.subject.type.length
ADDRESS_MAX = OutboxMessage.__table__.c.to_addr.type.length


class MailHeaderError(ValueError):
    """A header value (an address) that cannot go into an email."""


NAME_IN_SUBJECT_MAX = 60


def header(value: object, limit: int = NAME_IN_SUBJECT_MAX) -> str:
    """The ``header`` filter that every value in an email template's ``Subject:`` line goes
    through: one line, cut to ``limit`` characters, so a long or multi-line name can neither
    split the subject from the body nor push the subject past the outbox column."""
    return shorten(one_line(str(value)), limit)


def subject_line(text: str) -> str:
    """A subject header: one line, at most ``SUBJECT_MAX`` characters."""
    return header(text, SUBJECT_MAX)


PLAIN_ADDRESS = re.compile(r"[^\s@<>,;:\"()\[\]\\]+@[^\s@<>,;:\"()\[\]\\]+")


def checked_address(address: str) -> str:
    """``address`` if it is one plain email address that fits the outbox (no display name, no
    second address, no line break), else ``MailHeaderError``."""
    if (
        not isinstance(address, str)
        or len(address) > ADDRESS_MAX
        or has_controls(address)
        or not PLAIN_ADDRESS.fullmatch(address)
    ):
        raise MailHeaderError(f"not one plain email address: {address!r}")
    return address


def init_app(app: Flask) -> None:
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.filters["header"] = header


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built on ``SITE_URL`` and never on the request's Host."""
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


class Addressee(Protocol):
    """Anything with an account id and an address: a ``User`` or a ``Recipient``."""

    @property
    def id(self) -> int | None: ...

    @property
    def email(self) -> str: ...


class Recipient(NamedTuple):
    """Whom a message goes to, when the ``User`` is not at hand: the account's id (``None``
    for an address with no account yet), the address and the time zone its dates are shown in
    (UTC when not given)."""

    id: int | None
    email: str
    time_zone: str | None = None


def recipient(to: Addressee | str) -> Recipient:
    if isinstance(to, str):
        return Recipient(None, to)
    return Recipient(to.id, to.email, getattr(to, "time_zone", None))


def render_mail(to: Addressee | str, template: str, *, kind: str | None = None, **context) -> dict:
    """The outbox row (address, subject, body, recipient's account and kind) of the message
    rendered from ``templates/email/<template>.txt``, its headers made safe.

    The template's first line is ``Subject: ...``; the rest is the body. Dates and times in it
    are shown in ``zone``, by default the recipient's time zone (UTC for a bare address).
    """
    rendered = render_template(_path(template), **_zoned(to, context))
    return _row(template, recipient(to), kind or template, rendered)


class MailRenderer:
    """:func:`render_mail` for many messages of one template (a publish renders thousands):
    the template and the context every message shares are looked up once."""

    def __init__(self, template: str, kind: str | None = None) -> None:
        self._name = template
        self._kind = kind or template
        self._template = current_app.jinja_env.get_or_select_template(_path(template))
        self._shared: dict = {}
        current_app.update_template_context(self._shared)

    def __call__(self, to: Addressee | str, **context) -> dict:
        rendered = self._template.render({**self._shared, **_zoned(to, context)})
        return _row(self._name, recipient(to), self._kind, rendered)


def _zoned(to: "Addressee | str", context: dict) -> dict:
    return {"zone": getattr(to, "time_zone", None) or DEFAULT_ZONE, **context}


def _path(template: str) -> str:
    return f"email/{template}.txt"


def _row(template: str, to: Recipient, kind: str, rendered: str) -> dict:
    first, _, body = rendered.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email template {template!r} must start with a 'Subject:' line")
    return {
        "to_addr": checked_address(to.email),
        "subject": subject_line(first.removeprefix("Subject:")),
        "body_text": body.strip() + "\n",
        "user_id": to.id,
        "kind": kind,
    }


PREFERENCES_CHUNK = 20_000


def preferences(user_ids: Iterable[int]) -> dict[int, MailPreference]:
    """The stored preferences of ``user_ids`` (people with none keep the defaults), read in
    one query for up to ``PREFERENCES_CHUNK`` people."""
    ids = sorted(set(user_ids))
    found: dict[int, MailPreference] = {}
    for start in range(0, len(ids), PREFERENCES_CHUNK):
        chunk = ids[start : start + PREFERENCES_CHUNK]
        for preference in db.session.scalars(
            select(MailPreference).where(MailPreference.user_id.in_(chunk))
        ):
            found[preference.user_id] = preference
    return found


def unsubscribe_url(user_id: int) -> str:
    return external_url("subscriptions.unsubscribe", token=tokens.unsubscribe_token(user_id))


FOOTER = "subscriptions/email_footer.txt"
_LINK = "UNSUBSCRIBE-LINK"


class Footer:
    """The unsubscribe link and footer of non-essential mail, for many messages: the signer,
    the link's address and the footer's text are made once (a publish queues thousands)."""

    def __init__(self) -> None:
        self._sign = tokens.signer()
        self._before, self._after = external_url("subscriptions.unsubscribe", token=_LINK).split(
            _LINK
        )
        template = current_app.jinja_env.get_or_select_template(FOOTER)
        text = template.render(
            settings_link=external_url("subscriptions.settings"), unsubscribe_link=_LINK
        )
        self._text = "\n" + text.strip() + "\n"

    def link(self, user_id: int) -> str:
        return self._before + tokens.unsubscribe_token(user_id, self._sign) + self._after

    def __call__(self, row: dict) -> dict:
        """``row`` with its unsubscribe link, in the body and for the ``List-Unsubscribe``
        header."""
        link = self.link(row["user_id"])
        return {
            **row,
            "body_text": row["body_text"] + self._text.replace(_LINK, link),
            "unsubscribe_url": link,
        }


def sendable(row: dict, footer: Footer) -> dict:
    """``row`` as it goes out now: a non-essential message with its unsubscribe link."""
    return row if essential(row["kind"]) else footer(row)


def decide(rows: Iterable[dict]) -> list[dict]:
    """The rows to store: essential ones as they are, non-urgent ones with their unsubscribe
    link, ``held`` for people who chose the digest, and none for people who unsubscribed."""
    rows = list(rows)
    optional = [row for row in rows if not essential(row["kind"])]
    for row in optional:
        if row["user_id"] is None:
            raise ValueError(f"a {row['kind']} email must name its recipient's account")
    chosen = preferences(row["user_id"] for row in optional) if optional else {}
    footer = Footer() if optional else None
    stored = []
    for row in rows:
        preference = chosen.get(row["user_id"]) if not essential(row["kind"]) else None
        if preference is None:
            stored.append(sendable(row, footer) if footer else row)
        elif preference.unsubscribed:
            continue
        elif preference.delivery is Delivery.DIGEST:
            stored.append({**row, "status": OutboxStatus.HELD})
        else:
            stored.append(sendable(row, footer))
    return stored


def queue_mail(
    to: Addressee | str, template: str, *, kind: str | None = None, **context
) -> OutboxMessage | None:
    """Add the message rendered from ``templates/email/<template>.txt`` to the outbox (see
    :func:`render_mail`), sent now or held for the recipient's digest; ``None`` when the
    recipient unsubscribed from mail of this kind."""
    rows = decide([render_mail(to, template, kind=kind, **context)])
    if not rows:
        return None
    message = OutboxMessage(**rows[0])
    db.session.add(message)
    return message


def queue_mails(messages: Iterable[dict]) -> int:
    """Add messages rendered by :func:`render_mail` to the outbox in one statement, in the
    caller's transaction (a publish queues thousands), each sent now, held or dropped as
    :func:`decide` says; how many were stored."""
    now = clock.now()
    rows = [
        {
            "status": OutboxStatus.PENDING,
            "unsubscribe_url": None,
            **message,
            "message_id": new_message_id(),
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for message in decide(messages)
    ]
    bulk_insert(db.session, OutboxMessage.__table__, rows)
    return len(rows)
