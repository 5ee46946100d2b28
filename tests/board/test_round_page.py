"""A student's round page: the seats the round fills and which of theirs it looks for, the
preference deadline, when results are expected and what follows; after publishing, the way to
their board."""

from datetime import UTC, date, datetime

from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.models import Introduction, RematchPolicy, Round, User
from tests.helpers import logged_in
from tests.helpers.board import intro_between, page, set_group, solve_and_publish


def test_the_round_page_says_what_the_round_means_for_the_student(world):
    ava = world.student("Ava Chen", wanted=("faculty", "resident", "peer"))
    world.mentor("Dr. Ines Okafor", capacity=2)
    round_id = world.round(slots=("faculty", "resident"), name="Autumn round")
    with world.app.app_context():
        round_ = db.session.get(Round, round_id)
        round_.preference_deadline = datetime(2026, 9, 10, 17, 0, tzinfo=UTC)
        round_.results_expected_on = date(2026, 9, 30)
        db.session.commit()
    client = logged_in(world.app, ava)

    shown = page(client, f"/rounds/{round_id}")
    assert "What this round means for you" in shown
    assert "Seats it fills Faculty mentor, Resident or fellow" in shown
    assert "Your seats it looks for Faculty mentor, Resident or fellow" in shown
    assert "Not offered by this round Peer mentor 1–2 years ahead" in shown
    assert "Preference deadline 10 Sep 2026, 17:00 UTC" in shown
    assert "Results expected 30 Sep 2026" in shown
    for step in (
        "You can rank up to five mentors until 10 Sep 2026, 17:00 UTC.",
        "Results are expected on 30 Sep 2026.",
        "When the round is published you get one email: the mentor proposed for each seat",
        "Each proposed mentor has 14 days to answer",
        "A seat the round cannot fill goes on the waiting list: the site asks the next mentor "
        "with a free place for you automatically.",
        "This round does not look for your peer mentor.",
    ):
        assert step in shown, step

    set_group(world, rematch_policy=RematchPolicy.COORDINATOR, response_days=5)
    shown = page(client, f"/rounds/{round_id}")
    assert "Each proposed mentor has 10 days to answer" in shown
    assert "your coordinators pick your next mentor from the mentors with a free place" in shown


def test_a_seat_already_filled_and_the_published_round(world):
    ava = world.student("Ava Chen", wanted=("faculty",))
    ines = world.mentor("Dr. Ines Okafor", capacity=1)
    first = world.round(slots=("faculty",), name="Autumn round")
    world.enrol(first, ava)
    solve_and_publish(world, first)
    client = logged_in(world.app, ava)
    shown = page(client, f"/rounds/{first}")
    assert "The round was published on 01 Sep 2026." in shown
    assert "Your board shows each seat" in shown
    assert 'href="/board"' in client.get(f"/rounds/{first}").get_data(as_text=True)

    with world.app.app_context():
        intro = db.session.get(Introduction, intro_between(world, ava, ines))
        introductions.accept(intro, db.session.get(User, ines.id))
        db.session.commit()
    second = world.round(slots=("faculty",), name="Winter round")
    shown = page(client, f"/rounds/{second}")
    assert "Your seats it looks for None of the seats you still need" in shown
    assert "Already on your board Faculty mentor" in shown
    assert "The coordinators have not set a date for the results yet." in shown
