"""Only the group's coordinators and admins reach any roster page."""

import io

import pytest

from matcher.models import Role
from tests.helpers import csrf_token, logged_in, make_user, outbox
from tests.helpers.rosters import csv_bytes, dump, make_group, upload

PAGES = [
    "",
    "students",
    "mentors",
    "students.csv",
    "mentors.csv",
    "import",
    "import/template.csv",
]
ROW = {"email": "new.person@example.edu", "name": "New Person", "role": "student"}


def client_for(app, who, request):
    if who == "anonymous":
        return app.test_client()
    if who == "other_coordinator":
        other = make_user(app, Role.COORDINATOR, "other.coord@example.edu", "Otto Other")
        make_group(app, "Another Group", coordinators=[other])
        return logged_in(app, other)
    return logged_in(app, request.getfixturevalue(who))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("student", 404),
        ("mentor", 404),
        ("other_coordinator", 403),
        ("coordinator", 200),
        ("admin", 200),
    ],
)
def test_roster_pages_are_for_the_groups_coordinators_and_admins(app, group, request, who, status):
    client = client_for(app, who, request)
    for path in PAGES:
        response = client.get(group.url(path))
        expected = 302 if status == 200 and path == "" else status
        assert response.status_code == expected, path
        if who == "anonymous":
            assert "/login" in response.headers["Location"]
        elif expected == 302:
            assert response.headers["Location"].endswith(group.url("students"))


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("student", 404), ("mentor", 404), ("other_coordinator", 403)],
)
def test_only_coordinators_can_import(app, group, request, who, status):
    client = client_for(app, who, request)
    before = dump(app)
    token = csrf_token(client, "/login" if who == "anonymous" else "/")
    response = client.post(
        group.url("import"),
        data={"csrf_token": token, "file": (io.BytesIO(csv_bytes([ROW])), "r.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == status
    assert dump(app) == before
    assert outbox(app, ROW["email"]) == []


def test_admin_can_import(app, group, admin):
    response = upload(logged_in(app, admin), group, csv_bytes([ROW]))
    assert response.status_code == 302
    assert len(outbox(app, ROW["email"])) == 1


@pytest.mark.parametrize("path", ["students", "students.csv", "import"])
def test_a_group_that_does_not_exist_is_404(app, group, coordinator, path):
    client = logged_in(app, coordinator)
    assert client.get(f"/groups/{group.id + 100}/roster/{path}").status_code == 404
