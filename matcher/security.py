"""Sessions and request hardening: the user loader, proxy headers, response headers."""

import hmac

from flask import Flask, abort, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from matcher.extensions import db, login_manager
from matcher.models import User
from matcher.urls import whole_number


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=1
        )
    app.before_request(_refuse_nul)
    app.after_request(_headers)


def _refuse_nul() -> None:
    """A NUL character in the path, the query or a form field is never meant; PostgreSQL
    cannot store or compare it, so refuse it here with a 400 rather than fail in a query."""
    fields = (*request.args.items(multi=True), *request.form.items(multi=True))
    if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in fields):
        abort(400)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user for a session id ``"<id>:<session token>"``; a rotated token no longer matches."""
    raw_id, _, token = user_id.partition(":")
    number = whole_number(raw_id, 1)
    if number is None or not token:
        return None
    user = db.session.get(User, number)
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SHARED_ENDPOINTS = frozenset({"static"})


def _private() -> bool:
    """Whether the response may hold personal data, so no browser or proxy may keep it: every
    response but a static file. Pages reached by an emailed link (an introduction to answer, a
    sign-up to confirm) show personal data to a visitor who is not logged in, and error pages
    and redirects may carry it too, so being logged out is no reason to allow caching."""
    return request.endpoint not in SHARED_ENDPOINTS


def _headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    hsts = current_app.config["STRICT_TRANSPORT_SECURITY"]
    if hsts:
        headers.setdefault("Strict-Transport-Security", hsts)
    if _private():
        headers["Cache-Control"] = "no-store"
    return response
