"""The email every student gets at publish gives each proposed mentor's answer-by time in the
student's own time zone, named: the evening before in Honolulu for a request that runs out at
09:00 UTC, and the board page names the zone with the time."""

from matcher.extensions import db
from matcher.models import User
from tests.helpers import deliver, logged_in
from tests.helpers.board import flat, page, solve_and_publish


def test_the_answer_by_day_is_the_student_s_own(world, smtp_server):
    ava = world.student("Ava Chen", wanted=("faculty",))
    ben = world.student("Ben Osei", wanted=("faculty",))
    world.mentor("Dr. Ines Okafor", capacity=2)
    with world.app.app_context():
        db.session.get(User, ava.id).time_zone = "Pacific/Honolulu"
        db.session.commit()
    round_id = world.round(slots=("faculty",), name="Autumn round")
    world.enrol(round_id, ava, ben)
    solve_and_publish(world, round_id)
    deliver(world.app)

    [to_ava] = smtp_server.inbox.to(ava.email)
    assert (
        "Dr. Ines Okafor answers by Monday 14 September 2026, 23:00 HST (Pacific/Honolulu)."
    ) in flat(to_ava.get_content())
    [to_ben] = smtp_server.inbox.to(ben.email)
    answer_by = "Dr. Ines Okafor answers by Tuesday 15 September 2026, 09:00 UTC."
    assert answer_by in flat(to_ben.get_content())

    board = page(logged_in(world.app, ava), "/board")
    assert "14 Sep 2026" in board
    assert "HST (Pacific/Honolulu)" in board
