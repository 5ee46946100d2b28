"""Every route, walked as the people who hold several roles: a student who is also a peer
mentor (``peer``) and a student who runs group A and is a plain member of group B (``leader``).

The route walk's table (``tests/security/test_route_walk.py``) gives each endpoint's URL with
group A's objects; ``expected`` says what each of the two gets there, and, for a URL of a group
or round, with group B's instead. Group A's coordinator pages open for the leader and answer
403 with group B's; the peer, who runs nothing, gets 404 for both; pages of other people's
introductions, meetings and jobs are 404; admin pages 403; nothing is ever a server error, and
a refused request writes nothing. Each person's own pages on both sides open as well.
"""

from dataclasses import dataclass

import pytest

from tests.helpers import CSRF_RE
from tests.helpers.security import Site
from tests.security.test_route_walk import GETS, POSTS, RULES, WALK, Entry, call, url

MIXED = ("peer", "leader")
OK = "ok"
"""The endpoint's own answer to its owner (``Entry.ok``): the page opens."""
OPENS = "opens"
"""A page open to anyone logged in (a log-in page sends them home): no refusal."""


def expect(peer: int | str, leader: int | str) -> dict[str, int | str]:
    return {"peer": peer, "leader": leader}


PERSONAL = {
    "auth.change_password": expect(OK, OK),
    "auth.logout": expect(OK, OK),
    "auth.time_zone": expect(OK, OK),
    "subscriptions.settings": expect(OK, OK),
    "profiles.edit": expect(OK, OK),
    "profiles.add_side": expect(303, OK),
    "profiles.mine": expect(OK, OK),
    "profiles.download": expect(OK, OK),
    "profiles.delete": expect(OK, OK),
    "profiles.directory": expect(OK, OK),
    "profiles.show": expect(404, OK),
    "groups.index": expect(OK, OK),
    "groups.new": expect(403, 403),
    "groups.join_by_code": expect(OPENS, OPENS),
    "groups.join": expect(OPENS, OPENS),
    "groups.request_to_join": expect(OK, 303),
    "groups.answer_invitation": expect(303, 303),
    "groups.show": expect(OK, OK),
    "groups.leave": expect(OK, OK),
    "introductions.index": expect(OK, OK),
    "board.index": expect(OK, OK),
    "jobs.show": expect(404, 404),
    "jobs.status": expect(404, 404),
    "introductions.show": expect(404, OK),
    "introductions.accept": expect(404, 403),
    "introductions.decline": expect(404, 403),
    "introductions.met": expect(404, 403),
    "introductions.withdraw": expect(404, OK),
    "introductions.feedback": expect(404, 403),
    "introductions.early_feedback": expect(404, 403),
    "requests.new": expect(OK, OK),
    "requests.withdraw": expect(404, 403),
    "meetings.show": expect(404, OK),
    "meetings.invite": expect(404, OK),
    "meetings.propose": expect(404, 403),
    "meetings.pick": expect(404, 403),
    "meetings.booked": expect(404, 403),
    "meetings.move": expect(404, 403),
    "meetings.cancel": expect(404, 403),
    "meetings.held": expect(404, 403),
    "rounds.show": expect(OK, OK),
    "rounds.my_part": expect(OK, OK),
    "rounds.join": expect(OK, OK),
    "rounds.leave": expect(OK, OK),
    "rounds.preferences": expect(OK, OK),
    "rounds.likes": expect(OK, 403),
}
"""Pages of one's own account, groups, introductions and rounds, with group A's objects
(group A's introduction is another student's with another mentor)."""

IN_GROUP_B = {
    "groups.show": expect(404, OK),
    "groups.leave": expect(404, OK),
    "groups.answer_invitation": expect(303, 303),
    "rounds.show": expect(404, OK),
    "rounds.my_part": expect(404, OK),
    "rounds.join": expect(404, OK),
    "rounds.leave": expect(404, OK),
    "rounds.preferences": expect(404, OK),
    "rounds.likes": expect(404, 403),
}
"""The member pages of a group or round, with group B's: the leader is a plain member there."""

GROUP_B = {"group_id": "group_b", "round_id": "round_b"}
OF_B = "Bravo"
"""In the name of group B and of each of its people: a refusal must not show it."""
OF_GROUP_B = {"groups.listing", "groups.request_to_join"}
"""Endpoints the walk already sends to group B (a listed group)."""


def runs_group_a(entry: Entry) -> bool:
    """A page of running group A: the route walk refuses it to group A's own members."""
    return entry.owner == "coord_a" and "student_a" in entry.refused


def expected(endpoint: str) -> dict[str, int | str]:
    """What the peer and the leader get from the endpoint with group A's objects."""
    entry = WALK[endpoint]
    if endpoint in PERSONAL:
        return PERSONAL[endpoint]
    if entry.owner == "admin":
        return expect(403, 403)
    if entry.owner == "anonymous":
        return expect(OPENS, OPENS)
    if runs_group_a(entry):
        return expect(404, OK)
    raise KeyError(f"no expectation for {endpoint}")


