"""The student's board: each wanted seat not started, in a round, not offered, proposed (until
when), searching or waiting for a place (what happens next and when), or filled (since when),
on the board page and the home page."""

from datetime import date

from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.models import (
    Introduction,
    RematchPolicy,
    Role,
    User,
    WaitingSeat,
)
from tests.helpers import logged_in, make_user
from tests.helpers.board import (
    intro_between,
    page,
    set_group,
    set_results_date,
    solve_and_publish,
)


def seat(text: str, label: str) -> str:
    """The part of a board page about one seat (up to the next seat's name)."""
    labels = ["Faculty mentor", "Resident or fellow", "External faculty", "Peer mentor"]
    start = text.index(label)
    ends = [text.find(other, start + len(label)) for other in labels if other != label]
    return text[start : min([e for e in ends if e > 0], default=len(text))]


def test_a_seat_from_not_started_to_a_round_to_proposed_to_filled(world, frozen_clock):
    ava = world.student("Ava Chen", wanted=("faculty", "peer"), goals=("research",))
    ines = world.mentor("Dr. Ines Okafor", capacity=2, offers=("research",))
    client = logged_in(world.app, ava)

    board = page(client, "/board")
    assert "Derm Interest Group" in board
    assert "0 of 2 seats filled" in board
    for label in ("Faculty mentor", "Peer mentor"):
        expected = "Not started What happens next No round is looking for this seat"
        assert expected in seat(board, label)
    assert "Resident or fellow" not in board

    round_id = world.round(slots=("faculty",), name="Autumn faculty round")
    set_results_date(world, round_id, date(2026, 9, 30))
    faculty = seat(page(client, "/board"), "Faculty mentor")
    assert (
        "Autumn faculty round is open and fills this seat: take part to be matched. "
        "Results are expected on 30 Sep 2026." in faculty
    )
    assert "Take part in Autumn faculty round" in faculty
    assert f'href="/rounds/{round_id}"' in client.get("/board").get_data(as_text=True)

    world.enrol(round_id, ava)
    board = page(client, "/board")
    faculty, peer = seat(board, "Faculty mentor"), seat(board, "Peer mentor")
    assert "In a match round What happens next Autumn faculty round looks for your" in faculty
    assert "Results are expected on 30 Sep 2026." in faculty
    assert "You can rank up to five mentors until the round is published." in faculty
    assert "Not offered by this round" in peer
    assert "Autumn faculty round fills faculty mentors only; it does not look for a peer" in peer

    solve_and_publish(world, round_id)
    board = page(client, "/board")
    faculty, peer = seat(board, "Faculty mentor"), seat(board, "Peer mentor")
    assert "Proposed: waiting for the mentor's answer Dr. Ines Okafor" in faculty
    assert "Answers by 15 Sep 2026, 09:00" in faculty
    assert "Why they fit: Works in a specialty on your list" in faculty
    assert "Dr. Ines Okafor answers by 15 Sep 2026. You get an email either way" in faculty
    assert "Not started" in peer

    frozen_clock.advance(days=2)
    intro_id = intro_between(world, ava, ines)
    with world.app.app_context():
        introductions.accept(db.session.get(Introduction, intro_id), db.session.get(User, ines.id))
        db.session.commit()
    board = page(client, "/board")
    faculty = seat(board, "Faculty mentor")
    assert "Filled Dr. Ines Okafor" in faculty
    assert "Since 03 Sep 2026, 09:00" in faculty
    assert "Write to Dr. Ines Okafor to set up a first meeting" in faculty
    assert "1 of 2 seats filled" in board
    assert f'href="/introductions/{intro_id}"' in client.get("/board").get_data(as_text=True)

    home = page(client, "/")
    assert "Your board of advisors" in home
    assert "Derm Interest Group · 1 of 2 filled" in home
    assert "Filled Dr. Ines Okafor" in home


def test_a_declined_seat_is_searched_for_or_waits_for_a_place(world, frozen_clock):
    ava = world.student("Ava Chen", wanted=("faculty",))
    ines = world.mentor("Dr. Ines Okafor", capacity=1)
    round_id = world.round(slots=("faculty",), name="Autumn round")
    world.enrol(round_id, ava)
    [intro_id] = solve_and_publish(world, round_id)
    frozen_clock.advance(days=1)
    with world.app.app_context():
        introductions.decline(db.session.get(Introduction, intro_id), db.session.get(User, ines.id))
        db.session.commit()
    set_group(world, rematch_policy=RematchPolicy.COORDINATOR)
    client = logged_in(world.app, ava)

    faculty = seat(page(client, "/board"), "Faculty mentor")
    assert "Waiting for a place" in faculty
    assert "Dr. Ines Okafor could not take you on (declined on 02 Sep 2026)." in faculty
    assert "No faculty mentor who fits you has a free place right now" in faculty
    assert "coordinators' waiting list" in faculty

    world.mentor("Dr. Tomas Berg", capacity=1)
    faculty = seat(page(client, "/board"), "Faculty mentor")
    assert "Searching" in faculty
    assert "they choose your next faculty mentor from the mentors with a free place" in faculty

    set_group(world, rematch_policy=RematchPolicy.AUTO)
    faculty = seat(page(client, "/board"), "Faculty mentor")
    assert "The site looks for your next faculty mentor automatically" in faculty
    assert "next re-match run (every 5 minutes)" in faculty


def test_a_seat_a_round_left_empty_waits_with_the_reason_and_the_follow_up(world):
    ava = world.student("Ava Chen", wanted=("faculty",))
    world.mentor("Dr. Ines Okafor", capacity=1, specialty="Dermatology")
    first = world.round(slots=("faculty",), name="Autumn round")
    with world.app.app_context():
        db.session.add(
            WaitingSeat(
                group_id=world.group_id,
                student_id=ava.id,
                slot="faculty",
                round_id=first,
                reason="all_full",
            )
        )
        db.session.commit()
    follow_up = world.round(slots=("faculty",), name="Winter follow-up")
    set_results_date(world, follow_up, date(2026, 10, 15))
    client = logged_in(world.app, ava)

    faculty = seat(page(client, "/board"), "Faculty mentor")
    assert "In Autumn round, every faculty mentor who fits you was full" in faculty
    assert "Winter follow-up is open and fills this seat" in faculty
    assert "Results are expected on 15 Oct 2026." in faculty

    world.enrol(follow_up, ava)
    faculty = seat(page(client, "/board"), "Faculty mentor")
    assert "You also take part in Winter follow-up, which fills this seat." in faculty


def test_only_students_have_a_board(world):
    mentor = world.mentor("Ines Okafor")
    assert logged_in(world.app, mentor).get("/board").status_code == 403
    assert logged_in(world.app, world.coordinator).get("/board").status_code == 403
    visitor = world.app.test_client().get("/board")
    assert visitor.status_code == 302
    assert visitor.headers["Location"].startswith("/login")
    loner = make_user(world.app, Role.STUDENT, "loner@example.edu", "Lee Loner")
    assert "You are not in an interest group yet" in page(logged_in(world.app, loner), "/board")
