"""Friendly error pages. The 500 page rolls back whatever the failed request left open; a
database with no free connection, or a SQLite write lock not free within the busy timeout,
answers 503 with ``Retry-After`` instead of 500."""

from flask import Flask, current_app, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from matcher.extensions import db, login_manager

MESSAGES = {
    400: "The request could not be understood. Go back, check the form and try again.",
    403: "You do not have access to this page.",
    404: "There is no page here. It may have moved, or the link may be mistyped.",
    405: "That action is not available at this address.",
    429: "Too many attempts. Wait a minute and try again.",
    500: "Something went wrong on our side. Nothing you saved was lost; please try again.",
}
BUSY_MESSAGE = (
    "Too many people are using the site at this moment. Nothing was changed; "
    "please try again in a few seconds."
)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
    app.register_error_handler(PoolTimeoutError, _database_busy)
    app.register_error_handler(OperationalError, _operational_error)


def _render(code: int, title: str, message: str):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _csrf_error(error: CSRFError):
    return _render(
        400,
        "This form has expired",
        "The form was open too long or came from elsewhere. Reload the page and try again.",
    )


def _too_large_message() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    size = f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit // 1024 or 1} KB"
    return (
        f"That upload is too large: the limit is {size} for everything sent at once. "
        "Go back and send a smaller file (for a roster, split it into several files)."
    )


def _http_error(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        return _server_error(error)
    message = _too_large_message() if code == 413 else MESSAGES.get(code, error.description or "")
    page, status = _render(code, error.name, message)
    return page, status, _passthrough_headers(error)


def _passthrough_headers(error: HTTPException) -> dict[str, str]:
    """The headers an error's own response must keep (``Allow`` on 405, ``Retry-After``)."""
    source = error.get_response().headers
    return {k: v for k, v in source.items() if k in {"Retry-After", "Allow"}}


def _server_error(error: Exception):
    if isinstance(getattr(error, "original_exception", None), PoolTimeoutError):
        return _database_busy(error)
    db.session.rollback()
    return _render(500, "Server error", MESSAGES[500])


def _operational_error(error: OperationalError):
    """SQLite's write lock stayed taken past the busy timeout: a queue of writers, not a fault.
    Any other operational error is a fault and goes on to the 500 page (and the log)."""
    if "database is locked" in str(error.orig):
        return _database_busy(error)
    raise error


def _database_busy(error: Exception):
    """Every pooled connection stayed busy past the pool timeout: a load peak, not a fault.

    The page is drawn as for an anonymous visitor, so rendering it needs no connection.
    """
    db.session.rollback()
    g._login_user = login_manager.anonymous_user()
    page = render_template("errors/busy.html", message=BUSY_MESSAGE)
    return page, 503, {"Retry-After": str(current_app.config["DATABASE_BUSY_RETRY_AFTER"])}
