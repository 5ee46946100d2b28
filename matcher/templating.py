"""The Jinja filters and globals every page may use, registered on the app by create_app."""

from collections.abc import Iterable

from flask import Flask, request

from matcher.models import Goal, Stage, WantedMentor

SLOT_LABELS = {w.value: w.label for w in WantedMentor}

NAV_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "student": (
        ("main.index", "Home"),
        ("board.index", "My board"),
        ("introductions.index", "My introductions"),
        ("profiles.mine", "Profile"),
        ("profiles.directory", "Mentors"),
        ("groups.index", "Groups"),
        ("groups.directory", "Find a group"),
    ),
    "mentor": (
        ("main.index", "Home"),
        ("introductions.index", "Mentees"),
        ("profiles.mine", "Profile"),
        ("groups.index", "Groups"),
        ("groups.directory", "Find a group"),
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
        ("institutions.index", "Institutions"),
        ("admin.outbox", "Outbox"),
        ("admin.audit_log", "Audit log"),
    ),
    "visitor": (("groups.directory", "Find a group"),),
}
NAV_ENDPOINTS = {endpoint for links in NAV_LINKS.values() for endpoint, _ in links}
PAGES_OF = {"groups.directory": {"groups.listing"}}
"""Pages an entry marks besides its own, ahead of any section."""
SECTIONS = {
    "groups.index": {"groups", "rosters", "rounds", "jobs"},
    "introductions.index": {"introductions"},
    "institutions.index": {"institutions"},
}


def nav_links(roles: Iterable[str] = ("visitor",)) -> list[tuple[str, str]]:
    """The main navigation of an account holding ``roles`` (a visitor's by default):
    (endpoint, label) pairs, each role's links in turn, every page once."""
    links: dict[str, str] = {}
    for role in sorted(roles, key=list(NAV_LINKS).index):
        for endpoint, label in NAV_LINKS[role]:
            links.setdefault(endpoint, label)
    return list(links.items())


def is_current(endpoint: str) -> bool:
    """Whether the page shown belongs to the navigation entry ``endpoint``, so the entry is
    marked ``aria-current``: its own page, or any page of the section it opens that has no
    entry of its own."""
    if request.endpoint == endpoint or request.endpoint in PAGES_OF.get(endpoint, ()):
        return True
    claimed = request.endpoint in NAV_ENDPOINTS or any(
        request.endpoint in pages for pages in PAGES_OF.values()
    )
    return not claimed and request.blueprint in SECTIONS.get(endpoint, ())


def slot_label(value: str) -> str:
    """A seat's name ("faculty" → "Faculty mentor")."""
    return SLOT_LABELS.get(value, value)


def name_of(user_id: int, names: dict[int, str]) -> str:
    """A person's name from a page's ``names`` (id → name), for people since deleted too."""
    return names.get(user_id, "someone no longer here")


def _labeller(enum_cls):
    labels = enum_cls._labels()
    return lambda value: labels.get(value, value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        slot_label=slot_label,
        name_of=name_of,
        goal_label=_labeller(Goal),
        wanted_label=_labeller(WantedMentor),
        stage_label=_labeller(Stage),
    )
    app.jinja_env.globals.update(nav_links=nav_links, is_current=is_current)
