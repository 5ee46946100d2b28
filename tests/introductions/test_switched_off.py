"""A switched-off account: its links stop working, its open introductions end, and a student
who loses a mentor goes back to matching."""

from matcher.extensions import db
from matcher.introductions import services
from matcher.models import Introduction, IntroStatus, RematchPolicy, Role, User
from tests.helpers import deliver, link_in, logged_in, make_user, outbox, post_form


def switch_off(world, person) -> None:
    admin = make_user(world.app, Role.ADMIN, "admin@example.org", "Ada Admin")
    client = logged_in(world.app, admin)
    response = post_form(
        client,
        f"/admin/users/{person.id}/active",
        {"active": "0"},
        page=f"/admin/users/{person.id}",
    )
    assert response.status_code == 302


def test_a_switched_off_mentors_emailed_link_no_longer_accepts(world, smtp_server):
    [intro_id] = world.propose((world.student, world.mentor))
    deliver(world.app)
    body = smtp_server.inbox.to(world.mentor.email)[0].get_content()
    accept = link_in(body, "/introductions/answer/")
    switch_off(world, world.mentor)
    client = world.app.test_client()
    page = client.get(accept)
    assert page.status_code == 410
    assert world.student.email not in page.get_data(as_text=True)
    assert post_form(client, accept, page="/login").status_code == 410
    assert world.status(intro_id) is IntroStatus.WITHDRAWN
    assert all(
        world.student.email not in m.body_text for m in outbox(world.app, world.mentor.email)
    )


def test_a_switched_off_mentors_open_introductions_end_and_students_are_rematched(world):
    world.set_group(rematch_policy=RematchPolicy.AUTO)
    sam, tess = world.students
    mina, omar = world.mentors[:2]
    first, second = world.propose((sam, mina), (tess, mina))
    with world.app.app_context():
        services.accept(db.session.get(Introduction, second), db.session.get(User, mina.id))
        db.session.commit()
    switch_off(world, mina)
    assert world.status(first) is IntroStatus.WITHDRAWN
    assert world.status(second) is IntroStatus.WITHDRAWN
    assert [m.subject for m in outbox(world.app, sam.email)][-1].startswith(
        "Introduction withdrawn"
    )
    report = world.tick()
    assert report.rematched == 2
    new = [i for i in world.intros() if i.id not in (first, second)]
    assert {(i.student_id, i.status) for i in new} == {
        (sam.id, IntroStatus.PROPOSED),
        (tess.id, IntroStatus.PROPOSED),
    }
    assert mina.id not in {i.mentor_id for i in new}
    assert omar.id in {i.mentor_id for i in new}


def test_a_switched_off_students_introductions_end_without_a_rematch(world):
    world.set_group(rematch_policy=RematchPolicy.AUTO)
    [intro_id] = world.propose((world.student, world.mentor))
    switch_off(world, world.student)
    assert world.status(intro_id) is IntroStatus.WITHDRAWN
    assert outbox(world.app, world.mentor.email)[-1].subject.startswith("Introduction withdrawn")
    assert world.tick().rematched == 0
    assert len(world.intros()) == 1


def test_a_student_who_withdraws_is_not_put_back_on_the_rematch_list(world):
    world.set_group(rematch_policy=RematchPolicy.AUTO)
    [intro_id] = world.propose((world.student, world.mentor))
    client = logged_in(world.app, world.student)
    response = post_form(
        client, f"/introductions/{intro_id}/withdraw", {}, page=f"/introductions/{intro_id}"
    )
    assert response.status_code in (302, 303)
    assert world.status(intro_id) is IntroStatus.WITHDRAWN
    assert world.tick().rematched == 0
