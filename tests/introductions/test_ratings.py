"""Early ratings after the first recorded meeting (on the introduction's page and by an email
from the tick to each side), kept apart from the closing ratings at the end of the cycle."""

from sqlalchemy import select

from matcher.extensions import db
from matcher.models import IntroductionFeedback, IntroStatus, RatingStage
from tests.helpers import deliver, link_in, logged_in, outbox, post_form

SUBJECT = "How did your first meeting go? (Derm Interest Group)"


def ratings(world) -> set[tuple[int, int, RatingStage, int, str]]:
    with world.app.app_context():
        return {
            (f.introduction_id, f.user_id, f.stage, f.rating, f.comment)
            for f in db.session.scalars(select(IntroductionFeedback))
        }


def early_mails(world, address: str) -> list:
    return [m for m in outbox(world.app, address) if m.subject == SUBJECT]


def test_both_sides_are_asked_after_the_first_meeting_and_rate_by_page_or_link(
    world, frozen_clock, smtp_server
):
    intro_id = world.accepted()
    page = f"/introductions/{intro_id}"
    student = logged_in(world.app, world.student)
    assert "How did the first meeting go?" not in student.get(page).get_data(as_text=True)
    before = post_form(student, f"{page}/feedback/early", {"rating": "4"}, page=page)
    assert before.status_code == 409
    assert "Early ratings open once the first meeting is recorded." in before.get_data(as_text=True)
    frozen_clock.advance(days=3)
    world.met(intro_id, frozen_clock.now.date())

    shown = student.get(page).get_data(as_text=True)
    assert 'id="rating-early"' in shown
    assert "How did the first meeting go?" in shown
    assert f'action="/introductions/{intro_id}/feedback/early"' in shown
    sent = post_form(
        student, f"{page}/feedback/early", {"rating": "4", "comment": "Warm start."}, page=page
    )
    assert sent.status_code == 302
    assert sent.headers["Location"] == page
    assert "You rated the first meeting 4 of 5." in student.get(page).get_data(as_text=True)

    report = world.tick()
    assert report.early_rating_asked == 1
    assert world.tick().early_rating_asked == 0
    assert early_mails(world, world.student.email) == []
    [asked] = early_mails(world, world.mentor.email)
    assert world.intro(intro_id).events[-1].note == "Early rating asked of Dr. Mina Mentor"
    deliver(world.app)
    [mail] = [m for m in smtp_server.inbox.to(world.mentor.email) if m["Subject"] == SUBJECT]
    body = mail.get_content()
    assert "Dear Dr. Mina Mentor" in body
    link = link_in(body, "/introductions/")
    assert link == f"{page}/feedback/early"

    mentor = logged_in(world.app, world.mentor)
    form = mentor.get(link).get_data(as_text=True)
    assert "How did the first meeting go?" in form
    assert post_form(mentor, link, {"rating": "0"}).status_code == 400
    long = post_form(mentor, link, {"rating": "3", "comment": "x" * 501})
    assert long.status_code == 400
    assert "Field cannot be longer than 500 characters." in long.get_data(as_text=True)
    assert post_form(mentor, link, {"rating": "3"}).status_code == 302
    again = post_form(mentor, link, {"rating": "2", "comment": "Rescheduled twice."})
    assert again.status_code == 302
    assert ratings(world) == {
        (intro_id, world.student.id, RatingStage.EARLY, 4, "Warm start."),
        (intro_id, world.mentor.id, RatingStage.EARLY, 2, "Rescheduled twice."),
    }
    assert asked.to_addr == world.mentor.email


def test_early_and_closing_ratings_of_one_person_are_kept_apart(world, frozen_clock):
    intro_id = world.accepted()
    page = f"/introductions/{intro_id}"
    frozen_clock.advance(days=2)
    world.met(intro_id, frozen_clock.now.date())
    assert world.tick().early_rating_asked == 1
    student = logged_in(world.app, world.student)
    assert (
        post_form(student, f"{page}/feedback/early", {"rating": "3"}, page=page).status_code == 302
    )
    closed_early = student.get(f"{page}/feedback")
    assert closed_early.status_code == 302

    frozen_clock.advance(days=120)
    assert world.tick().closed == 1
    assert world.status(intro_id) is IntroStatus.COMPLETED
    shown = student.get(page).get_data(as_text=True)
    assert "You rated the first meeting 3 of 5." in shown
    assert "Rate the mentorship" in shown
    late = post_form(student, f"{page}/feedback/early", {"rating": "5"}, page=page)
    assert late.status_code == 409
    assert "give your closing rating instead" in late.get_data(as_text=True)
    assert post_form(student, f"{page}/feedback", {"rating": "5"}).status_code == 302
    assert ratings(world) == {
        (intro_id, world.student.id, RatingStage.EARLY, 3, ""),
        (intro_id, world.student.id, RatingStage.CLOSING, 5, ""),
    }
    assert "You rated this mentorship 5 of 5." in student.get(page).get_data(as_text=True)

    coordinator = logged_in(world.app, world.coordinator)
    seen = coordinator.get(page).get_data(as_text=True)
    assert "<strong>3 of 5</strong> from Sam Student (student), after the first meeting" in seen
    assert "<strong>5 of 5</strong> from Sam Student (student), at the end of the cycle" in seen
    assert coordinator.get(f"{page}/feedback/early").status_code == 403


