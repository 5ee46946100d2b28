"""What views share: the status of a form's page, and the sequence of a form that creates
something."""

from collections.abc import Callable
from typing import TypeVar

from flask import flash, redirect, request
from werkzeug.wrappers import Response

from matcher import submissions
from matcher.extensions import db
from matcher.forms import OnceForm

T = TypeVar("T")


def form_status() -> int:
    """A form's page answers 200 when asked for and 400 when a sent form comes back refused."""
    return 400 if request.method == "POST" else 200


def create(
    form: OnceForm,
    make: Callable[[], T],
    *,
    refused: type[Exception] | tuple[type[Exception], ...],
    then: Callable[[T], str],
    message: Callable[[T], str],
    on_refused: Callable[[Exception], None] | None = None,
    category: str = "success",
) -> Response | None:
    """Act on a create-style form once: validate, claim its one-time token, ``make()`` the
    thing, commit, flash ``message(made)`` and redirect to ``then(made)``.

    ``None`` when the page should show the form again: not sent, not valid, or refused by a
    rule (an exception of ``refused``: the transaction is rolled back and ``on_refused(exc)``
    puts the message on the form, by default among its form errors). A form sent a second
    time is taken to the first result.
    """
    if not form.validate_on_submit():
        return None
    if (earlier := submissions.claim(form)) is not None:
        return earlier
    try:
        made = make()
    except refused as exc:
        db.session.rollback()
        (on_refused or (lambda error: form.form_errors.append(str(error))))(exc)
        return None
    db.session.flush()
    url = submissions.done(form, then(made))
    db.session.commit()
    flash(message(made), category)
    return redirect(url)
