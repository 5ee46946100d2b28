"""Log-out and password changes end earlier sessions: a replayed old cookie is useless."""

from tests.helpers import PASSWORD, logged_in, login, post_form

NEW_PASSWORD = "a brand new passphrase"


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    attacker = app.test_client()
    attacker.set_cookie("session", cookie)
    return attacker.get("/account/password")


def test_logout_makes_the_old_cookie_useless(app, student):
    client = logged_in(app, student)
    old_cookie = session_cookie(client)
    assert replay(app, old_cookie).status_code == 200
    response = post_form(client, "/logout", page="/")
    assert response.status_code == 302
    assert replay(app, old_cookie).status_code == 302
    assert client.get("/account/password").status_code == 302


def test_logout_needs_post(app, student):
    client = logged_in(app, student)
    assert client.get("/logout").status_code == 405
    assert client.get("/account/password").status_code == 200


def test_password_change_ends_other_sessions_but_keeps_this_one(app, student):
    laptop = logged_in(app, student)
    phone = logged_in(app, student)
    response = post_form(
        laptop,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/account/password").status_code == 200
    assert phone.get("/account/password").status_code == 302
    assert login(app.test_client(), student.email, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), student.email, PASSWORD).status_code == 200


def test_password_change_needs_the_current_password(app, student):
    client = logged_in(app, student)
    response = post_form(
        client,
        "/account/password",
        {"current_password": "wrong one", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "Your current password is not right." in response.get_data(as_text=True)
    assert login(app.test_client(), student.email, PASSWORD).status_code == 302


def test_session_cookie_flags(app, student):
    client = app.test_client()
    response = login(client, student.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
