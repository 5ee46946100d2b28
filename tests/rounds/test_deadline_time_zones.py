"""A round's preference deadline across time zones: the coordinator types it in their own zone
(the form names it), it is stored in UTC, the settings page gives it back as typed, and each
student reads it in their own zone, named."""

from datetime import UTC, datetime

from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Round, User
from tests.helpers import logged_in, post_form
from tests.rounds.test_routes import round_form


def set_zone(app, user: User, zone: str) -> None:
    with app.app_context():
        db.session.get(User, user.id).time_zone = zone
        db.session.commit()


def test_a_deadline_typed_in_new_york_is_read_in_tokyo_and_london(app, world, frozen_clock):
    set_zone(app, world.coordinator, "America/New_York")
    kenji = world.student("Kenji Sato")
    set_zone(app, kenji, "Asia/Tokyo")
    olive = world.student("Olive Hart")
    set_zone(app, olive, "Europe/London")
    coordinator = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/rounds/new"

    form_page = coordinator.get(url).get_data(as_text=True)
    assert "Preference deadline, in your time zone (EDT (America/New_York))" in form_page
    response = post_form(
        coordinator,
        url,
        round_form(preference_deadline="2026-09-10T17:00", results_expected_on="2026-09-30"),
    )
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.scalar(select(Round))
        assert round_.preference_deadline == datetime(2026, 9, 10, 21, 0, tzinfo=UTC)
        round_id = round_.id

    settings = coordinator.get(f"/rounds/{round_id}/settings").get_data(as_text=True)
    assert 'value="2026-09-10T17:00"' in settings
    manage = coordinator.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Preferences close 10 Sep 2026, 17:00 EDT (America/New_York)." in manage
    dashboard = coordinator.get(f"/groups/{world.group_id}/dashboard").get_data(as_text=True)
    assert "10 Sep 2026, 17:00 EDT (America/New_York)" in dashboard

    tokyo = logged_in(app, kenji)
    page = tokyo.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "11 Sep 2026, 06:00 JST (Asia/Tokyo)" in page
    assert "You can rank up to five mentors until 11 Sep 2026, 06:00 JST (Asia/Tokyo)." in page
    assert "Preferences close 11 Sep 2026, 06:00 JST (Asia/Tokyo)." in tokyo.get("/").get_data(
        as_text=True
    )

    london = logged_in(app, olive)
    page = london.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "10 Sep 2026, 22:00 BST (Europe/London)" in page


def test_a_deadline_in_the_hour_the_clocks_skip_lands_after_it(app, world, frozen_clock):
    set_zone(app, world.coordinator, "America/New_York")
    frozen_clock.advance(days=180)
    coordinator = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/rounds/new"
    response = post_form(coordinator, url, round_form(preference_deadline="2027-03-14T02:30"))
    assert response.status_code == 302
    with app.app_context():
        deadline = db.session.scalar(select(Round.preference_deadline))
    assert deadline == datetime(2027, 3, 14, 7, 30, tzinfo=UTC)


def test_a_past_deadline_in_the_coordinator_s_zone_is_refused(app, world, frozen_clock):
    """09:00 UTC on 1 September is 05:00 in New York: 04:59 there has passed."""
    set_zone(app, world.coordinator, "America/New_York")
    coordinator = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/rounds/new"
    response = post_form(coordinator, url, round_form(preference_deadline="2026-09-01T04:59"))
    assert response.status_code == 400
    assert "The preference deadline must be in the future." in response.get_data(as_text=True)
    response = post_form(coordinator, url, round_form(preference_deadline="2026-09-01T05:01"))
    assert response.status_code == 302
