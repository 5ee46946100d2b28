"""Sign-up by emailed confirmation link: the account made only on confirming, links that work
once and expire, roles, password rules, and nothing revealed about registered emails."""

import time

from matcher.extensions import db
from matcher.models import AuditEvent, Role, User
from tests.helpers import PASSWORD, link_in, make_user, outbox, post_form

SENT_PAGE = "/signup/sent"


def signup(client, **fields):
    data = {"name": "Nia Okafor", "email": "Nia.Okafor@Example.edu", "role": "student", **fields}
    return post_form(client, "/signup", data)


def confirm_link(app, email="nia.okafor@example.edu") -> str:
    [message] = outbox(app, email)
    assert message.subject == "Confirm your email to finish signing up to matcher"
    return link_in(message.body_text, "/signup/confirm/")


def choose_password(client, link, password=PASSWORD, confirm=None):
    data = {"password": password, "confirm": confirm or password}
    return post_form(client, link, data)


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(User))


def test_signup_sends_a_confirmation_link_and_makes_no_account_yet(app, client):
    response = signup(client)
    assert response.status_code == 302
    assert response.headers["Location"] == SENT_PAGE
    page = client.get(SENT_PAGE).get_data(as_text=True)
    assert "Check your email" in page
    assert "within 48 hours" in page
    assert user_count(app) == 0
    assert "Hello Nia Okafor" in outbox(app)[0].body_text


def test_confirmation_link_creates_the_account_and_logs_in(app, client):
    signup(client)
    link = confirm_link(app)
    page = client.get(link).get_data(as_text=True)
    assert "Welcome, Nia Okafor" in page
    assert "nia.okafor@example.edu" in page
    response = choose_password(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile/edit"
    assert "Welcome, Nia Okafor" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.email == "nia.okafor@example.edu"
        assert user.roles == {Role.STUDENT}
        assert user.password_hash.startswith("$argon2id$")
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "auth.signup"))
        assert event.actor_id == user.id


def test_confirmation_link_works_once(app, client):
    signup(client)
    link = confirm_link(app)
    choose_password(client, link)
    response = app.test_client().get(link)
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    assert user_count(app) == 1


def test_confirmation_link_expires(app, client, frozen_clock):
    signup(client)
    link = confirm_link(app)
    frozen_clock.advance(hours=47)
    assert client.get(link).status_code == 200
    frozen_clock.advance(hours=2)
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_forged_confirmation_link_is_refused(app, client):
    signup(client)
    link = confirm_link(app)
    response = client.get(link[:-4] + ("aaaa" if not link.endswith("aaaa") else "bbbb"))
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_signup_as_mentor(app, client):
    signup(client, role="mentor")
    choose_password(client, confirm_link(app))
    with app.app_context():
        assert db.session.scalar(db.select(User)).roles == {Role.MENTOR}


def test_signup_cannot_choose_a_privileged_role(app, client):
    for role in ("coordinator", "admin"):
        response = signup(client, role=role)
        assert response.status_code == 400
        assert "Not a valid choice" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_choosing_the_password_rejects_short_and_common_ones_with_inline_errors(app, client):
    signup(client)
    link = confirm_link(app)
    short = choose_password(client, link, "abc123").get_data(as_text=True)
    assert "Use at least 8 characters." in short
    common = choose_password(client, link, "password1").get_data(as_text=True)
    assert "That password is too common" in common
    mismatch = choose_password(client, link, PASSWORD, PASSWORD + "x").get_data(as_text=True)
    assert "The passwords do not match." in mismatch
    assert user_count(app) == 0


def test_long_passwords_and_no_composition_rules(app, client):
    long_password = "all lower case words are fine " * 3
    assert len(long_password) > 64
    signup(client)
    assert choose_password(client, confirm_link(app), long_password).status_code == 302


def test_signup_with_a_registered_email_reveals_nothing(app, client):
    make_user(app, Role.MENTOR, "nia.okafor@example.edu", "Existing")
    fresh = signup(app.test_client(), email="someone.new@example.edu")
    response = signup(client, email="NIA.OKAFOR@example.edu")
    assert response.status_code == fresh.status_code == 302
    assert response.headers["Location"] == fresh.headers["Location"] == SENT_PAGE
    assert user_count(app) == 1
    [notice] = outbox(app, "nia.okafor@example.edu")
    assert notice.subject == "You already have a matcher account"
    assert "already have one" in notice.body_text
    reset = link_in(notice.body_text, "/reset/")
    assert client.get(reset).status_code == 200


def test_signup_takes_about_as_long_for_a_registered_email(app):
    """No timing oracle: both branches do the same work (look-up, signature, one mail). The
    two kinds of address alternate, so a change in the machine's load hits both alike."""
    samples = 9
    for n in range(samples):
        make_user(app, Role.MENTOR, f"known{n}@example.edu", "Known")
    client = app.test_client()
    times: dict[str, list[float]] = {"known": [], "new": []}
    for n in range(samples):
        for side, prefix in enumerate(("known", "new")):
            environ = {"REMOTE_ADDR": f"10.7.{side}.{n + 1}"}
            started = time.perf_counter()
            response = signup(client, email=f"{prefix}{n}@example.edu", environ_base=environ)
            assert response.status_code == 302
            times[prefix].append(time.perf_counter() - started)
    known, new = (sorted(times[k])[samples // 2] for k in ("known", "new"))
    assert 0.5 < known / new < 2


def test_signup_rejects_a_bad_email(client):
    response = signup(client, email="not-an-email")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.get_data(as_text=True)


def test_signup_mails_one_address_at_most_three_times_an_hour(app):
    for attempt in range(3):
        environ = {"REMOTE_ADDR": f"10.1.0.{attempt + 1}"}
        assert signup(app.test_client(), environ_base=environ).status_code == 302
    past_budget = signup(app.test_client(), environ_base={"REMOTE_ADDR": "10.1.0.9"})
    assert past_budget.status_code == 302
    assert past_budget.headers["Location"] == SENT_PAGE
    assert len(outbox(app)) == 3


def test_a_refused_signup_form_does_not_count_against_the_address(app):
    for _ in range(4):
        assert signup(app.test_client(), role="admin").status_code == 400
    assert signup(app.test_client()).status_code == 302
