"""Every route, for every role, with other people's objects: refused, never another's data.

``WALK`` names, for every endpoint of ``app.url_map``, the objects its URL is filled with (group
A's), the actor who may use it (the positive control) and the actors who must be refused: a
302 to the log-in page for visitors, 403 or 404 for everyone else, with nothing written and
nothing of group A on the page. A new route fails ``test_every_route_is_walked`` until it has
an entry. Every POST also needs a CSRF token, no GET writes to the database, and every page but
a static file is ``Cache-Control: no-store``, logged in or not.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask, url_for

from matcher import create_app
from tests.helpers import CSRF_RE
from tests.helpers.security import MARK, Site

Args = Callable[[Site], dict]


def none(_: Site) -> dict:
    return {}


@dataclass(frozen=True)
class Variant:
    """Other objects the actors must not reach through this route, and how they are refused."""

    actors: tuple[str, ...]
    args: Args
    data: Args = none
    statuses: tuple[int, ...] = (400, 403, 404, 409)


@dataclass(frozen=True)
class Entry:
    owner: str
    refused: tuple[str, ...] = ()
    args: Args = none
    data: Args = none
    ok: tuple[int, ...] = (200,)
    variants: tuple[Variant, ...] = ()
    capability: bool = False


VISITOR = ("anonymous",)
OUTSIDERS = ("anonymous", "student_b", "mentor_b", "coord_b")
NOT_RUNNING_A = (*OUTSIDERS, "student_a", "student_a2", "mentor_a", "mentor_a2")
NOT_IN_INTRO = (*OUTSIDERS, "student_a2", "mentor_a2")
NOT_ADMIN = ("anonymous", "student_a", "mentor_a", "coord_a")
MEMBERS_ONLY = ("anonymous", "coord_b", "coord_a", "admin")


def group_a(s: Site) -> dict:
    return {"group_id": s.ids["group_a"]}


def group_b(s: Site) -> dict:
    return {"group_id": s.ids["group_b"]}


def round_a(s: Site) -> dict:
    return {"round_id": s.ids["round_a"]}


def round_b(s: Site) -> dict:
    return {"round_id": s.ids["round_b"]}


def intro_a(s: Site) -> dict:
    return {"intro_id": s.ids["intro_a"]}


def meeting_a(s: Site) -> dict:
    return {"meeting_id": s.ids["meeting_a"]}


def need_a(s: Site) -> dict:
    return {"group_id": s.ids["group_a"], "kind": "introductions", "item_id": s.ids["need_a"]}


def need_a_in_b(s: Site) -> dict:
    return {"group_id": s.ids["group_b"], "kind": "introductions", "item_id": s.ids["need_a"]}


def seat_a_in_b(s: Site) -> dict:
    return {"group_id": s.ids["group_b"], "kind": "seats", "item_id": s.ids["seat_a"]}


def institution(s: Site) -> dict:
    return {"inst_id": s.ids["institution"]}


def uid(s: Site, actor: str) -> int:
    return s.users[actor].id


def group_coordinator(args: Args = group_a, data: Args = none, **kwargs) -> Entry:
    return Entry("coord_a", NOT_RUNNING_A, args, data, **kwargs)


def round_coordinator(args: Args = round_a, data: Args = none, **kwargs) -> Entry:
    return Entry("coord_a", NOT_RUNNING_A, args, data, **kwargs)


def admin_only(args: Args = none, data: Args = none, **kwargs) -> Entry:
    return Entry("admin", NOT_ADMIN, args, data, **kwargs)


def forged(name: str) -> Variant:
    """The link with its signature changed."""
    return Variant(VISITOR, lambda s: {"token": str(s.ids[name])[:-4] + "AAAA"})


WALK: dict[str, Entry] = {
    # open to everyone
    "static": Entry(
        "anonymous",
        args=lambda s: {"filename": "css/site.css"},
        variants=(Variant(VISITOR, lambda s: {"filename": "../config.py"}, statuses=(404,)),),
    ),
    "main.index": Entry("anonymous"),
    "main.health": Entry("anonymous"),
    "auth.login": Entry("anonymous"),
    "auth.signup": Entry("anonymous"),
    "auth.signup_sent": Entry("anonymous"),
    "auth.reset_request": Entry("anonymous"),
    "auth.confirm_signup": Entry(
        "anonymous",
        args=lambda s: {"token": s.ids["signup_token"]},
        variants=(forged("signup_token"),),
        capability=True,
    ),
    "auth.reset_password": Entry(
        "anonymous",
        args=lambda s: {"token": s.ids["reset_token"]},
        variants=(forged("reset_token"),),
        capability=True,
    ),
    "auth.accept_invitation": Entry(
        "anonymous",
        args=lambda s: {"token": s.ids["invitation_token"]},
        variants=(forged("invitation_token"),),
        capability=True,
    ),
    "auth.renew_invitation": Entry(
        "anonymous",
        args=lambda s: {"token": s.ids["invitation_token"]},
        variants=(forged("invitation_token"),),
        ok=(302,),
        capability=True,
    ),
    "auth.invitation_sent": Entry("anonymous"),
    "introductions.answer": Entry(
        "anonymous",
        args=lambda s: {"token": s.ids["answer_token"]},
        variants=(forged("answer_token"),),
        capability=True,
    ),
    "subscriptions.unsubscribe": Entry(
        "anonymous",
        args=lambda s: {"token": s.ids["unsubscribe_token"]},
        variants=(forged("unsubscribe_token"),),
        capability=True,
    ),
    # one's own account
    "auth.logout": Entry("student_a", VISITOR),
    "auth.change_password": Entry("student_a", VISITOR),
    "auth.time_zone": Entry("student_a", VISITOR),
    "subscriptions.settings": Entry("student_a", VISITOR),
    "profiles.edit": Entry(
        "student_a",
        ("anonymous", "coord_b", "admin"),
        variants=(
            Variant(("anonymous", "coord_b", "admin"), lambda s: {"side": "student"}),
            Variant(("student_a",), lambda s: {"side": "mentor"}, statuses=(404,)),
            Variant(("mentor_a",), lambda s: {"side": "student"}, statuses=(404,)),
        ),
    ),
    "profiles.add_side": Entry(
        "student_a", ("anonymous", "coord_b", "admin"), data=lambda s: {"side": "mentor"}, ok=(303,)
    ),
    "profiles.mine": Entry("student_a", ("anonymous", "coord_b", "admin"), ok=(302,)),
    "profiles.download": Entry("student_a", VISITOR),
    "profiles.delete": Entry("student_a", VISITOR),
    "profiles.directory": Entry("student_a", ("anonymous", "mentor_b", "mentor_a")),
    "profiles.show": Entry(
        "student_a",
        NOT_IN_INTRO,
        lambda s: {"user_id": uid(s, "student_a")},
        variants=(
            Variant(("student_b", "coord_b"), lambda s: {"user_id": uid(s, "mentor_a")}),
            Variant(("mentor_b", "mentor_a2"), lambda s: {"user_id": uid(s, "mentor_a")}),
            Variant(("student_a", "mentor_a"), lambda s: {"user_id": uid(s, "coord_a")}),
        ),
    ),
    "groups.index": Entry("student_a", VISITOR),
    "groups.new": Entry("coord_a", ("anonymous", "student_b", "mentor_b")),
    "groups.join_by_code": Entry(
        "student_b", VISITOR, lambda s: {"code": s.ids["code_a"]}, ok=(302,)
    ),
    "groups.directory": Entry("anonymous"),
    "groups.listing": Entry(
        "anonymous",
        args=group_b,
        variants=(Variant(("anonymous", "student_b", "coord_b"), group_a, statuses=(404,)),),
    ),
    "groups.request_to_join": Entry(
        "student_a",
        VISITOR,
        group_b,
        ok=(303,),
        variants=(Variant(("student_b", "mentor_b"), group_a, statuses=(404,)),),
    ),
    "groups.join": Entry(
        "student_b",
        VISITOR,
        lambda s: {"code": s.ids["code_a"]},
        variants=(Variant(("student_b",), lambda s: {"code": "not-a-code"}, statuses=(404,)),),
        capability=True,
    ),
    "introductions.index": Entry(
        "student_a",
        VISITOR,
        variants=(
            Variant(VISITOR, lambda s: {"side": "student"}),
            Variant(("student_a",), lambda s: {"side": "mentor"}, statuses=(404,)),
            Variant(
                ("mentor_a", "coord_a", "admin"), lambda s: {"side": "student"}, statuses=(404,)
            ),
        ),
    ),
    "board.index": Entry("student_a", ("anonymous", "mentor_a", "coord_a", "admin")),
    "jobs.show": Entry("coord_a", NOT_RUNNING_A, lambda s: {"job_id": s.ids["job"]}),
    "jobs.status": Entry("coord_a", NOT_RUNNING_A, lambda s: {"job_id": s.ids["job"]}),
    # groups
    "groups.answer_invitation": Entry(
        "student_b", VISITOR, lambda s: {**group_a(s), "decision": "accept"}
    ),
    "groups.show": Entry("coord_a", OUTSIDERS, group_a),
    "groups.leave": Entry("student_a", OUTSIDERS, group_a, ok=(302,)),
    "groups.edit": group_coordinator(),
    "groups.dashboard": group_coordinator(),
    "groups.rotate_code": group_coordinator(),
    "groups.add_coordinator": group_coordinator(data=lambda s: {"email": "bert@example.edu"}),
    "groups.remove_coordinator": group_coordinator(
        lambda s: {**group_a(s), "user_id": uid(s, "coord_a")},
        variants=(Variant(("coord_b",), lambda s: {**group_b(s), "user_id": uid(s, "coord_a")}),),
    ),
    "groups.decide": group_coordinator(
        lambda s: {**group_a(s), "membership_id": s.ids["membership_a"], "decision": "approve"},
        variants=(
            Variant(
                ("coord_b",),
                lambda s: {
                    **group_b(s),
                    "membership_id": s.ids["membership_a"],
                    "decision": "approve",
                },
            ),
        ),
    ),
    "groups.remove_member": group_coordinator(
        lambda s: {**group_a(s), "user_id": uid(s, "student_a2")},
        variants=(
            Variant(("coord_b",), lambda s: {**group_b(s), "user_id": uid(s, "student_a2")}),
        ),
    ),
    # rosters
    "rosters.index": group_coordinator(ok=(302,)),
    "rosters.students": group_coordinator(),
    "rosters.mentors": group_coordinator(),
    "rosters.students_csv": group_coordinator(),
    "rosters.mentors_csv": group_coordinator(),
    "rosters.import_template": group_coordinator(),
    "rosters.import_roster": group_coordinator(),
    # introductions
    "introductions.show": Entry("student_a", NOT_IN_INTRO, intro_a),
    "introductions.accept": Entry(
        "mentor_a", (*NOT_IN_INTRO, "student_a", "coord_a"), intro_a, ok=(302,)
    ),
    "introductions.decline": Entry("mentor_a", (*NOT_IN_INTRO, "student_a", "coord_a"), intro_a),
    "introductions.met": Entry(
        "student_a",
        (*NOT_IN_INTRO, "coord_a"),
        intro_a,
        data=lambda s: {"met_on": "2020-01-01"},
    ),
    "introductions.withdraw": Entry("student_a", (*NOT_IN_INTRO, "mentor_a"), intro_a),
    "introductions.feedback": Entry("student_a", (*NOT_IN_INTRO, "coord_a"), intro_a, ok=(302,)),
    "introductions.early_feedback": Entry(
        "student_a", (*NOT_IN_INTRO, "coord_a"), intro_a, ok=(302,)
    ),
    # requests between rounds
    "requests.new": Entry(
        "student_a",
        ("anonymous", "student_b", "mentor_a", "mentor_b", "coord_a", "coord_b", "admin"),
        lambda s: {"user_id": uid(s, "mentor_a")},
        variants=(
            Variant(("student_a",), lambda s: {"user_id": uid(s, "coord_a")}, statuses=(404,)),
            Variant(("student_a",), lambda s: {"user_id": uid(s, "mentor_b")}, statuses=(404,)),
        ),
    ),
    "requests.withdraw": Entry("student_a", (*NOT_IN_INTRO, "mentor_a", "coord_a"), intro_a),
    # meetings
    "meetings.propose": Entry(
        "mentor_a", (*NOT_IN_INTRO, "student_a", "coord_a"), intro_a, ok=(302,)
    ),
    "meetings.show": Entry("student_a", NOT_IN_INTRO, meeting_a),
    "meetings.pick": Entry("student_a", (*NOT_IN_INTRO, "mentor_a", "coord_a"), meeting_a),
    "meetings.booked": Entry(
        "student_a", (*NOT_IN_INTRO, "mentor_a", "coord_a"), meeting_a, ok=(302,)
    ),
    "meetings.move": Entry("student_a", (*NOT_IN_INTRO, "coord_a"), meeting_a),
    "meetings.cancel": Entry("student_a", (*NOT_IN_INTRO, "coord_a"), meeting_a),
    "meetings.held": Entry("student_a", (*NOT_IN_INTRO, "coord_a"), meeting_a),
    "meetings.invite": Entry("student_a", NOT_IN_INTRO, meeting_a),
    "introductions.group_index": group_coordinator(),
    "introductions.group_report": group_coordinator(),
    "introductions.group_report_csv": group_coordinator(),
    "introductions.settings": group_coordinator(),
    "introductions.email_index": group_coordinator(),
    "introductions.email_edit": group_coordinator(lambda s: {**group_a(s), "key": "ask"}),
    "introductions.email_reset": group_coordinator(lambda s: {**group_a(s), "key": "ask"}),
    "introductions.offer": group_coordinator(
        need_a,
        variants=(Variant(("coord_b",), need_a_in_b), Variant(("coord_b",), seat_a_in_b)),
    ),
    "introductions.rematch_one": group_coordinator(
        need_a,
        variants=(Variant(("coord_b",), need_a_in_b), Variant(("coord_b",), seat_a_in_b)),
    ),
    "introductions.dismiss": group_coordinator(
        need_a,
        variants=(Variant(("coord_b",), need_a_in_b), Variant(("coord_b",), seat_a_in_b)),
    ),
    # rounds
    "rounds.index": group_coordinator(),
    "rounds.new": group_coordinator(),
    "groups.audit_log": group_coordinator(),
    "rounds.show": Entry("student_a", OUTSIDERS, round_a),
    "rounds.my_part": Entry("student_a", (*OUTSIDERS, "coord_a", "admin"), round_a),
    "rounds.join": Entry("student_a", (*OUTSIDERS, "mentor_a"), round_a, ok=(303,)),
    "rounds.leave": Entry("student_a", (*OUTSIDERS, "mentor_a"), round_a, ok=(303,)),
    "rounds.preferences": Entry("student_a", (*OUTSIDERS, "mentor_a"), round_a),
    "rounds.likes": Entry("mentor_a", (*OUTSIDERS, "student_a"), round_a),
    "rounds.settings": round_coordinator(),
    "rounds.people": round_coordinator(),
    "rounds.add_all": round_coordinator(),
    "rounds.solve": round_coordinator(),
    "rounds.follow_up": round_coordinator(),
    "rounds.publish": round_coordinator(data=lambda s: {"draft": "1"}),
    "rounds.constrain": round_coordinator(
        data=lambda s: {
            "student_id": uid(s, "student_a"),
            "mentor_id": uid(s, "mentor_a"),
            "kind": "bar",
        },
        variants=(
            Variant(
                ("coord_b",),
                round_b,
                lambda s: {
                    "student_id": uid(s, "student_a"),
                    "mentor_id": uid(s, "mentor_a"),
                    "kind": "bar",
                },
                statuses=(303,),
            ),
        ),
    ),
    "rounds.draft": round_coordinator(lambda s: {**round_a(s), "number": 1}),
    "rounds.export": round_coordinator(lambda s: {**round_a(s), "number": 1}),
    "rounds.blocking": round_coordinator(lambda s: {**round_a(s), "number": 1}),
    "rounds.explain_mentor": round_coordinator(
        lambda s: {**round_a(s), "number": 1, "mentor_id": uid(s, "mentor_a")},
        variants=(
            Variant(
                ("coord_b",),
                lambda s: {**round_b(s), "number": 1, "mentor_id": uid(s, "mentor_a")},
            ),
        ),
    ),
    "rounds.explain": round_coordinator(
        lambda s: {**round_a(s), "number": 1, "student_id": uid(s, "student_a")},
        variants=(
            Variant(
                ("coord_b",),
                lambda s: {**round_b(s), "number": 1, "student_id": uid(s, "student_a")},
            ),
        ),
    ),
    # admin
    "admin.users": admin_only(),
    "admin.invite": admin_only(),
    "admin.user_detail": admin_only(lambda s: {"user_id": uid(s, "student_a")}),
    "admin.change_role": admin_only(
        lambda s: {"user_id": uid(s, "student_a")}, lambda s: {"roles": "student"}, ok=(302,)
    ),
    "admin.change_active": admin_only(
        lambda s: {"user_id": uid(s, "student_a")}, lambda s: {"active": "1"}, ok=(302,)
    ),
    "admin.audit_log": admin_only(),
    "admin.outbox": admin_only(),
    "admin.outbox_message": admin_only(lambda s: {"message_id": s.ids["message"]}),
    "admin.specialties": admin_only(),
    "institutions.index": admin_only(),
    "institutions.new": admin_only(),
    "institutions.edit": admin_only(institution),
    "institutions.confirm": admin_only(institution, ok=(302,)),
    "institutions.merge": admin_only(institution),
    "institutions.affiliate": admin_only(institution),
    "institutions.delete": admin_only(institution, ok=(302,)),
    "institutions.merge_pair": admin_only(),
    "institutions.mark_distinct": admin_only(),
    "institutions.export": admin_only(),
    "institutions.import_list": admin_only(),
    "admin.specialty": admin_only(lambda s: {"specialty_id": s.ids["specialty"]}),
    "admin.add_focus_area": admin_only(lambda s: {"specialty_id": s.ids["specialty"]}),
    "admin.remove_focus_area": admin_only(
        lambda s: {"specialty_id": s.ids["specialty"], "area_id": s.ids["area"]},
        ok=(302,),
        variants=(
            Variant(
                ("admin",),
                lambda s: {"specialty_id": s.ids["specialty"], "area_id": s.ids["other_area"]},
                statuses=(404,),
            ),
        ),
    ),
}


def _rules(app: Flask) -> dict[str, object]:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


APP = create_app({"MATCHER_ENV": "testing", "DATABASE_URL": "sqlite://"})
RULES = _rules(APP)
GETS = sorted(e for e, r in RULES.items() if "GET" in r.methods)
POSTS = sorted(e for e, r in RULES.items() if "POST" in r.methods)
TOKEN_ONLY = sorted(
    e
    for e in POSTS
    if f"{APP.view_functions[e].__module__}.{APP.view_functions[e].__name__}"
    in APP.extensions["csrf"]._exempt_views
)
"""POSTs whose signed token in the URL is the only credential (RFC 8058 one-click
unsubscribe from a mail client): no CSRF token, and a forged token is refused."""


def url(site: Site, endpoint: str, args: dict) -> str:
    with site.app.test_request_context():
        return url_for(endpoint, **args)


def refused(site: Site, actor: str, response, statuses=(403, 404)) -> str | None:
    """Why ``response`` is not a refusal of ``actor`` (None when it is one)."""
    body = response.get_data(as_text=True)
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if MARK in body:
        return f"{response.status_code} showing group A's data"
    location = response.headers.get("Location", "")
    if actor == "anonymous" and response.status_code == 302 and location.startswith("/login"):
        return None
    if response.status_code in statuses:
        return None
    return f"{response.status_code} instead of {statuses}"


def call(client, method: str, path: str, data: dict | None = None):
    """The response, read and closed (static files hold an open file until closed)."""
    response = client.open(path, method=method, data=data)
    response.get_data()
    response.close()
    return response


def send(site: Site, actor: str, method: str, path: str, data: dict | None = None):
    if method == "POST":
        data = {"csrf_token": site.token(actor), **(data or {})}
    return call(site.client(actor), method, path, data)


def walked_rules(site: Site) -> set[str]:
    """The URL rules the walk reaches: each entry's URL and its variants' (an endpoint with
    two URLs reaches its second through a variant)."""
    adapter = APP.url_map.bind("localhost")
    reached = set()
    for endpoint, entry in WALK.items():
        method = "GET" if "GET" in RULES[endpoint].methods else "POST"
        for args in (entry.args, *(v.args for v in entry.variants)):
            path = url(site, endpoint, args(site)).split("?")[0]
            rule, _ = adapter.match(path, method=method, return_rule=True)
            reached.add(rule.rule)
    return reached


def test_every_route_is_walked(site):
    rules = list(APP.url_map.iter_rules())
    assert sorted(set(WALK) ^ {r.endpoint for r in rules}) == []
    assert sorted({r.rule for r in rules} - walked_rules(site)) == []


@pytest.mark.parametrize("endpoint", sorted(WALK))
def test_others_are_refused(site, endpoint):
    entry, rule = WALK[endpoint], RULES[endpoint]
    before = site.snapshot()
    failures = []
    for method in sorted(rule.methods & {"GET", "POST"}):
        checks = [(entry.refused, entry.args, entry.data, (403, 404))]
        checks += [(v.actors, v.args, v.data, v.statuses) for v in entry.variants]
        for actors, args, data, statuses in checks:
            path = url(site, endpoint, args(site))
            for actor in actors:
                why = refused(site, actor, send(site, actor, method, path, data(site)), statuses)
                if why:
                    failures.append(f"{method} {path} as {actor}: {why}")
    assert failures == []
    assert site.snapshot() == before


OUTSIDER_ACTORS = ("anonymous", "student_b", "mentor_b", "coord_b")


@pytest.mark.parametrize("endpoint", [e for e in GETS if not WALK.get(e, Entry("")).capability])
def test_outsiders_never_see_group_a(site, endpoint):
    """Whatever an outsider may open (their own pages included) shows nothing of group A.
    Links that are capabilities (invite codes, emailed tokens) show it to whoever holds them."""
    entry = WALK[endpoint]
    path = url(site, endpoint, entry.args(site))
    for actor in OUTSIDER_ACTORS:
        response = call(site.client(actor), "GET", path)
        assert response.status_code < 500
        assert MARK not in response.get_data(as_text=True), f"GET {path} as {actor}"


@pytest.mark.parametrize("endpoint", GETS)
def test_owner_gets_the_page_and_nothing_is_written(site, endpoint):
    """The positive control, and no GET changes anything (reads of personal data are
    audited, which is intended)."""
    entry = WALK[endpoint]
    path = url(site, endpoint, entry.args(site))
    before = site.snapshot()
    response = call(site.client(entry.owner), "GET", path)
    assert response.status_code in entry.ok, f"GET {path} as {entry.owner}"
    if response.status_code == 302:
        assert not response.headers["Location"].startswith("/login")
    assert site.snapshot() == before


@pytest.mark.parametrize("endpoint", POSTS)
def test_owner_passes_the_access_check(fresh_site, endpoint):
    """The positive control for POST: the owner's request reaches the action (it may still
    refuse an incomplete form, but never with 403, 404 or the log-in page)."""
    entry = WALK[endpoint]
    client = fresh_site.fresh_client(entry.owner)
    path = url(fresh_site, endpoint, entry.args(fresh_site))
    page = "/login" if entry.owner == "anonymous" else "/"
    token = CSRF_RE.search(client.get(page).get_data(as_text=True))
    data = {"csrf_token": token.group(1) or token.group(2), **entry.data(fresh_site)}
    response = call(client, "POST", path, data)
    assert response.status_code not in (403, 404, 405), f"POST {path} as {entry.owner}"
    assert response.status_code < 500
    assert not response.headers.get("Location", "").startswith("/login")


def test_only_token_links_skip_the_csrf_check():
    assert TOKEN_ONLY == ["subscriptions.unsubscribe"]
    assert all(WALK[e].capability and WALK[e].owner == "anonymous" for e in TOKEN_ONLY)


@pytest.mark.parametrize("endpoint", [e for e in POSTS if e not in TOKEN_ONLY])
def test_posts_need_a_csrf_token(site, endpoint):
    entry = WALK[endpoint]
    path = url(site, endpoint, entry.args(site))
    client = site.client(entry.owner)
    other = site.token("mentor_b" if entry.owner == "student_b" else "student_b")
    before = site.snapshot()
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": other}):
        response = call(client, "POST", path, {**data, **entry.data(site)})
        assert response.status_code == 400, f"POST {path} with {data}"
        assert "This form has expired" in response.get_data(as_text=True)
    assert site.snapshot() == before


@pytest.mark.parametrize("endpoint", GETS)
def test_every_page_but_static_files_is_no_store(site, endpoint):
    """Personal data reaches visitors who are not logged in too (an emailed answer link, a
    sign-up to confirm), so no page may be kept by a browser or proxy, logged in or not;
    only static files are shared."""
    entry = WALK[endpoint]
    path = url(site, endpoint, entry.args(site))
    for actor in sorted({"anonymous", entry.owner}):
        response = call(site.client(actor), "GET", path)
        cache = response.headers.get("Cache-Control", "")
        if endpoint == "static":
            assert "no-store" not in cache, f"GET {path} as {actor}"
        else:
            assert cache == "no-store", f"GET {path} as {actor}: {response.status_code}"
