"""Numbers beyond what the database holds (in paths, page numbers, filters and form fields),
NaN and infinity in decimal fields, and redirect targets that leave the site or break the
header: refused with a 4xx and a message (or ignored where a filter is), never a 500."""

import pytest

from matcher.models import Role
from matcher.urls import LARGEST_ID, whole_number
from tests.helpers import logged_in, make_group, make_user, post_form
from tests.helpers.rounds import World

HUGE = "9" * 30


@pytest.fixture
def admin_client(app):
    return logged_in(app, make_user(app, Role.ADMIN))


@pytest.mark.parametrize("number", [HUGE, str(2**31), str(2**63 - 1)])
@pytest.mark.parametrize("url", ["/people/{}", "/admin/users/{}", "/rounds/{}", "/groups/{}"])
def test_a_huge_id_in_a_path_is_not_found(admin_client, url, number):
    """PostgreSQL's ``integer`` ends at 2**31 - 1: a larger id would fail the query there."""
    assert admin_client.get(url.format(number)).status_code == 404


@pytest.mark.parametrize("url", ["/admin/users", "/mentors", "/admin/audit", "/admin/outbox"])
def test_a_huge_page_number_reads_as_the_first_page(admin_client, url):
    assert admin_client.get(f"{url}?page={HUGE}").status_code == 200


def test_a_role_filter_that_is_not_a_role_is_dropped(admin_client):
    assert admin_client.get("/admin/users?role=0").status_code == 200


def test_an_audit_range_to_the_end_of_the_calendar(admin_client):
    response = admin_client.get("/admin/audit?until=9999-12-31&since=9999-12-31")
    assert response.status_code == 200


def test_comparing_with_a_draft_that_does_not_exist(app, coordinator, solved_round):
    client = logged_in(app, coordinator)
    for compare in (HUGE, "-1", "7", "x"):
        response = client.get(f"/rounds/{solved_round}/drafts/1?compare={compare}")
        assert response.status_code == 200


BEYOND_THE_COLUMN = [str(2**31), str(-(2**31) - 1), str(2**63), HUGE, "9" * 5000]
NOT_FINITE = ["sNaN", "-sNaN", "NaN", "nan", "inf", "-Infinity", "Infinity"]


def test_whole_numbers_are_ascii_digits_an_integer_column_holds():
    assert LARGEST_ID == 2**31 - 1
    assert whole_number(str(LARGEST_ID)) == LARGEST_ID
    assert whole_number(str(-(2**31))) == -(2**31)
    assert whole_number(" 42 ") == 42
    assert whole_number("-3", 0) is None
    for text in (*BEYOND_THE_COLUMN, "²", "٣", "1_000", "0x10", "1.0", "", " ", None, "1e3"):
        assert whole_number(text) is None, text


@pytest.fixture
def solved_round(app, coordinator):
    group = make_group(app, coordinators=(coordinator,))
    world = World(app, group, coordinator)
    round_id = world.round()
    world.enrol(round_id, world.student())
    world.mentor()
    world.solve(round_id)
    return round_id


def rows(app, model) -> int:
    from matcher.extensions import db

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("kind", ["pin", "bar", "remove"])
@pytest.mark.parametrize("field", ["student_id", "mentor_id"])
def test_a_pin_or_bar_beyond_any_id_is_refused(app, coordinator, solved_round, kind, field):
    from matcher.models import RoundConstraint

    client = logged_in(app, coordinator)
    page = f"/rounds/{solved_round}"
    for number in BEYOND_THE_COLUMN:
        data = {"student_id": "1", "mentor_id": "1", "kind": kind, field: number}
        response = post_form(client, f"/rounds/{solved_round}/constraints", data, page=page)
        assert response.status_code == 400, number
        html = response.get_data(as_text=True)
        assert "That pin or bar request was incomplete." in html
        assert "That number is too large." in html or "digits 0-9" in html
    assert rows(app, RoundConstraint) == 0


def test_publishing_a_draft_number_beyond_any_id_is_refused(app, coordinator, solved_round):
    from matcher.models import Introduction

    client = logged_in(app, coordinator)
    page = f"/rounds/{solved_round}"
    for number in [*BEYOND_THE_COLUMN, "²", "0"]:
        response = post_form(
            client, f"/rounds/{solved_round}/publish", {"draft": number}, page=page
        )
        assert response.status_code == 400, number
        assert "Choose a draft to publish." in response.get_data(as_text=True)
    assert rows(app, Introduction) == 0


def round_settings(**overrides) -> dict:
    from matcher.matching import CRITERIA

    return {
        "name": "Autumn round",
        "slots": "faculty",
        "peer_min": "1",
        "peer_max": "2",
        "same_institution": "preferred",
        **{f"w_{name}": "1" for name in CRITERIA},
        **overrides,
    }


