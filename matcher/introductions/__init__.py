"""Introductions: from a published pair to a working mentorship."""

from flask import Blueprint

bp = Blueprint("introductions", __name__, cli_group="introductions")

from matcher.introductions import cli, routes  # noqa: E402, F401
