"""Time-driven work: one reminder, expiry after the second message, re-matching, nothing twice."""

import threading

from matcher.extensions import db
from matcher.models import IntroStatus, OutboxMessage, RematchPolicy
from tests.helpers import deliver, hidden_fields, link_in, logged_in, outbox, post_form


def subjects(app, to_addr):
    return [m.subject for m in outbox(app, to_addr)]


def test_one_reminder_after_the_response_days_then_expiry(world, frozen_clock, smtp_server):
    world.set_group(rematch_policy=RematchPolicy.COORDINATOR)
    [intro_id] = world.propose((world.student, world.mentor))
    frozen_clock.advance(days=6, hours=23)
    assert world.tick().reminded == 0
    frozen_clock.advance(hours=1)
    assert world.tick().reminded == 1
    assert world.tick().reminded == 0
    assert subjects(world.app, world.mentor.email) == [
        "Would you mentor Sam Student? (Derm Interest Group)",
        "Reminder: would you mentor Sam Student? (Derm Interest Group)",
    ]
    deliver(world.app)
    reminder = smtp_server.inbox.to(world.mentor.email)[-1].get_content()
    assert "last message" in reminder
    assert (
        world.app.test_client().get(link_in(reminder, "/introductions/answer/")).status_code == 200
    )
    frozen_clock.advance(days=6)
    report = world.tick()
    assert (report.reminded, report.expired) == (0, 0)
    frozen_clock.advance(days=1)
    assert world.tick().expired == 1
    assert world.tick().expired == 0
    intro = world.intro(intro_id)
    assert intro.status is IntroStatus.EXPIRED
    assert [e.note for e in intro.events][-2:] == [
        "Reminder sent to the mentor",
        "No answer after the request and one reminder",
    ]
    assert subjects(world.app, world.student.email) == [
        "An update on your Faculty mentor introduction"
    ]
    assert len(outbox(world.app, world.mentor.email)) == 2
    page = world.app.test_client().get(link_in(reminder, "/introductions/answer/"))
    assert page.status_code == 410


def test_reminder_time_follows_the_group_setting(world, frozen_clock):
    world.set_group(response_days=3)
    world.propose((world.student, world.mentor))
    frozen_clock.advance(days=3)
    assert world.tick().reminded == 1


def test_expired_student_is_rematched_automatically(world, frozen_clock, smtp_server):
    [intro_id] = world.propose((world.student, world.mentor))
    frozen_clock.advance(days=7)
    world.tick()
    frozen_clock.advance(days=7)
    report = world.tick()
    assert (report.expired, report.rematched) == (1, 1)
    intros = world.intros()
    assert len(intros) == 2
    new = intros[-1]
    assert (new.student_id, new.slot, new.status) == (
        world.student.id,
        "faculty",
        IntroStatus.PROPOSED,
    )
    assert new.mentor_id in {world.mentors[1].id, world.mentors[2].id}
    assert world.intro(intro_id).rematched
    assert world.tick().rematched == 0
    deliver(world.app)
    new_mentor = next(m for m in world.mentors if m.id == new.mentor_id)
    [ask] = smtp_server.inbox.to(new_mentor.email)
    assert "Would you mentor Sam Student?" in ask["Subject"]


def test_declined_student_is_rematched_never_to_the_same_mentor(world, frozen_clock):
    [intro_id] = world.propose((world.student, world.mentor))
    client = logged_in(world.app, world.mentor)
    post_form(client, f"/introductions/{intro_id}/decline", {"reason": ""})
    assert world.tick().rematched == 1
    second = world.intros()[-1]
    assert second.mentor_id != world.mentor.id
    mentor2 = next(m for m in world.mentors if m.id == second.mentor_id)
    post_form(logged_in(world.app, mentor2), f"/introductions/{second.id}/decline", {"reason": ""})
    assert world.tick().rematched == 1
    third = world.intros()[-1]
    assert third.mentor_id not in {world.mentor.id, mentor2.id}
    mentor3 = next(m for m in world.mentors if m.id == third.mentor_id)
    post_form(logged_in(world.app, mentor3), f"/introductions/{third.id}/decline", {"reason": ""})
    assert world.tick().rematched == 0
    coordinator = logged_in(world.app, world.coordinator)
    page = coordinator.get(f"/groups/{world.group_id}/introductions").get_data(as_text=True)
    assert "Waiting list (1)" in page