def expected_in_b(endpoint: str) -> dict[str, int | str]:
    """What they get with group B's group or round instead."""
    if runs_group_a(WALK[endpoint]) and endpoint not in PERSONAL:
        return expect(404, 403)
    return IN_GROUP_B[endpoint]


def in_group_b(site: Site, args: dict) -> dict:
    return {k: site.ids[GROUP_B[k]] if k in GROUP_B else v for k, v in args.items()}


def scoped_to_a_group(endpoint: str) -> bool:
    return bool(set(RULES[endpoint].arguments) & set(GROUP_B)) and endpoint not in OF_GROUP_B


@dataclass(frozen=True)
class Check:
    method: str
    path: str
    data: dict
    wanted: int | str
    ok: tuple[int, ...]


def checks(site: Site, endpoint: str, actor: str) -> list[Check]:
    """The requests the walk sends ``actor`` to the endpoint, and what each must answer."""
    entry = WALK[endpoint]
    args = entry.args(site)
    urls = [(url(site, endpoint, args), expected(endpoint)[actor])]
    if scoped_to_a_group(endpoint):
        urls.append((url(site, endpoint, in_group_b(site, args)), expected_in_b(endpoint)[actor]))
    return [
        Check(method, path, entry.data(site), wanted, entry.ok)
        for method in sorted(RULES[endpoint].methods & {"GET", "POST"})
        for path, wanted in urls
    ]


def send(site: Site, actor: str, check: Check):
    """The response, after following a redirect as a browser would (so the message it flashes
    is shown there, not on the next page)."""
    data = {"csrf_token": site.token(actor), **check.data} if check.method == "POST" else None
    response = call(site.client(actor), check.method, check.path, data)
    if 300 <= response.status_code < 400:
        call(site.client(actor), "GET", response.headers["Location"])
    return response


def answered_as_expected(check: Check, response) -> str | None:
    """Why ``response`` is not what ``check`` wants (None when it is)."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if location.startswith("/login"):
        return "sent to the log-in page"
    if (
        isinstance(check.wanted, int)
        and status in (403, 404)
        and OF_B in response.get_data(as_text=True)
    ):
        return f"{status} showing group B's data"
    if check.wanted == OPENS:
        return None if status < 400 else f"{status}, refused"
    if check.wanted == OK:
        return None if status in check.ok else f"{status} instead of {check.ok}"
    return None if status == check.wanted else f"{status} instead of {check.wanted}"


def test_every_endpoint_has_an_expectation():
    for endpoint in WALK:
        assert set(expected(endpoint)) == set(MIXED)
        if scoped_to_a_group(endpoint):
            assert set(expected_in_b(endpoint)) == set(MIXED)


@pytest.mark.parametrize("endpoint", sorted(WALK))
def test_refusals_of_people_with_several_roles(mixed_site, endpoint):
    """Every refusal (and every GET that opens) as the peer and the leader, on one site:
    the expected status, never a server error, nothing written."""
    before = mixed_site.snapshot()
    failures = []
    for actor in MIXED:
        for check in checks(mixed_site, endpoint, actor):
            if check.method == "POST" and check.wanted in (OK, OPENS):
                continue
            why = answered_as_expected(check, send(mixed_site, actor, check))
            if why:
                failures.append(f"{check.method} {check.path} as {actor}: {why}")
    assert failures == []
    assert mixed_site.snapshot() == before


ALLOWED_POSTS = sorted(
    (endpoint, actor)
    for endpoint in POSTS
    for actor in MIXED
    if expected(endpoint)[actor] in (OK, OPENS)
)


@pytest.mark.parametrize(("endpoint", "actor"), ALLOWED_POSTS)
def test_allowed_posts_reach_the_action(fresh_mixed_site, endpoint, actor):
    """The positive control for POST: the request reaches the action (it may still refuse an
    incomplete form, but never with 403, 404, the log-in page or a server error)."""
    site = fresh_mixed_site
    entry = WALK[endpoint]
    client = site.fresh_client(actor)
    token = CSRF_RE.search(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token.group(1) or token.group(2), **entry.data(site)}
    response = call(client, "POST", url(site, endpoint, entry.args(site)), data)
    assert response.status_code not in (403, 404, 405), f"POST {endpoint} as {actor}"
    assert response.status_code < 500
    assert not response.headers.get("Location", "").startswith("/login")


def own(site: Site, actor: str) -> int:
    return site.users[actor].id


OWN_PAGES = [
    ("peer", "/profile/edit/student", 200),
    ("peer", "/profile/edit/mentor", 200),
    ("peer", "/introductions/as-student", 200),
    ("peer", "/introductions/as-mentor", 200),
    ("peer", lambda s: f"/people/{own(s, 'peer')}", 200),
    ("peer", lambda s: f"/introductions/{s.ids['peer_as_student']}", 200),
    ("peer", lambda s: f"/introductions/{s.ids['peer_as_mentor']}", 200),
    ("peer", lambda s: f"/people/{own(s, 'mentor_a2')}", 200),
    ("peer", lambda s: f"/people/{own(s, 'student_a2')}", 200),
    ("peer", lambda s: f"/people/{own(s, 'leader')}", 404),
    ("peer", lambda s: f"/people/{own(s, 'student_b')}", 404),
    ("peer", lambda s: f"/introductions/{s.ids['intro_b']}", 404),
    ("peer", lambda s: f"/rounds/{s.ids['round_a']}/likes", 200),
    ("peer", lambda s: f"/rounds/{s.ids['round_a']}/preferences", 200),
    ("leader", "/profile/edit/student", 200),
    ("leader", "/profile/edit/mentor", 404),
    ("leader", "/introductions/as-student", 200),
    ("leader", "/introductions/as-mentor", 404),
    ("leader", "/board", 200),
    ("leader", lambda s: f"/people/{own(s, 'leader')}", 200),
    ("leader", lambda s: f"/people/{own(s, 'peer')}", 200),
    ("leader", lambda s: f"/introductions/{s.ids['peer_as_mentor']}", 200),
    ("leader", lambda s: f"/people/{own(s, 'student_b')}", 404),
    ("leader", lambda s: f"/people/{own(s, 'coord_b')}", 404),
    ("leader", lambda s: f"/introductions/{s.ids['intro_b']}", 404),
    ("leader", lambda s: f"/groups/{s.ids['group_a']}/dashboard", 200),
    ("leader", lambda s: f"/groups/{s.ids['group_b']}/dashboard", 403),
    ("leader", lambda s: f"/rounds/{s.ids['round_b']}/preferences", 200),
    ("leader", lambda s: f"/rounds/{s.ids['round_b']}/people", 403),
]
"""Each one's own pages on both sides, and the people and introductions next to theirs."""


