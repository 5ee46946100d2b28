"""Progress pages for long operations that run in the background (large imports and solves)."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from matcher.jobs import routes  # noqa: E402, F401
