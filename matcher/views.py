"""What views share: the status of a form's page, and the sequences of an action, a form
that saves and a form that creates something."""

from collections.abc import Callable
from typing import TypeVar

from flask import flash, redirect, request
from werkzeug.wrappers import Response

from matcher import submissions
from matcher.extensions import db
from matcher.forms import OnceForm, SiteForm

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
    url, text = submissions.done(form, then(made)), message(made)
    db.session.commit()
    flash(text, category)
    return redirect(url)


def act(
    action: Callable[[], T],
    *,
    refused: type[Exception] | tuple[type[Exception], ...],
    on_refused: Callable[[Exception], Response | tuple | None],
    then: Callable[[T], str],
    message: Callable[[T], str],
    category: str = "success",
    code: int = 302,
) -> Response | tuple | None:
    """Run ``action()``, commit, flash ``message(result)`` and redirect to ``then(result)``;
    a refusal (an exception of ``refused``) is rolled back and answered by ``on_refused(exc)``.

    The message and the address are made before the commit, from what the transaction holds:
    after it, reading the result (expired by the commit) would begin a transaction of its own,
    which on SQLite waits for the write lock again only to read an id back."""
    try:
        result = action()
    except refused as exc:
        db.session.rollback()
        return on_refused(exc)
    db.session.flush()
    text, target = message(result), then(result)
    db.session.commit()
    flash(text, category)
    return redirect(target, code=code)


def save(
    form: SiteForm,
    action: Callable[[], T],
    *,
    refused: type[Exception] | tuple[type[Exception], ...],
    on_refused: Callable[[Exception], None],
    then: Callable[[T], str],
    message: Callable[[T], str],
    category: str = "success",
    code: int = 302,
) -> Response | None:
    """Act on a sent, valid form: ``action()``, commit, flash ``message(result)`` and redirect
    to ``then(result)``.

    ``None`` when the page should show the form again: not sent, not valid, or refused by a
    rule (the transaction is rolled back and ``on_refused(exc)`` puts the message on the form).
    """
    if not form.validate_on_submit():
        return None
    return act(
        action,
        refused=refused,
        on_refused=on_refused,
        then=then,
        message=message,
        category=category,
        code=code,
    )
