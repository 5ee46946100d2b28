"""A member who also runs the group (a student leader) reaches their own part of a round from
the coordinator's round page; others are refused."""

from sqlalchemy import insert

from matcher.extensions import db
from matcher.models.group import group_coordinators
from tests.helpers import logged_in, post_form


def make_coordinator(world, user) -> None:
    with world.app.app_context():
        db.session.execute(
            insert(group_coordinators).values(group_id=world.group_id, user_id=user.id)
        )
        db.session.commit()


def test_a_student_leader_takes_part_from_the_round_page_they_run(world):
    leader = world.student("Lena Leader")
    world.mentor("Dr. Faculty")
    round_id = world.round()
    make_coordinator(world, leader)
    client = logged_in(world.app, leader)

    manage = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Solve" in manage
    assert f'href="/rounds/{round_id}/my-part"' in manage

    part = client.get(f"/rounds/{round_id}/my-part")
    assert part.status_code == 200
    assert "Take part in this round" in part.get_data(as_text=True)
    joined = post_form(client, f"/rounds/{round_id}/join", {}, page=f"/rounds/{round_id}/my-part")
    assert joined.status_code == 303
    page = client.get(f"/rounds/{round_id}/my-part").get_data(as_text=True)
    assert "You are taking part" in page


def test_a_coordinator_who_is_no_member_has_no_part_of_their_own(world):
    round_id = world.round()
    client = logged_in(world.app, world.coordinator)
    manage = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "/my-part" not in manage
    assert client.get(f"/rounds/{round_id}/my-part").status_code == 404
