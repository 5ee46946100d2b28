"""Match rounds: the coordinator's workflow from opt-in to published introductions."""

from flask import Blueprint

bp = Blueprint("rounds", __name__)

from matcher.rounds import routes  # noqa: E402, F401