def test_no_early_request_once_the_cycle_is_over(world, frozen_clock):
    intro_id = world.accepted()
    frozen_clock.advance(days=1)
    world.met(intro_id, frozen_clock.now.date())
    frozen_clock.advance(days=130)
    report = world.tick()
    assert (report.early_rating_asked, report.closed) == (0, 1)
    assert early_mails(world, world.student.email) == []
    assert early_mails(world, world.mentor.email) == []


def test_a_withdrawn_introduction_takes_no_more_ratings(world, frozen_clock):
    intro_id = world.accepted()
    page = f"/introductions/{intro_id}"
    frozen_clock.advance(days=1)
    world.met(intro_id, frozen_clock.now.date())
    student = logged_in(world.app, world.student)
    assert post_form(student, f"{page}/withdraw", {"reason": ""}, page=page).status_code == 302
    refused = post_form(student, f"{page}/feedback/early", {"rating": "4"}, page=page)
    assert refused.status_code == 409
    assert "takes no more ratings" in refused.get_data(as_text=True)
    assert world.tick().early_rating_asked == 0
    assert ratings(world) == set()


def test_a_group_words_the_early_request_itself(world, frozen_clock):
    client = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions/emails/early_rating"
    assert "Early rating, to both" in client.get(url).get_data(as_text=True)
    saved = post_form(
        client,
        url,
        {
            "subject": "First meeting with {mentor_name}?",
            "body": "Hi {recipient_name}, rate it: {feedback_link}",
            "submit": "Save",
        },
    )
    assert saved.status_code == 302
    intro_id = world.accepted()
    frozen_clock.advance(days=1)
    world.met(intro_id, frozen_clock.now.date())
    world.tick()
    [mail] = [
        m
        for m in outbox(world.app, world.student.email)
        if m.subject == "First meeting with Dr. Mina Mentor?"
    ]
    assert f"/introductions/{intro_id}/feedback/early" in mail.body_text


def test_ratings_waiting_are_listed_on_each_sides_pages(world, frozen_clock):
    intro_id = world.accepted()
    page = f"/introductions/{intro_id}"
    student = logged_in(world.app, world.student)
    mentor = logged_in(world.app, world.mentor)
    assert 'id="ratings-due"' not in student.get("/introductions").get_data(as_text=True)
    frozen_clock.advance(days=2)
    world.met(intro_id, frozen_clock.now.date())

    early_link = f'<a href="{page}/feedback/early">How did your first meeting with'
    assert f"{early_link} Dr. Mina Mentor go?</a>" in student.get("/introductions").get_data(
        as_text=True
    )
    assert f"{early_link} Dr. Mina Mentor go?</a>" in student.get("/").get_data(as_text=True)
    for url in ("/introductions", "/"):
        assert f"{early_link} Sam Student go?</a>" in mentor.get(url).get_data(as_text=True)
    post_form(student, f"{page}/feedback/early", {"rating": "4"}, page=page)
    assert 'id="ratings-due"' not in student.get("/introductions").get_data(as_text=True)
    assert 'id="ratings-due"' in mentor.get("/introductions").get_data(as_text=True)

    frozen_clock.advance(days=120)
    world.tick()
    closing_link = f'<a href="{page}/feedback">Rate your mentorship with Dr. Mina Mentor</a>'
    assert closing_link in student.get("/").get_data(as_text=True)
    assert "Rate your mentorship with Sam Student" in mentor.get("/").get_data(as_text=True)
    frozen_clock.advance(days=61)
    assert 'id="ratings-due"' not in student.get("/introductions").get_data(as_text=True)
    assert student.get(f"{page}/feedback").status_code == 200


def test_no_email_to_sides_who_rated_on_the_page_before_the_tick(world, frozen_clock):
    intro_id = world.accepted()
    page = f"/introductions/{intro_id}"
    frozen_clock.advance(days=1)
    world.met(intro_id, frozen_clock.now.date())
    for person in (world.student, world.mentor):
        client = logged_in(world.app, person)
        assert (
            post_form(client, f"{page}/feedback/early", {"rating": "5"}, page=page).status_code
            == 302
        )
    assert world.tick().early_rating_asked == 0
    assert world.tick().early_rating_asked == 0
    assert early_mails(world, world.student.email) == []
    assert early_mails(world, world.mentor.email) == []
    assert world.intro(intro_id).early_rating_sent_at is not None
