"""The mail service every part of the site uses.

``queue_mail`` renders a message and adds it to the outbox in the caller's transaction: if the
change that causes the mail rolls back, so does the mail (``queue_mails`` adds many rendered
messages in one statement). The sender (``mail.sender``, run by
the worker every ``MAIL_SEND_INTERVAL`` seconds) delivers what was committed. Header values
are made safe here, once: a subject is one line of at most the outbox column's length, and an
address must be one plain address.
"""

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from sqlalchemy import insert

from matcher import clock
from matcher.database import analyzed
from matcher.extensions import db
from matcher.models import OutboxMessage, OutboxStatus
from matcher.models.mail import new_message_id
from matcher.text import has_controls, one_line, shorten

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


def render_mail(to_addr: str, template: str, **context) -> dict[str, str]:
    """The outbox row (address, subject, body) of the message rendered from
    ``templates/email/<template>.txt``, its headers made safe.

    The template's first line is ``Subject: ...``; the rest is the body.
    """
    return _row(template, to_addr, render_template(_path(template), **context))


class MailRenderer:
    """:func:`render_mail` for many messages of one template (a publish renders thousands):
    the template and the context every message shares are looked up once."""

    def __init__(self, template: str) -> None:
        self._name = template
        self._template = current_app.jinja_env.get_or_select_template(_path(template))
        self._shared: dict = {}
        current_app.update_template_context(self._shared)

    def __call__(self, to_addr: str, **context) -> dict[str, str]:
        return _row(self._name, to_addr, self._template.render({**self._shared, **context}))


def _path(template: str) -> str:
    return f"email/{template}.txt"


def _row(template: str, to_addr: str, rendered: str) -> dict[str, str]:
    first, _, body = rendered.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email template {template!r} must start with a 'Subject:' line")
    return {
        "to_addr": checked_address(to_addr),
        "subject": subject_line(first.removeprefix("Subject:")),
        "body_text": body.strip() + "\n",
    }


def queue_mail(to_addr: str, template: str, **context) -> OutboxMessage:
    """Add the message rendered from ``templates/email/<template>.txt`` to the outbox (see
    :func:`render_mail`)."""
    message = OutboxMessage(**render_mail(to_addr, template, **context))
    db.session.add(message)
    return message


def queue_mails(messages: Iterable[dict[str, str]]) -> int:
    """Add messages rendered by :func:`render_mail` to the outbox in one statement, in the
    caller's transaction (a publish queues thousands); how many."""
    now = clock.now()
    rows = [
        {
            **message,
            "message_id": new_message_id(),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for message in messages
    ]
    if rows:
        db.session.execute(insert(OutboxMessage), rows)
        analyzed(db.session, len(rows), OutboxMessage.__tablename__)
    return len(rows)
