"""Every form refuses a POST without a valid CSRF token."""

import pytest

from tests.helpers import logged_in

ANONYMOUS_FORMS = ["/signup", "/login", "/reset"]
STUDENT_FORMS = ["/logout", "/account/password"]
ADMIN_FORMS = [
    "/admin/users",
    "/admin/users/{id}/role",
    "/admin/users/{id}/active",
    "/admin/specialties",
    "/admin/specialties/{id}/focus",
]


@pytest.mark.parametrize("url", ANONYMOUS_FORMS)
def test_anonymous_forms_need_a_token(client, url):
    response = client.post(url, data={"email": "a@example.edu", "password": "x" * 10})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", STUDENT_FORMS)
def test_logged_in_forms_need_a_token(app, student, url):
    client = logged_in(app, student)
    assert client.post(url, data={}).status_code == 400
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/account/password").status_code == 200


@pytest.mark.parametrize("url", ADMIN_FORMS)
def test_admin_forms_need_a_token(app, admin, student, url):
    client = logged_in(app, admin)
    assert client.post(url.format(id=student.id), data={"role": "admin"}).status_code == 400


def test_reset_form_needs_a_token(app, client, student):
    from matcher.auth import services
    from matcher.extensions import db
    from matcher.models import User

    with app.app_context():
        token = services.reset_token(db.session.get(User, student.id))
    response = client.post(f"/reset/{token}", data={"password": "x" * 12, "confirm": "x" * 12})
    assert response.status_code == 400
