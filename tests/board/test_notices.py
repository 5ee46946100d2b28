"""Everyone hears at publish, once: each student who took part gets one email listing every
seat they asked for (the mentor proposed, why they fit and when they answer; a seat already on
their board; a seat left empty with the reason and what comes next; a seat the round does not
fill), and students who get nothing are told too."""

from sqlalchemy import delete

from matcher.extensions import db
from matcher.introductions import services as introductions
from matcher.models import Introduction, Membership, RematchPolicy, User
from tests.helpers import deliver, link_in
from tests.helpers.board import flat, intro_between, set_group, solve_and_publish


def test_each_student_who_took_part_gets_one_email_seat_by_seat(world, smtp_server):
    ava = world.student("Ava Chen", wanted=("faculty", "resident", "peer"), goals=("research",))
    ben = world.student("Ben Osei", wanted=("faculty",), specialties=("Neurology",))
    cleo = world.student("Cleo Marsh", wanted=("faculty",))
    dan = world.student("Dan Left", wanted=("faculty",))
    world.mentor("Dr. Ines Okafor", capacity=2, offers=("research",))
    round_id = world.round(slots=("faculty", "resident"), name="Autumn round")
    world.enrol(round_id, ava, ben, dan)
    with world.app.app_context():
        db.session.execute(delete(Membership).where(Membership.user_id == dan.id))
        db.session.commit()
    solve_and_publish(world, round_id)
    deliver(world.app)

    [to_ava] = smtp_server.inbox.to(ava.email)
    assert to_ava["Subject"] == "Autumn round: your board of advisors"
    body = flat(to_ava.get_content())
    assert (
        "Derm Interest Group has published Autumn round. It proposes a mentor for your board of "
        "advisors." in body
    )
    assert (
        "Faculty mentor Proposed: Dr. Ines Okafor (Faculty, Westbrook University Hospital)" in body
    )
    assert "Why they fit: Works in a specialty on your list" in body
    assert (
        "What happens next: Dr. Ines Okafor answers by Tuesday 15 September 2026, 09:00 UTC. "
        "You get an email either way" in body
    )
    assert "Resident or fellow No mentor this time" in body
    assert (
        "Why: Autumn round found no resident or fellow the round's rules allow who had a free "
        "place." in body
    )
    assert (
        "What happens next: The site looks for your next resident or fellow automatically" in body
    )
    assert "Peer mentor 1–2 years ahead Not in this round" in body
    assert (
        "Why: Autumn round fills faculty mentors and residents or fellows only; it does not "
        "look for a peer mentor." in body
    )
    assert link_in(to_ava.get_content(), "/board") == "/board"
    assert "/introductions/answer/" not in body

    [to_ben] = smtp_server.inbox.to(ben.email)
    body = flat(to_ben.get_content())
    assert "It could not propose a mentor for you this time." in body
    assert "Faculty mentor No mentor this time" in body
    assert "Why: Autumn round found no faculty mentor the round's rules allow" in body
    assert smtp_server.inbox.to(cleo.email) == []
    assert smtp_server.inbox.to(dan.email) == []


def test_a_seat_already_on_the_board_and_the_coordinators_list(world, smtp_server):
    ava = world.student("Ava Chen", wanted=("faculty", "resident"))
    ines = world.mentor("Dr. Ines Okafor", capacity=1)
    first = world.round(slots=("faculty",), name="Autumn round")
    world.enrol(first, ava)
    solve_and_publish(world, first)
    with world.app.app_context():
        intro = db.session.get(Introduction, intro_between(world, ava, ines))
        introductions.accept(intro, db.session.get(User, ines.id))
        db.session.commit()
    set_group(world, rematch_policy=RematchPolicy.COORDINATOR)
    second = world.round(slots=("faculty", "resident"), name="Winter round")
    world.enrol(second, ava)
    solve_and_publish(world, second)
    deliver(world.app)

    *_, to_ava = smtp_server.inbox.to(ava.email)
    assert to_ava["Subject"] == "Winter round: your board of advisors"
    body = flat(to_ava.get_content())
    assert "It could not propose a mentor for you this time." in body
    assert "Faculty mentor Already on your board: Dr. Ines Okafor" in body
    assert "Resident or fellow No mentor this time" in body
    assert "You are on your coordinators' waiting list for this seat" in body
    assert [m["Subject"] for m in smtp_server.inbox.to(ava.email)].count(
        "Winter round: your board of advisors"
    ) == 1
