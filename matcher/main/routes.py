"""The home page (one section for each role the account holds; the landing page for
visitors) and the health check."""

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
    user = current_user._get_current_object()
    sides = user.sides
    context: dict = {"sides": [side.value for side in sides], "runs": []}
    if sides:
        context["gaps"] = profiles.missing(user)
        context["gaps_side"] = next(
            (side.value for side in sides if profiles.missing(user, side)), sides[0].value
        )
        context["groups"] = list(db.session.scalars(access.member_groups(user)))
        context["invitations"], context["requests"] = groups.waiting_memberships(user)
        context["summary"] = introductions.home_summary(user)
        context["open_rounds"] = opening.open_rounds_overview(user)
        if Role.STUDENT in sides:
            context["boards"] = board.boards(user, context["groups"])
    if user.has_role(Role.ADMIN):
        context["group_count"] = groups.group_count()
    else:
        run = list(db.session.scalars(access.coordinated_groups(user)))
        context["runs"] = [(group, groups.counts(group)) for group in run]
        context["may_start_groups"] = user.has_role(Role.COORDINATOR)
    return render_template("main/home.html", **context)


@bp.get("/healthz")
def health():
    return {"status": "ok"}
