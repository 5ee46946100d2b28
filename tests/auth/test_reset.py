"""Password reset by emailed link: works once, expires, refuses forgeries, looks the same for an
unknown email and refuses a common new password."""

from matcher.auth import services
from matcher.extensions import db
from matcher.models import User
from tests.helpers import PASSWORD, link_in, logged_in, login, outbox, post_form

NEW_PASSWORD = "river stones and lanterns"


def ask_for_reset(client, email):
    return post_form(client, "/reset", {"email": email})


def reset_link(app, email) -> str:
    return link_in(outbox(app, email)[-1].body_text, "/reset/")


def test_reset_by_emailed_link(app, client, student):
    other_device = logged_in(app, student)
    response = ask_for_reset(client, "Student@Example.edu")
    assert response.status_code == 302
    link = reset_link(app, student.email)
    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert login(app.test_client(), student.email, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), student.email, PASSWORD).status_code == 200
    assert other_device.get("/account/password").status_code == 302


def test_reset_link_works_once(app, client, student):
    ask_for_reset(client, student.email)
    link = reset_link(app, student.email)
    post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    response = client.get(link)
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)


def test_reset_link_expires(app, client, student, frozen_clock):
    ask_for_reset(client, student.email)
    link = reset_link(app, student.email)
    frozen_clock.advance(minutes=59)
    assert client.get(link).status_code == 200
    frozen_clock.advance(minutes=2)
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_forged_reset_link_is_refused(app, client, student):
    with app.app_context():
        token = services.reset_token(db.session.get(User, student.id))
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(f"/reset/{forged}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_reset_for_unknown_email_looks_the_same_and_sends_nothing(app, client, student):
    known = ask_for_reset(client, student.email)
    unknown = ask_for_reset(client, "nobody@example.edu")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert [m.to_addr for m in outbox(app)] == [student.email]


def test_reset_rejects_a_common_new_password(app, client, student):
    ask_for_reset(client, student.email)
    link = reset_link(app, student.email)
    response = post_form(client, link, {"password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert response.status_code == 400
    assert "too common" in response.get_data(as_text=True)
