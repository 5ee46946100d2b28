"""The home page of each role (the landing page for visitors) and the health check."""

from flask import Blueprint, render_template
from flask_login import current_user

from matcher import access
from matcher.board import services as board
from matcher.extensions import db
from matcher.groups import services as groups
from matcher.introductions import services as introductions
from matcher.models import Role
from matcher.profiles import services as profiles
from matcher.rounds import opening

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    context = {}
    if current_user.role in (Role.STUDENT, Role.MENTOR):
        context["gaps"] = profiles.missing(current_user)
        context["groups"] = list(db.session.scalars(access.member_groups(current_user)))
        context["invitations"], context["requests"] = groups.waiting_memberships(current_user)
        context["summary"] = introductions.home_summary(current_user)
        context["open_rounds"] = opening.open_rounds_overview(current_user)
        if current_user.role is Role.STUDENT:
            context["boards"] = board.boards(current_user, context["groups"])
    else:
        run = list(db.session.scalars(access.coordinated_groups(current_user)))
        context["groups"] = [(group, groups.counts(group)) for group in run]
    return render_template(f"main/home_{current_user.role.value}.html", **context)


@bp.get("/healthz")
def health():
    return {"status": "ok"}
