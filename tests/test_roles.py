"""Each role sees its own home and only the pages its role allows."""

import pytest

from matcher.models import Role
from tests.helpers import logged_in, make_user

ADMIN_PAGES = ["/admin/users", "/admin/outbox", "/admin/users/1"]
HOME_HEADINGS = {
    Role.STUDENT: "Your board of advisors",
    Role.MENTOR: "Requests waiting for your answer",
    Role.COORDINATOR: "Create a group",
    Role.ADMIN: "Manage people",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_its_home_and_navigation(app, role):
    user = make_user(app, role)
    page = logged_in(app, user).get("/").get_data(as_text=True)
    assert HOME_HEADINGS[role] in page
    assert ('href="/admin/users"' in page) is (role is Role.ADMIN)
    assert 'action="/logout"' in page


@pytest.mark.parametrize("role", [Role.STUDENT, Role.MENTOR, Role.COORDINATOR])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_are_forbidden_to_other_roles(app, role, url):
    client = logged_in(app, make_user(app, role))
    response = client.get(url)
    assert response.status_code == 403
    assert "You do not have access to this page." in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_send_anonymous_visitors_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_open_for_admins(app, admin, url):
    assert logged_in(app, admin).get(url).status_code == 200


def test_landing_page_for_visitors(client):
    page = client.get("/").get_data(as_text=True)
    assert "Build your personal board of advisors" in page
    assert 'href="/signup"' in page
