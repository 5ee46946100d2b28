"""Introduction emails and pages give the answer-by date in the reader's own time zone: a
mentor in Honolulu, where the request runs out on the evening before it does in UTC, is asked
to answer a day earlier than a mentor in London, and their page names their zone; a student
says when they met by their own calendar."""

from datetime import UTC, datetime

from matcher.extensions import db
from matcher.models import Introduction, User
from tests.helpers import deliver, logged_in, post_form
from tests.helpers.board import flat, readable


def set_zone(app, user: User, zone: str) -> None:
    with app.app_context():
        db.session.get(User, user.id).time_zone = zone
        db.session.commit()


def test_the_answer_by_date_is_the_mentor_s_own(world, smtp_server):
    sam, tess = world.students
    mina, omar = world.mentors[0], world.mentors[1]
    set_zone(world.app, mina, "Pacific/Honolulu")
    set_zone(world.app, omar, "Europe/London")
    world.propose((sam, mina), (tess, mina), (tess, omar))
    deliver(world.app)

    [to_mina] = smtp_server.inbox.to(mina.email)
    text = flat(to_mina.get_content())
    assert (
        text.count("Please answer by Monday 14 September 2026, 23:00 HST (Pacific/Honolulu).") == 2
    )
    [to_omar] = smtp_server.inbox.to(omar.email)
    assert "by Tuesday 15 September 2026, 10:00 BST (Europe/London)" in flat(to_omar.get_content())

    page = readable(logged_in(world.app, mina).get("/introductions").get_data(as_text=True))
    assert "14 Sep 2026, 23:00 HST (Pacific/Honolulu)" in page


def test_we_met_today_is_today_on_the_student_s_calendar(world, frozen_clock):
    """At 23:30 UTC on 1 September it is already 2 September in Tokyo: a student there met
    today, not in the future, and the form starts at their today."""
    sam, mina = world.students[0], world.mentors[0]
    set_zone(world.app, sam, "Asia/Tokyo")
    [intro_id] = world.propose((sam, mina))
    mentor = logged_in(world.app, mina)
    assert post_form(mentor, f"/introductions/{intro_id}/accept", page="/").status_code == 302
    frozen_clock.advance(hours=14, minutes=30)

    student = logged_in(world.app, sam)
    page = f"/introductions/{intro_id}"
    assert 'value="2026-09-02"' in student.get(page).get_data(as_text=True)
    future = post_form(student, f"{page}/met", {"met_on": "2026-09-03"}, page=page)
    assert future.status_code == 409
    met = post_form(student, f"{page}/met", {"met_on": "2026-09-02"}, page=page)
    assert met.status_code == 302
    with world.app.app_context():
        met_at = db.session.get(Introduction, intro_id).met_at
    assert met_at == datetime(2026, 9, 1, 23, 30, tzinfo=UTC)
