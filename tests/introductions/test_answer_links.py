"""The mentor's email: who the student is, and one-click signed, single-use, expiring links."""

from matcher.models import IntroStatus
from tests.helpers import csrf_token, deliver, link_in, logged_in, outbox, post_form


def ask_links(world, smtp_server):
    deliver(world.app)
    [ask] = smtp_server.inbox.to(world.mentor.email)
    body = ask.get_content()
    return ask, body, link_in(body, "/introductions/answer/")


def test_proposing_asks_the_mentor_with_who_the_student_is(world, smtp_server):
    world.propose((world.student, world.mentor))
    deliver(world.app)
    [ask] = smtp_server.inbox.to(world.mentor.email)
    assert ask["Subject"] == "Would you mentor Sam Student? (Derm Interest Group)"
    body = ask.get_content()
    for fact in (
        "Westbrook School of Medicine",
        "MS2",
        "Dermatology",
        "Research involvement, CV and personal-statement review",
        "Melanoma screening research hooked me on dermatology.",
        "Faculty mentor",
    ):
        assert fact in body
    accept = link_in(body, "/introductions/answer/")
    decline = link_in(body.split("Decline:")[1], "/introductions/answer/")
    assert accept != decline
    assert "sam@example.edu" not in body


def test_accept_link_confirms_on_get_and_accepts_on_post(world, smtp_server):
    [intro_id] = world.propose((world.student, world.mentor))
    deliver(world.app)
    body = smtp_server.inbox.to(world.mentor.email)[0].get_content()
    accept = link_in(body, "/introductions/answer/")
    client = world.app.test_client()
    page = client.get(accept)
    assert page.status_code == 200
    assert "Accept Sam Student?" in page.get_data(as_text=True)
    assert world.status(intro_id) is IntroStatus.PROPOSED
    assert client.post(accept).status_code == 400
    assert world.status(intro_id) is IntroStatus.PROPOSED
    done = post_form(client, accept)
    assert done.status_code == 200
    assert "Thank you for mentoring Sam Student" in done.get_data(as_text=True)
    intro = world.intro(intro_id)
    assert intro.status is IntroStatus.ACCEPTED
    assert [e.status for e in intro.events] == [IntroStatus.PROPOSED, IntroStatus.ACCEPTED]
    assert intro.events[-1].actor_id == world.mentor.id

    deliver(world.app)
    [to_student] = smtp_server.inbox.to(world.student.email)
    text = to_student.get_content()
    assert to_student["Subject"] == "Meet your mentor, Dr. Mina Mentor"
    assert "mina@example.org" in text
    assert "Suggested agenda" in text or "suggested agenda" in text
    assert "sends a CV" in text
    assert "Which research projects could a student join" in text
    to_mentor = smtp_server.inbox.to(world.mentor.email)[-1]
    assert "sam@example.edu" in to_mentor.get_content()
    assert "Questions to bring" in to_mentor.get_content()


def test_a_used_link_is_refused_with_a_clear_page(world, smtp_server):
    [intro_id] = world.propose((world.student, world.mentor))
    deliver(world.app)
    body = smtp_server.inbox.to(world.mentor.email)[0].get_content()
    accept = link_in(body, "/introductions/answer/")
    decline = link_in(body.split("Decline:")[1], "/introductions/answer/")
    client = world.app.test_client()
    token = csrf_token(client, accept)
    assert client.post(accept, data={"csrf_token": token}).status_code == 200
    replay = client.post(accept, data={"csrf_token": token})
    assert replay.status_code == 410
    assert "already been used: the introduction is accepted" in replay.get_data(as_text=True)
    late = client.get(decline)
    assert late.status_code == 410
    assert "already been used" in late.get_data(as_text=True)
    assert world.status(intro_id) is IntroStatus.ACCEPTED
    assert len(outbox(world.app, world.student.email)) == 1


def test_forged_and_tampered_links_are_rejected(world, smtp_server):
    world.propose((world.student, world.mentor))
    deliver(world.app)
    body = smtp_server.inbox.to(world.mentor.email)[0].get_content()
    accept = link_in(body, "/introductions/answer/")
    client = world.app.test_client()
    for bad in (accept[:-3] + "abc", "/introductions/answer/not-a-token", accept + "x"):
        page = client.get(bad)
        assert page.status_code == 400
        assert "This link is not valid" in page.get_data(as_text=True)
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("wrong-key", salt="matcher.introduction-answer").dumps(
        {"i": 1, "n": "x", "a": "accept"}
    )
    assert client.get(f"/introductions/answer/{forged}").status_code == 400


def test_links_expire_with_the_request(world, smtp_server, frozen_clock):
    [intro_id] = world.propose((world.student, world.mentor))
    deliver(world.app)
    body = smtp_server.inbox.to(world.mentor.email)[0].get_content()
    accept = link_in(body, "/introductions/answer/")
    frozen_clock.advance(days=14, minutes=1)
    page = world.app.test_client().get(accept)
    assert page.status_code == 410
    assert "This link has expired" in page.get_data(as_text=True)
    assert world.status(intro_id) is IntroStatus.PROPOSED


def test_decline_link_takes_a_reason_shown_to_coordinators_only(world, smtp_server):
    [intro_id] = world.propose((world.student, world.mentor))
    deliver(world.app)
    body = smtp_server.inbox.to(world.mentor.email)[0].get_content()
    decline = link_in(body.split("Decline:")[1], "/introductions/answer/")
    client = world.app.test_client()
    page = client.get(decline)
    assert "Decline Sam Student?" in page.get_data(as_text=True)
    done = post_form(client, decline, {"reason": "On service all autumn"})
    assert done.status_code == 200
    intro = world.intro(intro_id)
    assert intro.status is IntroStatus.DECLINED
    assert intro.decline_reason == "On service all autumn"
    deliver(world.app)
    [to_student] = smtp_server.inbox.to(world.student.email)
    assert "not able to take on a new mentee" in to_student.get_content()
    assert "On service" not in to_student.get_content()
    coordinator_view = logged_in(world.app, world.coordinator).get(f"/introductions/{intro_id}")
    assert "On service all autumn" in coordinator_view.get_data(as_text=True)
    student_view = logged_in(world.app, world.student).get(f"/introductions/{intro_id}")
    assert "On service all autumn" not in student_view.get_data(as_text=True)


def test_the_answer_page_shows_the_student_to_a_logged_out_visitor_uncached(world, smtp_server):
    world.propose((world.student, world.mentor))
    _, _, accept = ask_links(world, smtp_server)
    client = world.app.test_client()
    page = client.get(accept)
    assert page.status_code == 200
    assert "Sam Student" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    done = post_form(client, accept)
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