@pytest.mark.parametrize("field", ["min_score", "w_specialty", "w_goals"])
def test_round_settings_refuse_numbers_that_are_not_finite(app, coordinator, solved_round, field):
    from matcher.extensions import db
    from matcher.models import Round

    with app.app_context():
        before = dict(db.session.get(Round, solved_round).settings)
    client = logged_in(app, coordinator)
    url = f"/rounds/{solved_round}/settings"
    for value in NOT_FINITE:
        response = post_form(client, url, round_settings(**{field: value}))
        assert response.status_code == 400, value
        html = response.get_data(as_text=True)
        assert "Give a number (not NaN or infinity)." in html, value
    with app.app_context():
        assert db.session.get(Round, solved_round).settings == before
    assert post_form(client, url, round_settings(min_score="0.5")).status_code == 302


@pytest.mark.parametrize("field", ["peer_min", "peer_max"])
def test_round_whole_numbers_beyond_the_column_are_refused(app, coordinator, solved_round, field):
    client = logged_in(app, coordinator)
    url = f"/rounds/{solved_round}/settings"
    for value in [*BEYOND_THE_COLUMN, "٣", "1_0"]:
        response = post_form(client, url, round_settings(**{field: value}))
        assert response.status_code == 400, value
        html = response.get_data(as_text=True)
        assert "That number is too large." in html or "digits 0-9" in html


def test_profile_numbers_beyond_the_column_are_refused(app, mentor):
    client = logged_in(app, mentor)
    for value in BEYOND_THE_COLUMN:
        data = {"capacity": value, "pgy": value, "mentor_type": "resident"}
        response = post_form(client, "/profile/edit", data)
        assert response.status_code == 400
        assert "That number is too large." in response.get_data(as_text=True)


@pytest.mark.parametrize("actor", ["²", "٣", str(2**31), HUGE, "9" * 5000])
def test_an_audit_actor_that_is_no_account_number_is_refused(admin_client, actor):
    response = admin_client.get("/admin/audit", query_string={"actor": actor})
    assert response.status_code == 400
    assert "An account number is written with the digits 0-9" in response.get_data(as_text=True)


def test_an_audit_actor_number_still_filters(app, admin_client):
    from matcher import audit
    from matcher.extensions import db
    from matcher.models import User

    actor = make_user(app, Role.STUDENT, "marked@example.edu")
    with app.app_context():
        audit.record("test.mark", actor=db.session.get(User, actor.id))
        db.session.commit()
    query = {"actor": f" {actor.id} "}
    html = admin_client.get("/admin/audit", query_string=query).get_data(as_text=True)
    assert "test.mark" in html
    with app.app_context():
        assert db.session.scalars(audit.search(actor="²")).all() == []


def test_comparing_with_a_draft_written_in_other_digits(app, coordinator, solved_round):
    client = logged_in(app, coordinator)
    for compare in ("²", "٣", "1_0", "9" * 5000):
        response = client.get(f"/rounds/{solved_round}/drafts/1", query_string={"compare": compare})
        assert response.status_code == 200


BAD_TARGETS = [
    "/rounds/1\r\nSet-Cookie: x=1",
    "/rounds/\n1",
    "/rounds/1\u2028",
    "/rounds/1\x85",
    "/rounds/1\x7f",
    "//evil.example/rounds/",
    "/\\evil.example",
    "https://evil.example/rounds/",
    "rounds/1",
]


def test_a_constraint_goes_back_only_to_a_page_of_this_site(app, coordinator, solved_round):
    from matcher.extensions import db
    from matcher.models import DraftOutcome, RoundDraft

    with app.app_context():
        outcome = db.session.scalars(
            db.select(DraftOutcome).join(RoundDraft).where(RoundDraft.round_id == solved_round)
        ).first()
        pair = {"student_id": outcome.student_id, "mentor_id": outcome.mentor_id or 1}
    client = logged_in(app, coordinator)
    page = f"/rounds/{solved_round}"
    for back in BAD_TARGETS:
        data = {**pair, "kind": "bar", "back": back}
        response = post_form(client, f"/rounds/{solved_round}/constraints", data, page=page)
        assert response.status_code == 303, back
        assert response.headers["Location"] == page, back
    good = f"/rounds/{solved_round}/drafts/1?slot=faculty"
    data = {**pair, "kind": "remove", "back": good}
    response = post_form(client, f"/rounds/{solved_round}/constraints", data, page=page)
    assert response.headers["Location"] == good


def test_safe_next_refuses_every_target_that_could_leave_or_break_the_header():
    from matcher.urls import safe_next

    for target in (*BAD_TARGETS, "", None, "/a\tb", "/a\x00"):
        assert safe_next(target) is None, repr(target)
    assert safe_next("/groups/1?tab=members") == "/groups/1?tab=members"
