"""Invitation links: they last ``INVITATION_MAX_AGE`` (not the reset link's hour), work once,
and from an expired one the invited person asks for a fresh link, rate-limited and without
telling whether an address has an account. The emails state the true lifetime."""

import pytest

from matcher.auth import services
from matcher.extensions import db
from matcher.models import Role, User
from tests.helpers import dispose, link_in, logged_in, login, make_app, outbox, post_form

NEW = "lanterns over the river"
EMAIL = "ines.okafor@westbrook.org"


def invite(app, admin, email: str = EMAIL) -> str:
    client = logged_in(app, admin)
    data = {"name": "Dr. Ines Okafor", "email": email, "role": "mentor"}
    assert post_form(client, "/admin/users", data).status_code == 302
    return link_in(outbox(app, email)[-1].body_text, "/welcome/")


def choose(client, link: str, password: str = NEW):
    return post_form(client, link, {"password": password, "confirm": password})


def test_the_invitation_says_how_long_it_works_and_works_for_weeks(app, admin, frozen_clock):
    link = invite(app, admin)
    body = outbox(app, EMAIL)[-1].body_text
    assert "It works once, for 30 days (until Thursday 1 October 2026, 09:00 UTC)" in body
    assert "hour" not in body
    frozen_clock.advance(days=29, hours=23)
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 200
    assert "Welcome, Dr. Ines Okafor" in page.get_data(as_text=True)
    response = choose(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Your password is set" in client.get("/").get_data(as_text=True)
    assert login(app.test_client(), EMAIL, NEW).status_code == 302


def test_an_invitation_works_once(app, admin):
    link = invite(app, admin)
    assert choose(app.test_client(), link).status_code == 302
    again = app.test_client().get(link)
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    assert "already been used" in page
    assert "/login" in page
    other = "somebody else's choice"
    data = {"password": other, "confirm": other}
    assert post_form(app.test_client(), link, data, page="/login").status_code == 400
    assert login(app.test_client(), EMAIL, NEW).status_code == 302


def test_an_expired_invitation_sends_a_fresh_link_from_its_page(app, admin, frozen_clock):
    link = invite(app, admin)
    frozen_clock.advance(days=30, minutes=1)
    client = app.test_client()
    expired = client.get(link)
    assert expired.status_code == 400
    page = expired.get_data(as_text=True)
    assert "This invitation has expired" in page
    assert "Email me a new link" in page
    response = post_form(client, f"{link}/renew", page=link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/welcome/sent"
    assert "30 days" in client.get("/welcome/sent").get_data(as_text=True)

    [_, fresh] = outbox(app, EMAIL)
    assert fresh.subject == "Your new link to choose a matcher password"
    assert "It works once, for 30 days" in fresh.body_text
    new_link = link_in(fresh.body_text, "/welcome/")
    assert new_link != link
    assert choose(app.test_client(), new_link).status_code == 302
    assert app.test_client().get(new_link).status_code == 400


def test_a_fresh_link_is_rate_limited_per_address(app, admin, frozen_clock):
    link = invite(app, admin)
    frozen_clock.advance(days=31)
    budget = app.config["ACCOUNT_MAILS_PER_HOUR"]
    for n in range(budget + 2):
        client = app.test_client()
        response = post_form(
            client, f"{link}/renew", page=link, environ_base={"REMOTE_ADDR": f"10.9.1.{n}"}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/welcome/sent"
    assert len(outbox(app, EMAIL)) == 1 + budget


def test_renewing_is_limited_per_visitor_address(app, admin, frozen_clock):
    link = invite(app, admin)
    frozen_clock.advance(days=31)
    client = app.test_client()
    statuses = [
        post_form(
            client, f"{link}/renew", page=link, environ_base={"REMOTE_ADDR": "10.9.2.1"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [302] * 10 + [429]


def test_renewing_a_used_or_forged_link_sends_nothing(app, admin):
    link = invite(app, admin)
    choose(app.test_client(), link)
    client = app.test_client()
    token_page = "/login"
    response = post_form(client, f"{link}/renew", page=token_page)
    assert response.status_code == 302
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    refused = post_form(client, f"{forged}/renew", page=token_page)
    assert refused.status_code == 400
    assert "not valid" in refused.get_data(as_text=True)
    assert len(outbox(app, EMAIL)) == 1


def test_a_forged_link_offers_the_email_form(app, admin):
    link = invite(app, admin)
    page = app.test_client().get(link[:-4] + "AAAA")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "not valid" in html
    assert 'action="/reset"' in html


@pytest.mark.parametrize("known", [True, False])
def test_asking_by_email_answers_the_same_and_sends_an_invitation_to_the_invited(app, admin, known):
    invite(app, admin)
    address = EMAIL if known else "nobody@westbrook.org"
    response = post_form(app.test_client(), "/reset", {"email": address})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    mails = outbox(app, address)
    if not known:
        assert mails == []
        return
    again = mails[-1]
    assert again.subject == "Your new link to choose a matcher password"
    assert "/welcome/" in again.body_text
    assert "/reset/" not in again.body_text


def test_a_reset_link_says_its_true_lifetime(app, student, frozen_clock):
    post_form(app.test_client(), "/reset", {"email": student.email})
    body = outbox(app, student.email)[-1].body_text
    assert "within one hour (by Tuesday 1 September 2026, 10:00 UTC)" in body
    page = app.test_client().get("/reset").get_data(as_text=True)
    assert "it works once, for one hour" in page
    assert "which works for 30 days" in page


def test_signing_up_with_an_invited_address_sends_the_invitation_again(app, admin):
    invite(app, admin)
    post_form(
        app.test_client(),
        "/signup",
        {"name": "Ines Okafor", "email": EMAIL, "role": "mentor"},
    )
    again = outbox(app, EMAIL)[-1]
    assert "/welcome/" in again.body_text


def test_a_switched_off_account_cannot_use_its_invitation(app, admin):
    link = invite(app, admin)
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(email=EMAIL)).active = False
        db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 400
    assert "switched off" in response.get_data(as_text=True)


def test_the_invitation_age_is_its_own_setting(tmp_path, frozen_clock):
    app = make_app(tmp_path, INVITATION_MAX_AGE=2 * 86400, PASSWORD_RESET_MAX_AGE=600)
    try:
        with app.app_context():
            services.invite_user(EMAIL, "Dr. Ines Okafor", Role.MENTOR)
            db.session.commit()
        body = outbox(app, EMAIL)[-1].body_text
        assert "It works once, for 2 days" in body
        link = link_in(body, "/welcome/")
        frozen_clock.advance(days=1, hours=23)
        assert app.test_client().get(link).status_code == 200
        frozen_clock.advance(hours=2)
        assert app.test_client().get(link).status_code == 400
    finally:
        dispose(app)


def test_an_account_with_a_password_gets_a_reset_link_not_an_invitation(app, student):
    post_form(app.test_client(), "/reset", {"email": student.email})
    [mail] = outbox(app, student.email)
    assert mail.subject == "Reset your matcher password"