def test_coordinator_policy_puts_the_student_on_the_list(world, frozen_clock, smtp_server):
    world.set_group(rematch_policy=RematchPolicy.COORDINATOR)
    [intro_id] = world.propose((world.student, world.mentor))
    post_form(logged_in(world.app, world.mentor), f"/introductions/{intro_id}/decline", {})
    assert world.tick().rematched == 0
    assert len(world.intros()) == 1
    coordinator = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions"
    page = coordinator.get(url).get_data(as_text=True)
    assert "Waiting list (1)" in page
    assert "Dr. Omar Other" in page
    assert world.mentor.name not in page.split('id="stalled"')[0].split("<select")[1]
    bad = post_form(
        coordinator, f"{url}/{intro_id}/offer", {f"n{intro_id}-mentor": world.mentor.id}, page=url
    )
    assert bad.status_code == 400
    stale = hidden_fields(coordinator, url)
    offered = post_form(
        coordinator,
        f"{url}/{intro_id}/offer",
        {f"n{intro_id}-mentor": world.mentors[1].id},
        page=url,
    )
    assert offered.status_code == 302
    new = world.intros()[-1]
    assert (new.mentor_id, new.status) == (world.mentors[1].id, IntroStatus.PROPOSED)
    assert f"Offered to {world.mentors[1].name} by Cora Coordinator" in [
        e.note for e in world.intro(intro_id).events
    ]
    assert "Nobody is waiting." in coordinator.get(url).get_data(as_text=True)
    again = coordinator.post(
        f"{url}/{intro_id}/offer", data={**stale, f"n{intro_id}-mentor": world.mentors[2].id}
    )
    assert again.status_code == 409
    assert "no longer waiting" in again.get_data(as_text=True)
    deliver(world.app)
    assert len(smtp_server.inbox.to(world.mentors[1].email)) == 1


def test_coordinator_can_rematch_or_dismiss_from_the_list(world):
    world.set_group(rematch_policy=RematchPolicy.COORDINATOR)
    first, second = world.propose(
        (world.students[0], world.mentor), (world.students[1], world.mentor)
    )
    mentor = logged_in(world.app, world.mentor)
    for intro_id in (first, second):
        post_form(mentor, f"/introductions/{intro_id}/decline", {})
    coordinator = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions"
    assert post_form(coordinator, f"{url}/{first}/rematch", page=url).status_code == 302
    new = world.intros()[-1]
    assert new.student_id == world.students[0].id
    assert new.mentor_id != world.mentor.id
    assert post_form(coordinator, f"{url}/{second}/dismiss", page=url).status_code == 302
    assert world.intro(second).rematched
    assert len(world.intros()) == 3
    assert post_form(coordinator, f"{url}/{second}/dismiss", page=url).status_code == 409
    assert post_form(coordinator, f"{url}/99999/dismiss", page=url).status_code == 404


def test_two_ticks_at_once_send_nothing_twice(world, frozen_clock):
    ids = world.propose(
        (world.students[0], world.mentors[0]),
        (world.students[1], world.mentors[1]),
        (world.students[0], world.mentors[2]),
    )
    frozen_clock.advance(days=7)
    from matcher.introductions.tick import tick

    start = threading.Barrier(2)
    reports, errors = [], []

    def run():
        start.wait()
        try:
            with world.app.app_context():
                reports.append(tick())
                db.session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.reminded for r in reports) == len(ids)
    with world.app.app_context():
        reminders = db.session.scalar(
            db.select(db.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.subject.like("Reminder:%"))
        )
    assert reminders == len(ids)


def test_tick_command(world, frozen_clock):
    world.propose((world.student, world.mentor))
    frozen_clock.advance(days=7)
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["introductions", "tick"])
    assert result.exit_code == 0, result.output
    assert "reminded 1, expired 0, rematched 0" in result.output
    result = runner.invoke(args=["introductions", "tick"])
    assert "reminded 0" in result.output


def test_an_offer_is_refused_when_the_student_already_has_that_seat(world):
    world.set_group(rematch_policy=RematchPolicy.COORDINATOR)
    [intro_id] = world.propose((world.student, world.mentor))
    post_form(logged_in(world.app, world.mentor), f"/introductions/{intro_id}/decline", {})
    world.propose((world.student, world.mentors[1]))
    coordinator = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions"
    response = post_form(
        coordinator,
        f"{url}/{intro_id}/offer",
        {f"n{intro_id}-mentor": world.mentors[2].id},
        page=url,
    )
    assert response.status_code == 409
    assert "no longer waiting" in response.get_data(as_text=True)
    assert [i.mentor_id for i in world.intros()] == [world.mentor.id, world.mentors[1].id]
