"""A student asks a mentor for a seat between rounds: the request page, the email with the
note, the mentor's answer, the first acceptance withdrawing the other requests for the seat,
withdrawing, the tick's reminder and expiry, the coordinators' view and every refusal."""

from sqlalchemy import func, select

from matcher.extensions import db
from matcher.models import Introduction, IntroStatus, Role, Round, RoundStatus
from tests.helpers import (
    give_mentor_profile,
    link_in,
    logged_in,
    make_group,
    make_user,
    outbox,
    post_form,
)
from tests.helpers.board import page


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Introduction))


def test_a_student_asks_a_mentor_from_the_directory(asking):
    mina = asking.mentor
    client = logged_in(asking.app, asking.student)
    directory = client.get("/mentors").get_data(as_text=True)
    assert f'href="/mentors/{mina.id}/request"' in directory
    profile = client.get(f"/people/{mina.id}").get_data(as_text=True)
    assert "Ask Dr. Mina Mentor to mentor you" in profile
    assert f'value="{asking.group_id}:faculty"' in client.get(
        f"/mentors/{mina.id}/request"
    ).get_data(as_text=True)
    form = page(client, f"/mentors/{mina.id}/request")
    assert "Resident or fellow: Dr. Mina Mentor cannot be your resident or fellow" in form
    assert "You have 0 of the 3 open requests Derm Interest Group allows." in form

    sent = asking.ask(mina, note="I loved your talk on melanoma screening.", client=client)
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith("/board#requests")
    [request] = asking.requests()
    assert request.requested
    assert request.round_id is None
    assert request.status is IntroStatus.PROPOSED
    assert (request.mentor_id, request.slot) == (mina.id, "faculty")
    assert request.request_note == "I loved your talk on melanoma screening."
    assert [e.note for e in asking.intro(request.id).events] == ["Asked for by Sam Student"]

    [mail] = outbox(asking.app, mina.email)
    assert mail.subject == "Sam Student asks you to be their Faculty mentor (Derm Interest Group)"
    assert "I loved your talk on melanoma screening." in mail.body_text
    assert "/introductions/answer/" in mail.body_text

    dashboard = page(logged_in(asking.app, mina), "/introductions")
    assert "Sam Student asked you directly: “I loved your talk on melanoma screening.”" in dashboard
    board = page(client, "/board")
    assert "Your open requests (1)" in board
    assert "Dr. Mina Mentor · Faculty mentor · Derm Interest Group" in board
    assert "Proposed: waiting for the mentor's answer" in board
    assert "Your open requests (1)" in page(client, "/introductions")


def test_the_mentor_accepts_by_the_emailed_link(asking):
    mina = asking.mentor
    asking.ask(mina)
    [mail] = outbox(asking.app, mina.email)
    link = link_in(mail.body_text, "/introductions/answer/")
    anonymous = asking.app.test_client()
    assert post_form(anonymous, link).status_code == 200
    [request] = asking.requests()
    assert request.status is IntroStatus.ACCEPTED
    [mail] = outbox(asking.app, asking.student.email)
    assert mail.subject == "Meet your mentor, Dr. Mina Mentor"


def test_the_first_acceptance_withdraws_the_other_requests_for_the_seat(asking):
    mina, omar, pia = asking.mentors
    client = logged_in(asking.app, asking.student)
    for mentor in (mina, omar, pia):
        assert asking.ask(mentor, client=client).status_code == 302
    board = page(client, "/board")
    assert (
        "You asked Dr. Mina Mentor, Dr. Omar Other and Dr. Pia Third for this seat. The first "
        "to accept fills it" in board
    )
    first, second, third = asking.requests()
    omar_client = logged_in(asking.app, omar)
    accepted = post_form(omar_client, f"/introductions/{second.id}/accept", page="/introductions")
    assert accepted.status_code == 302
    statuses = [r.status for r in asking.requests()]
    assert statuses == [IntroStatus.WITHDRAWN, IntroStatus.ACCEPTED, IntroStatus.WITHDRAWN]
    for request in (first, third):
        ended = asking.intro(request.id)
        assert ended.rematched
        assert ended.events[-1].note == "Dr. Omar Other accepted Sam Student for this seat first"
    for mentor in (mina, pia):
        _ask_mail, withdrawn = outbox(asking.app, mentor.email)
        assert withdrawn.subject == "Request withdrawn: Sam Student has found a Faculty mentor"
        assert "Another mentor has\nsince accepted them" in withdrawn.body_text
        assert "Reminder" not in withdrawn.subject
    mina_page = page(logged_in(asking.app, mina), f"/introductions/{first.id}")
    assert "Withdrawn" in mina_page
    assert "Dr. Omar Other accepted Sam Student for this seat first" in mina_page
    late = post_form(
        logged_in(asking.app, mina), f"/introductions/{first.id}/accept", page="/introductions"
    )
    assert late.status_code == 409
    assert "already withdrawn" in late.get_data(as_text=True)
    board = page(client, "/board")
    assert "Your open requests (0)" in board
    assert "Dr. Omar Other" in board


