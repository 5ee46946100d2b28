"""The date a round's results are expected: set by the coordinator on the round's form, never in
the past or before the preference deadline, kept through later edits, and shown to students."""

from datetime import date

from sqlalchemy import func, select

from matcher.extensions import db
from matcher.models import Round
from tests.helpers import logged_in, post_form
from tests.helpers.rounds import round_form as new_round_form


def round_form(**overrides) -> dict:
    """The new-round form with a preference deadline, the results date being checked against
    it."""
    return new_round_form(preference_deadline="2026-09-10T17:00", **overrides)


def rounds(app) -> list[Round]:
    with app.app_context():
        found = list(db.session.scalars(select(Round)))
        db.session.expunge_all()
        return found


def test_the_coordinator_sets_a_checked_results_date(app, world, frozen_clock):
    client = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/rounds/new"
    assert "Results expected on" in client.get(url).get_data(as_text=True)
    refused = [
        (round_form(results_expected_on="2026-08-31"), "cannot be in the past"),
        (
            round_form(results_expected_on="2026-09-09"),
            "cannot be before the preference deadline (10 Sep 2026)",
        ),
        (round_form(results_expected_on="30/09/2026"), "Not a valid date value"),
    ]
    for data, message in refused:
        response = post_form(client, url, data)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0

    created = post_form(client, url, round_form(results_expected_on="2026-09-10"))
    assert created.status_code == 302
    [round_] = rounds(app)
    assert round_.results_expected_on == date(2026, 9, 10)
    settings = f"/rounds/{round_.id}/settings"
    assert 'value="2026-09-10"' in client.get(settings).get_data(as_text=True)
    manage = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Students expect results on 10 Sep 2026." in manage

    frozen_clock.advance(days=12)
    kept = post_form(
        client,
        settings,
        round_form(name="Spring round, renamed", results_expected_on="2026-09-10"),
    )
    assert kept.status_code == 302
    moved = post_form(client, settings, round_form(results_expected_on="2026-09-11"))
    assert moved.status_code == 400
    assert "cannot be in the past" in moved.get_data(as_text=True)
    cleared = post_form(client, settings, round_form(results_expected_on=""))
    assert cleared.status_code == 302
    [round_] = rounds(app)
    assert (round_.name, round_.results_expected_on) == ("Spring round", None)


def test_students_and_mentors_see_the_results_date(app, world):
    student = world.student("Ava Chen")
    mentor = world.mentor("Ines Okafor")
    round_id = world.round(name="Spring round")
    with app.app_context():
        db.session.get(Round, round_id).results_expected_on = date(2026, 9, 30)
        db.session.commit()
    for person in (student, mentor):
        client = logged_in(app, person)
        assert "Results expected 30 Sep 2026." in client.get("/").get_data(as_text=True)
        page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
        assert "30 Sep 2026" in page
