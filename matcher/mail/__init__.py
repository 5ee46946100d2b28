"""The mail service every part of the site uses.

``queue_mail`` renders a message and adds it to the outbox in the caller's transaction: if the
change that causes the mail rolls back, so does the mail. The sender (``flask outbox send``)
delivers what was committed. Header values are made safe here, once: a subject is one line of
at most the outbox column's length, and an address must be one plain address.
"""

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template

from matcher.extensions import db
from matcher.models import OutboxMessage
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


def queue_mail(to_addr: str, template: str, **context) -> OutboxMessage:
    """Add the message rendered from ``templates/email/<template>.txt`` to the outbox.

    The template's first line is ``Subject: ...``; the rest is the body.
    """
    rendered = render_template(f"email/{template}.txt", **context).lstrip()
    first, _, body = rendered.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email template {template!r} must start with a 'Subject:' line")
    message = OutboxMessage(
        to_addr=checked_address(to_addr),
        subject=subject_line(first.removeprefix("Subject:")),
        body_text=body.strip() + "\n",
    )
    db.session.add(message)
    return message
