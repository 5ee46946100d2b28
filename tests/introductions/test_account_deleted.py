"""A mentor who deletes their account leaves no student stranded: each seat they filled goes on
the waiting list, the student is told, and a re-match can fill it."""

from sqlalchemy import select

from matcher.extensions import db
from matcher.models import Introduction, RematchPolicy, WaitingSeat
from tests.helpers import PASSWORD, deliver, logged_in, post_form


def test_the_seats_of_a_mentor_who_deletes_the_account_wait_for_another_mentor(world, smtp_server):
    world.set_group(rematch_policy=RematchPolicy.COORDINATOR)
    [intro_id] = world.propose((world.student, world.mentor))
    client = logged_in(world.app, world.mentor)
    post_form(client, f"/introductions/{intro_id}/accept", {})
    response = post_form(client, "/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302

    with world.app.app_context():
        assert db.session.get(Introduction, intro_id) is None
        [seat] = db.session.scalars(select(WaitingSeat)).all()
        assert (seat.student_id, seat.slot, seat.reason, seat.closed_at) == (
            world.student.id,
            "faculty",
            "mentor_left",
            None,
        )
    deliver(world.app)
    assert len(smtp_server.inbox.to(world.student.email)) >= 1

    coordinator = logged_in(world.app, world.coordinator)
    page = coordinator.get(f"/groups/{world.group_id}/introductions").get_data(as_text=True)
    assert "Waiting list (1)" in page
    assert "Their mentor deleted their account" in page

    world.set_group(rematch_policy=RematchPolicy.AUTO)
    assert world.tick().rematched == 1
    with world.app.app_context():
        newest = db.session.scalars(select(Introduction).order_by(Introduction.id.desc())).first()
        assert newest.student_id == world.student.id
        assert db.session.scalars(select(WaitingSeat)).one().closed_at is not None
