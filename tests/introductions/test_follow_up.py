"""After acceptance: check-in, "we met", thank-you reminder, stalled list, closing, ratings."""

from matcher.models import IntroStatus, MentorType, RematchPolicy
from tests.helpers import deliver, give_mentor_profile, link_in, logged_in, outbox, post_form
from tests.helpers.introductions import report_cells


def accepted(world, student=None, mentor=None) -> int:
    student, mentor = student or world.student, mentor or world.mentor
    [intro_id] = world.propose((student, mentor))
    client = logged_in(world.app, mentor)
    assert post_form(client, f"/introductions/{intro_id}/accept", page="/").status_code == 302
    return intro_id


def test_check_in_we_met_and_thank_you(world, frozen_clock, smtp_server):
    intro_id = accepted(world)
    frozen_clock.advance(days=4)
    assert world.tick().checked_in == 0
    frozen_clock.advance(days=1)
    assert world.tick().checked_in == 1
    assert world.tick().checked_in == 0
    deliver(world.app)
    checkin = smtp_server.inbox.to(world.student.email)[-1]
    assert checkin["Subject"] == "Have you met Dr. Mina Mentor yet?"
    page_link = link_in(checkin.get_content(), "/introductions/")
    student = logged_in(world.app, world.student)
    page = student.get(page_link).get_data(as_text=True)
    assert "Have you met?" in page
    assert "mina@example.org" in page
    future = post_form(
        student, f"/introductions/{intro_id}/met", {"met_on": "2026-12-01"}, page=page_link
    )
    assert future.status_code == 409
    assert "cannot be in the future" in future.get_data(as_text=True)
    garbage = post_form(
        student, f"/introductions/{intro_id}/met", {"met_on": "soon"}, page=page_link
    )
    assert garbage.status_code == 400
    met = post_form(
        student, f"/introductions/{intro_id}/met", {"met_on": "2026-09-05"}, page=page_link
    )
    assert met.status_code == 302
    intro = world.intro(intro_id)
    assert intro.status is IntroStatus.MET
    assert intro.met_at.date().isoformat() == "2026-09-05"
    assert world.tick().thanked == 1
    assert world.tick().thanked == 0
    deliver(world.app)
    thanks = smtp_server.inbox.to(world.student.email)[-1]
    assert thanks["Subject"] == "A thank-you note to Dr. Mina Mentor"


def test_thank_you_waits_a_day_after_a_meeting_today(world, frozen_clock):
    intro_id = accepted(world)
    frozen_clock.advance(days=2)
    post_form(
        logged_in(world.app, world.student),
        f"/introductions/{intro_id}/met",
        {"met_on": frozen_clock.now.date().isoformat()},
        page=f"/introductions/{intro_id}",
    )
    assert world.tick().thanked == 0
    frozen_clock.advance(days=1)
    assert world.tick().thanked == 1


def test_coordinator_sees_stalled_introductions(world, frozen_clock):
    stalled_id = accepted(world)
    met_id = accepted(world, world.students[1], world.mentors[1])
    frozen_clock.advance(days=5)
    world.tick()
    post_form(
        logged_in(world.app, world.students[1]),
        f"/introductions/{met_id}/met",
        {"met_on": frozen_clock.now.date().isoformat()},
        page=f"/introductions/{met_id}",
    )
    coordinator = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions"
    assert "Stalled (0)" in coordinator.get(url).get_data(as_text=True)
    frozen_clock.advance(days=5)
    page = coordinator.get(url).get_data(as_text=True)
    assert "Stalled (1)" in page
    filtered = coordinator.get(url, query_string={"attention": "stalled"}).get_data(as_text=True)
    assert f"/introductions/{stalled_id}" in filtered
    assert f'/introductions/{met_id}"' not in filtered


def test_closing_ratings_and_the_report(world, frozen_clock, smtp_server):
    world.set_group(rematch_policy=RematchPolicy.COORDINATOR)
    give_mentor_profile(world.app, world.mentors[1], mentor_type=MentorType.RESIDENT, pgy=3)
    first = accepted(world)
    second = accepted(world, world.students[1], world.mentors[1])
    [declined] = world.propose((world.students[1], world.mentors[2]))
    post_form(logged_in(world.app, world.mentors[2]), f"/introductions/{declined}/decline", {})
    frozen_clock.advance(days=4)
    post_form(
        logged_in(world.app, world.student),
        f"/introductions/{first}/met",
        {"met_on": frozen_clock.now.date().isoformat()},
        page=f"/introductions/{first}",
    )
    student = logged_in(world.app, world.student)
    early = student.get(f"/introductions/{first}/feedback")
    assert early.status_code == 302
    frozen_clock.advance(days=116)
    report = world.tick()
    assert report.closed == 2
    assert world.tick().closed == 0
    assert world.status(first) is IntroStatus.COMPLETED
    assert world.status(second) is IntroStatus.COMPLETED
    deliver(world.app)
    closing = smtp_server.inbox.to(world.student.email)[-1]
    assert closing["Subject"] == "How was your mentorship? (Derm Interest Group)"
    feedback_url = link_in(closing.get_content(), "/introductions/")
    assert feedback_url == f"/introductions/{first}/feedback"
    assert post_form(student, feedback_url, {"rating": "9"}).status_code == 400
    sent = post_form(student, feedback_url, {"rating": "5", "comment": "Opened research doors."})
    assert sent.status_code == 302
    assert "You rated this mentorship 5 of 5" in student.get(sent.headers["Location"]).get_data(
        as_text=True
    )
    mentor = logged_in(world.app, world.mentor)
    post_form(mentor, feedback_url, {"rating": "4", "comment": ""})
    post_form(
        logged_in(world.app, world.students[1]),
        f"/introductions/{second}/feedback",
        {"rating": "3"},
    )
    refused = post_form(
        logged_in(world.app, world.mentors[2]),
        f"/introductions/{declined}/feedback",
        {"rating": "3"},
        page=f"/introductions/{declined}",
    )
    assert refused.status_code == 409
    assert "Ratings open when the mentorship cycle ends." in refused.get_data(as_text=True)

    page = logged_in(world.app, world.coordinator).get(
        f"/groups/{world.group_id}/introductions/report"
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<strong id="acceptance-rate">67%</strong>' in text
    assert '<strong id="days-to-meeting">4.0</strong>' in text
    assert "Opened research doors." in text
    assert report_cells(text, "ratings-kind-closing", "Faculty") == ["5.00 (1)", "4.00 (1)"]
    assert report_cells(text, "ratings-kind-closing", "Resident") == ["3.00 (1)", "— (0)"]
    assert report_cells(text, "ratings-specialty-closing", "Dermatology") == [
        "4.00 (2)",
        "4.00 (1)",
    ]
    assert len(outbox(world.app, world.mentor.email)) == 3
