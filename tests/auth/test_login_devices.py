"""Log-in limits with device cookies: guessing from elsewhere never locks out the owner's
browser, a device cookie helps only its own account, and a trusted device is limited too."""

import threading
from http.cookies import SimpleCookie

from matcher.auth.limits import DEVICE_COOKIE
from matcher.models import Role
from tests.helpers import (
    PASSWORD,
    csrf_token,
    dispose,
    logged_in,
    login,
    make_app,
    make_user,
    post_form,
)

WRONG = "not the password at all"


def from_address(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"198.51.100.{n}"}}


def owners_browser(app, user):
    """A browser that logged in to ``user`` before and logged out: it keeps its device cookie."""
    client = logged_in(app, user)
    assert post_form(client, "/logout", page="/").status_code == 302
    return client


def exhaust_untrusted(app, email: str) -> None:
    for n in range(5):
        assert login(app.test_client(), email, WRONG, **from_address(n + 1)).status_code == 200
    assert login(app.test_client(), email, PASSWORD, **from_address(50)).status_code == 429


def test_guessing_from_elsewhere_does_not_lock_out_the_owners_browser(app, student):
    owner = owners_browser(app, student)
    exhaust_untrusted(app, student.email)
    response = login(owner, student.email)
    assert response.status_code == 302
    assert "Welcome, Sam Student" in owner.get("/").get_data(as_text=True)


def test_a_device_cookie_helps_only_the_account_it_was_given_for(app, student, mentor):
    browser = owners_browser(app, student)
    exhaust_untrusted(app, mentor.email)
    assert login(browser, mentor.email).status_code == 429
    copied = app.test_client()
    copied.set_cookie(DEVICE_COOKIE, browser.get_cookie(DEVICE_COOKIE).value)
    assert login(copied, mentor.email).status_code == 429
    assert login(browser, student.email).status_code == 302


def test_a_forged_device_cookie_is_untrusted(app, student):
    owner = owners_browser(app, student)
    value = owner.get_cookie(DEVICE_COOKIE).value
    user_id, nonce, signature = value.split(".")
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, f"{user_id}.{nonce[:-2]}xy.{signature}")
    exhaust_untrusted(app, student.email)
    assert login(forged, student.email).status_code == 429
    assert login(owner, student.email).status_code == 302


def test_wrong_passwords_from_a_trusted_device_are_limited_per_device(app, student):
    device, other_device = owners_browser(app, student), owners_browser(app, student)
    for _ in range(5):
        assert login(device, student.email, WRONG).status_code == 200
    refused = login(device, student.email)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) >= 1
    assert login(other_device, student.email).status_code == 302
    assert login(app.test_client(), student.email, **from_address(9)).status_code == 302


def test_successful_logins_from_a_device_do_not_use_its_allowance(app, student):
    device = owners_browser(app, student)
    for _ in range(7):
        assert login(device, student.email).status_code == 302
        assert post_form(device, "/logout", page="/").status_code == 302


def test_device_cookie_is_long_lived_http_only_same_site_and_secure_by_config(tmp_path):
    for secure in (False, True):
        app = make_app(tmp_path, SESSION_COOKIE_SECURE=secure)
        user = make_user(app, Role.STUDENT, "dev@example.edu")
        client = app.test_client()
        response = login(client, user.email)
        assert response.status_code == 302
        [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("device=")]
        morsel = SimpleCookie(header)[DEVICE_COOKIE]
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"
        assert int(morsel["max-age"]) == app.config["DEVICE_COOKIE_MAX_AGE"] >= 180 * 24 * 3600
        assert bool(morsel["secure"]) is secure
        assert morsel.value.split(".")[0] == str(user.id)
        dispose(app)


def test_concurrent_guesses_for_one_account_get_no_more_than_the_allowance(app, student):
    """Ten wrong passwords sent at once: the allowance is taken before the password is checked,
    in one atomic step, so exactly five are checked and the rest are refused."""
    clients = [app.test_client() for _ in range(10)]
    tokens = [csrf_token(client) for client in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(n: int) -> None:
        start.wait()
        response = clients[n].post(
            "/login",
            data={"csrf_token": tokens[n], "email": student.email, "password": WRONG},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [429] * 5
