"""Forms read posted form fields, and files only in file fields."""

import io

from matcher.models import Role
from tests.conftest import csrf_token, logged_in, make_user, post_form


def test_a_file_in_place_of_a_text_field_is_refused_as_missing_text(app):
    client = logged_in(app, make_user(app, Role.ADMIN))
    response = post_form(
        client,
        "/admin/specialties",
        {"name": (io.BytesIO(b"Dermatology"), "name.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def test_a_json_body_is_not_read_as_a_form(app):
    client = logged_in(app, make_user(app, Role.ADMIN))
    token = csrf_token(client, "/admin/specialties")
    for body in ({"name": ["a", 1]}, {"name": 5}, [1, 2], "name"):
        response = client.post("/admin/specialties", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 400


def test_the_roster_upload_still_reads_its_file(app):
    from tests.conftest import make_group

    coordinator = make_user(app, Role.COORDINATOR)
    group = make_group(app, coordinators=(coordinator,))
    client = logged_in(app, coordinator)
    data = b"email,name,role\r\nana@example.edu,Ana Example,student\r\n"
    response = post_form(
        client,
        f"/groups/{group}/roster/import",
        {"file": (io.BytesIO(data), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 303)
