"""Each person's time zone: chosen at sign-up (the page offers the browser's), changed on the
account page, refused with a clear message when it is not a zone; invited and imported people
start in their group's zone; account emails state their times in the recipient's zone."""

import re

from sqlalchemy import select

from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.models import AuditEvent, InterestGroup, Role, User
from tests.helpers import (
    link_in,
    logged_in,
    make_group,
    make_user,
    outbox,
    post_form,
)

EMAIL = "nia.okafor@example.edu"
PASSWORD = "lanterns over the river"


def zone_of(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User.time_zone).where(User.email == email))


def sign_up(client, **extra):
    data = {"name": "Nia Okafor", "email": EMAIL, "role": "student", **extra}
    return post_form(client, "/signup", data)


def test_the_sign_up_page_offers_every_zone_and_the_browser_s(client):
    page = client.get("/signup").get_data(as_text=True)
    select_tag = re.search(r"<select[^>]*name=\"time_zone\"[^>]*>", page).group(0)
    assert "data-browser-zone" in select_tag
    assert "data-chosen" not in select_tag
    assert '<option selected value="UTC">UTC</option>' in page
    assert '<option value="America/New_York">America/New York</option>' in page
    assert "Dates and times are shown to you in this zone" in page


def test_the_zone_chosen_at_sign_up_is_the_account_s(app, client):
    assert sign_up(client, time_zone="America/Chicago").status_code == 302
    link = link_in(outbox(app, EMAIL)[-1].body_text, "/signup/confirm/")
    response = post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert zone_of(app, EMAIL) == "America/Chicago"


def test_a_sign_up_without_the_field_starts_in_utc(app, client):
    assert sign_up(client).status_code == 302
    link = link_in(outbox(app, EMAIL)[-1].body_text, "/signup/confirm/")
    post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert zone_of(app, EMAIL) == "UTC"


def test_a_sign_up_with_an_unknown_zone_is_refused_clearly(app, client):
    for bad, message in (
        ("Mars/Olympus_Mons", "“Mars/Olympus_Mons” is not a time zone we know"),
        ("", "Choose a time zone."),
        ("Europe/" + "x" * 200, "Field cannot be longer than 64 characters."),
    ):
        response = sign_up(client, time_zone=bad)
        assert response.status_code == 400, bad
        page = response.get_data(as_text=True)
        assert message in page, bad
        assert "data-chosen" in re.search(r"<select[^>]*name=\"time_zone\"[^>]*>", page).group(0)
    assert outbox(app, EMAIL) == []


def test_the_account_page_changes_the_zone(app, student):
    client = logged_in(app, student)
    page = client.get("/account/password").get_data(as_text=True)
    assert "Dates and times are shown to you in <strong>UTC</strong>" in page
    response = post_form(
        client, "/account/time-zone", {"time_zone": "Europe/London"}, page="/account/password"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/password"
    page = client.get("/account/password").get_data(as_text=True)
    assert "Times are now shown in Europe/London." in page
    assert "(Europe/London)</strong>" in page
    assert '<option selected value="Europe/London">Europe/London</option>' in page
    assert zone_of(app, student.email) == "Europe/London"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.time_zone"))
        assert event.target_id == student.id


def test_the_account_page_refuses_an_unknown_zone(app, student):
    client = logged_in(app, student)
    response = post_form(
        client, "/account/time-zone", {"time_zone": "Atlantis/Capital"}, page="/account/password"
    )
    assert response.status_code == 400
    assert "“Atlantis/Capital” is not a time zone we know" in response.get_data(as_text=True)
    assert zone_of(app, student.email) == "UTC"


def test_the_zone_cannot_be_changed_without_logging_in(app, student, client):
    response = post_form(
        client, "/account/time-zone", {"time_zone": "Europe/London"}, page="/login"
    )
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert zone_of(app, student.email) == "UTC"


def test_invited_people_start_in_their_group_s_zone(app, coordinator, frozen_clock):
    group_id = make_group(app, coordinators=(coordinator,))
    client = logged_in(app, coordinator)
    with app.app_context():
        specialty_ids = [s.id for s in db.session.get(InterestGroup, group_id).specialties]
    data = {
        "name": "Derm Interest Group",
        "kind": "school",
        "specialties": [str(i) for i in specialty_ids],
        "join_policy": "open",
        "time_zone": "America/Los_Angeles",
    }
    edit = f"/groups/{group_id}/edit"
    assert "Group&#39;s time zone" in client.get(edit).get_data(as_text=True)
    assert post_form(client, edit, data).status_code in (302, 303)
    with app.app_context():
        group = db.session.get(InterestGroup, group_id)
        assert group.time_zone == "America/Los_Angeles"
        accounts.invite_users(
            [("rae@example.org", "Dr. Rae Resident", Role.MENTOR)],
            template="groups/invitation",
            group=group,
        )
        db.session.commit()
    assert zone_of(app, "rae@example.org") == "America/Los_Angeles"
    body = outbox(app, "rae@example.org")[-1].body_text
    assert "(until Thursday 1 October 2026, 02:00 PDT (America/Los_Angeles))" in body

    refused = post_form(client, edit, {**data, "time_zone": "Nowhere/Land"})
    assert refused.status_code == 400
    assert "“Nowhere/Land” is not a time zone we know" in refused.get_data(as_text=True)


def test_account_emails_state_times_in_the_recipient_s_zone(app, frozen_clock):
    tokyo = make_user(app, Role.STUDENT, "kenji@example.edu", "Kenji Sato")
    client = logged_in(app, tokyo)
    post_form(client, "/account/time-zone", {"time_zone": "Asia/Tokyo"}, page="/account/password")
    post_form(app.test_client(), "/reset", {"email": tokyo.email})
    body = outbox(app, tokyo.email)[-1].body_text
    assert "within one hour (by Tuesday 1 September 2026, 19:00 JST (Asia/Tokyo))" in body

    utc_person = make_user(app, Role.STUDENT, "ola@example.edu", "Ola Utc")
    post_form(app.test_client(), "/reset", {"email": utc_person.email})
    body = outbox(app, utc_person.email)[-1].body_text
    assert "within one hour (by Tuesday 1 September 2026, 10:00 UTC)" in body