@pytest.mark.parametrize(("actor", "path", "status"), OWN_PAGES)
def test_own_pages_on_each_side(mixed_site, actor, path, status):
    target = path(mixed_site) if callable(path) else path
    before = mixed_site.snapshot()
    assert mixed_site.client(actor).get(target).status_code == status, f"GET {target}"
    assert mixed_site.snapshot() == before


def test_the_leader_sees_group_b_as_a_plain_member(mixed_site):
    """In group B the leader gets the member's pages, with none of the coordinator's tools."""
    client, ids = mixed_site.client("leader"), mixed_site.ids
    group = client.get(f"/groups/{ids['group_b']}").get_data(as_text=True)
    assert "Invite link" not in group
    assert f'href="/groups/{ids["group_b"]}/dashboard"' not in group
    round_page = client.get(f"/rounds/{ids['round_b']}").get_data(as_text=True)
    assert "You are taking part" in round_page
    assert f'href="/rounds/{ids["round_b"]}/settings"' not in round_page
    own = client.get(f"/rounds/{ids['round_a']}").get_data(as_text=True)
    assert f'href="/rounds/{ids["round_a"]}/settings"' in own
    assert f'href="/rounds/{ids["round_a"]}/my-part"' in own


@pytest.mark.parametrize(
    ("actor", "intro", "action", "status"),
    [
        ("peer", "peer_as_student", "accept", 403),
        ("peer", "peer_as_student", "decline", 403),
        ("peer", "peer_as_mentor", "withdraw", 403),
        ("leader", "peer_as_mentor", "accept", 403),
        ("leader", "intro_b", "accept", 404),
    ],
)
def test_a_side_acts_only_as_that_side(mixed_site, actor, intro, action, status):
    """The peer mentor answers as the mentor of their mentee only, never as the student of
    their own mentor; a coordinator of the group answers for nobody."""
    path = f"/introductions/{mixed_site.ids[intro]}/{action}"
    check = Check("POST", path, {}, status, ())
    before = mixed_site.snapshot()
    assert answered_as_expected(check, send(mixed_site, actor, check)) is None
    assert mixed_site.snapshot() == before


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_the_peer_mentor_answers_their_mentee(fresh_mixed_site, action):
    site = fresh_mixed_site
    path = f"/introductions/{site.ids['peer_as_mentor']}/{action}"
    data = {"reason": "No time this term."} if action == "decline" else {}
    response = send(site, "peer", Check("POST", path, data, OK, (302, 303)))
    assert response.status_code in (302, 303)
    page = site.client("peer").get("/introductions/as-mentor").get_data(as_text=True)
    assert "Accepted" in page or "Declined" in page


def test_allowed_posts_cover_both_people():
    assert {actor for _, actor in ALLOWED_POSTS} == set(MIXED)
    assert ("groups.add_coordinator", "leader") in ALLOWED_POSTS
    assert ("rounds.likes", "peer") in ALLOWED_POSTS
    assert all(endpoint in GETS or endpoint in POSTS for endpoint, _ in ALLOWED_POSTS)
