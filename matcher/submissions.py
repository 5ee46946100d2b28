"""Acting on a create-style form once: its one-time token is claimed in the same transaction.

A view calls ``claim(form)`` after the form validates and before it changes anything, then
``done(form, url)`` with the page it redirects to, and commits. A second request with the same
token waits for the first (the token's primary key; SQLite's write lock) and, once the first
has committed, is redirected to the same page with a message instead of acting again. If the
first rolled back, its claim went with it and the second acts. ``repeat(form)`` only looks, for
a view whose own checks would refuse a repeat before it reaches ``claim``.
"""

from flask import abort, flash, redirect
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from matcher import clock
from matcher.extensions import db
from matcher.forms import OnceForm
from matcher.models import FormSubmission

ALREADY_SENT = "This form had already been sent, so it was not acted on twice. Here is the result."


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def claim(form: OnceForm) -> Response | None:
    """Claim the form's token, or answer with a redirect to what its earlier sending made."""
    token = form.once_token.data
    earlier = db.session.get(FormSubmission, token)
    if earlier is None:
        row = FormSubmission(token=token, user_id=_user_id(), created_at=clock.now())
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            earlier = db.session.get(FormSubmission, token, populate_existing=True)
        else:
            form.submission = row
            return None
    return _to_earlier_result(earlier)


def repeat(form: OnceForm) -> Response | None:
    """A redirect to the earlier result if the form's token was already claimed, else ``None``."""
    token = form.once_token.data
    earlier = db.session.get(FormSubmission, token) if token else None
    return None if earlier is None else _to_earlier_result(earlier)


def _to_earlier_result(earlier: FormSubmission | None) -> Response:
    if earlier is None or not earlier.result_url:
        abort(409)
    if earlier.user_id is not None and earlier.user_id != _user_id():
        abort(409)
    url = earlier.result_url
    db.session.rollback()
    flash(ALREADY_SENT, "info")
    return redirect(url, code=303)


def done(form: OnceForm, url: str) -> str:
    """Note where the claimed form led, for a repeat, and return it; the caller commits."""
    form.submission.result_url = url
    return url
