"""Numbers beyond what the database holds, in paths, page numbers and filters: never a 500."""

import pytest

from matcher.models import Role
from tests.conftest import logged_in, make_user

HUGE = "9" * 30


@pytest.fixture
def admin_client(app):
    return logged_in(app, make_user(app, Role.ADMIN))


@pytest.mark.parametrize(
    "url", [f"/people/{HUGE}", f"/admin/users/{HUGE}", f"/rounds/{HUGE}", f"/groups/{HUGE}"]
)
def test_a_huge_id_in_a_path_is_not_found(admin_client, url):
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/admin/users", "/mentors", "/admin/audit", "/admin/outbox"])
def test_a_huge_page_number_reads_as_the_first_page(admin_client, url):
    assert admin_client.get(f"{url}?page={HUGE}").status_code == 200


def test_a_role_filter_that_is_not_a_role_is_dropped(admin_client):
    assert admin_client.get("/admin/users?role=0").status_code == 200


def test_an_audit_range_to_the_end_of_the_calendar(admin_client):
    response = admin_client.get("/admin/audit?until=9999-12-31&since=9999-12-31")
    assert response.status_code == 200


def test_comparing_with_a_draft_that_does_not_exist(app, coordinator):
    from tests.conftest import make_group
    from tests.rounds.conftest import World

    group = make_group(app, coordinators=(coordinator,))
    world = World(app, group, coordinator)
    round_id = world.round()
    world.enrol(round_id, world.student())
    world.mentor()
    world.solve(round_id)
    client = logged_in(app, coordinator)
    for compare in (HUGE, "-1", "7", "x"):
        response = client.get(f"/rounds/{round_id}/drafts/1?compare={compare}")
        assert response.status_code == 200