def test_a_student_withdraws_an_open_request(asking):
    mina = asking.mentor
    client = logged_in(asking.app, asking.student)
    asking.ask(mina, client=client)
    [request] = asking.requests()
    other = logged_in(asking.app, asking.students[1])
    assert post_form(other, f"/requests/{request.id}/withdraw", page="/board").status_code == 404
    mentor = logged_in(asking.app, mina)
    assert post_form(mentor, f"/requests/{request.id}/withdraw", page="/").status_code == 403
    done = post_form(
        client, f"/requests/{request.id}/withdraw", {"next": "/introductions"}, page="/board"
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/introductions"
    assert asking.status(request.id) is IntroStatus.WITHDRAWN
    assert "Your request to Dr. Mina Mentor was withdrawn" in page(client, "/introductions")
    assert outbox(asking.app, mina.email)[-1].subject.startswith("Introduction withdrawn")
    again = post_form(client, f"/requests/{request.id}/withdraw", page="/board")
    assert again.status_code == 303
    assert "That request is no longer open: it is withdrawn." in page(client, "/board")


def test_refusals_save_nothing(asking):
    mina, omar, pia = asking.mentors
    client = logged_in(asking.app, asking.student)
    assert asking.ask(mina, client=client).status_code == 302
    before, mails = count(asking.app), len(outbox(asking.app))

    def refused(response, status: int, message: str) -> None:
        assert response.status_code == status, response.get_data(as_text=True)
        assert message in response.get_data(as_text=True)
        assert count(asking.app) == before
        assert len(outbox(asking.app)) == mails

    omar_page = f"/mentors/{omar.id}/request"
    refused(
        asking.ask(mina, client=client, page=omar_page),
        409,
        "You have already asked Dr. Mina Mentor for this seat",
    )
    refused(
        asking.ask(omar, slot="peer", client=client),
        409,
        "That seat is not on your board.",
    )
    refused(
        post_form(client, f"/mentors/{omar.id}/request", {"seat": "nonsense", "note": "Hi"}),
        409,
        "Choose one of the seats listed.",
    )
    refused(
        post_form(client, f"/mentors/{omar.id}/request", {"seat": "99999:faculty", "note": "Hi"}),
        409,
        "You and Dr. Omar Other are not both members of that group",
    )
    refused(
        post_form(client, f"/mentors/{omar.id}/request", {"seat": "1:faculty", "note": ""}),
        400,
        "This field is required.",
    )
    refused(
        post_form(client, f"/mentors/{omar.id}/request", {"seat": "1:faculty", "note": "x" * 501}),
        400,
        "Field cannot be longer than 500 characters.",
    )
    asking.set_group(requests_per_student=1)
    refused(
        asking.ask(omar, client=client, page="/mentors"), 409, "You already have 1 open request in"
    )
    asking.set_group(requests_per_student=3, requests_open=False)
    refused(
        asking.ask(omar, client=client, page="/mentors"),
        409,
        "does not take requests between rounds",
    )
    assert "does not take requests between rounds" in page(client, f"/mentors/{omar.id}/request")
    asking.set_group(requests_open=True)
    asking.set_capacity(pia, 0)
    refused(
        asking.ask(pia, client=client, page=omar_page),
        409,
        "Dr. Pia Third has no free place right now.",
    )


def test_a_filled_seat_cannot_be_asked_for(asking):
    mina, omar, _ = asking.mentors
    asking.accepted(asking.student, mina)
    before = count(asking.app)
    client = logged_in(asking.app, asking.student)
    response = asking.ask(omar, client=client, page="/mentors")
    assert response.status_code == 409
    assert "Your faculty mentor seat in Derm Interest Group is filled: Dr. Mina Mentor." in (
        response.get_data(as_text=True)
    )
    assert count(asking.app) == before
    form = page(client, f"/mentors/{omar.id}/request")
    assert "Faculty mentor: Your faculty mentor seat in Derm Interest Group is filled" in form
    assert "Send the request" not in form


def test_only_members_of_a_shared_group_are_asked(asking):
    outsider = make_user(asking.app, Role.MENTOR, "out@example.org", "Dr. Out Sider")
    give_mentor_profile(asking.app, outsider)
    make_group(asking.app, "Other group", members=(outsider,))
    client = logged_in(asking.app, asking.student)
    assert client.get(f"/mentors/{outsider.id}/request").status_code == 404
    response = post_form(
        client,
        f"/mentors/{asking.mentor.id}/request",
        {"seat": f"{asking.group_id}:faculty", "note": "Hello"},
    )
    assert response.status_code == 302
    sent = post_form(
        client,
        f"/mentors/{outsider.id}/request",
        {"seat": f"{asking.group_id}:faculty", "note": "Hello"},
        page="/board",
    )
    assert sent.status_code == 404
    assert client.get(f"/mentors/{asking.coordinator.id}/request").status_code == 404
    mentor = logged_in(asking.app, asking.mentors[1])
    assert mentor.get(f"/mentors/{asking.mentor.id}/request").status_code == 403
    assert len(asking.requests()) == 1


def test_turning_requests_off_keeps_the_open_ones_running(asking):
    mina, omar, _ = asking.mentors
    asking.ask(mina)
    coordinator = logged_in(asking.app, asking.coordinator)
    settings = page(coordinator, f"/groups/{asking.group_id}/introductions/settings")
    assert "Students may ask mentors directly between rounds" in settings
    saved = post_form(
        coordinator,
        f"/groups/{asking.group_id}/introductions/settings",
        {
            "response_days": "7",
            "rematch_policy": "auto",
            "checkin_days": "5",
            "cycle_days": "120",
            "requests_per_student": "2",
        },
    )
    assert saved.status_code == 302
    group_page = page(coordinator, f"/groups/{asking.group_id}/introductions")
    assert "Students cannot ask mentors directly between rounds: requests are off." in group_page
    assert asking.ask(omar, page="/mentors").status_code == 409
    [request] = asking.requests()
    accepted = post_form(
        logged_in(asking.app, mina), f"/introductions/{request.id}/accept", page="/introductions"
    )
    assert accepted.status_code == 302
    assert asking.status(request.id) is IntroStatus.ACCEPTED
    refused = post_form(
        coordinator,
        f"/groups/{asking.group_id}/introductions/settings",
        {
            "response_days": "7",
            "rematch_policy": "auto",
            "checkin_days": "5",
            "cycle_days": "120",
            "requests_open": "y",
            "requests_per_student": "11",
        },
    )
    assert refused.status_code == 400
    assert "Give a number from 1 to 10." in refused.get_data(as_text=True)


def test_coordinators_see_requests_beside_introductions(asking):
    mina, omar, _ = asking.mentors
    asking.propose((asking.students[1], omar))
    asking.ask(mina, note="Please")
    client = logged_in(asking.app, asking.coordinator)
    group_page = page(client, f"/groups/{asking.group_id}/introductions")
    assert "Made by" in group_page
    assert "Request" in group_page
    assert "Round" in group_page
    assert "with at most 3 open requests each" in group_page
    only = page(client, f"/groups/{asking.group_id}/introductions?origin=request")
    assert "Sam Student" in only
    assert "Tess Student" not in only
    rounds = page(client, f"/groups/{asking.group_id}/introductions?origin=round")
    assert "Tess Student" in rounds
    assert "Sam Student" not in rounds
    with asking.app.app_context():
        db.session.add(
            Round(
                group_id=asking.group_id,
                name="Spring round",
                slots=["faculty"],
                status=RoundStatus.OPEN,
            )
        )
        db.session.commit()
    hint = page(client, f"/groups/{asking.group_id}/introductions")
    assert "Spring round is open: a request takes the seat it asks for" in hint


def test_the_tick_reminds_and_expires_a_request(asking, frozen_clock):
    mina = asking.mentor
    asking.ask(mina)
    [request] = asking.requests()
    frozen_clock.advance(days=7, minutes=1)
    assert asking.tick().reminded == 1
    reminder = outbox(asking.app, mina.email)[-1]
    assert reminder.subject.startswith("Reminder: Sam Student asked you to be their")
    frozen_clock.advance(days=7, minutes=1)
    assert asking.tick().expired == 1
    assert asking.status(request.id) is IntroStatus.EXPIRED
    assert outbox(asking.app, asking.student.email)[-1].subject == (
        "An update on your Faculty mentor introduction"
    )


def test_the_longest_note_is_kept_whole(asking):
    """As long as the column allows, in letters outside ASCII (PostgreSQL counts characters),
    with line breaks: saved whole and shown on the introduction's page."""
    note = ("Ω é Dermatología\r\n" * 40)[:500]
    response = asking.ask(asking.mentor, note=note)
    assert response.status_code == 302
    [request] = asking.requests()
    assert request.request_note == note.strip()
    assert len(request.request_note) >= 490
    shown = page(logged_in(asking.app, asking.mentor), f"/introductions/{request.id}")
    assert "Sam Student's request" in shown
    assert "Ω é Dermatología" in shown
