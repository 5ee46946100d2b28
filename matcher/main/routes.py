from flask import render_template, request
from flask_login import current_user

from matcher import access
from matcher.extensions import db
from matcher.groups import services as groups
from matcher.main import bp
from matcher.models import Role
from matcher.profiles import services as profiles
from matcher.rounds import services as rounds


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    context = {}
    if current_user.role in (Role.STUDENT, Role.MENTOR):
        context["gaps"] = profiles.missing(current_user)
        context["groups"] = list(db.session.scalars(access.member_groups(current_user)))
        context["invitations"] = groups.invitations(current_user)
        context["open_rounds"] = rounds.open_rounds_overview(current_user)
    else:
        run = list(db.session.scalars(access.coordinated_groups(current_user)))
        context["groups"] = [(group, groups.counts(group)) for group in run]
    return render_template(f"main/home_{current_user.role.value}.html", **context)


@bp.get("/healthz")
def health():
    return {"status": "ok"}


NAV_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "student": (
        ("main.index", "Home"),
        ("introductions.index", "My introductions"),
        ("profiles.mine", "Profile"),
        ("profiles.directory", "Mentors"),
        ("groups.index", "Groups"),
    ),
    "mentor": (
        ("main.index", "Home"),
        ("introductions.index", "Mentees"),
        ("profiles.mine", "Profile"),
        ("groups.index", "Groups"),
    ),
    "coordinator": (
        ("main.index", "Home"),
        ("groups.index", "Groups"),
        ("profiles.directory", "Mentors"),
        ("introductions.index", "Introductions"),
    ),
    "admin": (
        ("main.index", "Home"),
        ("groups.index", "Groups"),
        ("admin.users", "People"),
        ("admin.specialties", "Specialties"),
        ("admin.outbox", "Outbox"),
        ("admin.audit_log", "Audit log"),
    ),
}
SECTIONS = {
    "groups.index": {"groups", "rosters", "rounds", "jobs"},
    "introductions.index": {"introductions"},
}


@bp.app_template_global()
def nav_links(role: str) -> tuple[tuple[str, str], ...]:
    """The main navigation of a role: (endpoint, label) pairs."""
    return NAV_LINKS.get(role, ())


@bp.app_template_global()
def is_current(endpoint: str) -> bool:
    """Whether the page shown belongs to the navigation entry ``endpoint``, so the entry is
    marked ``aria-current``: its own page, or any page of the section it opens."""
    return request.endpoint == endpoint or request.blueprint in SECTIONS.get(endpoint, ())
