"""A student leader who coordinates their group: a coordinator makes a member a coordinator
by email, the student runs the group (dashboard, roster, rounds) and keeps their own board and
place in rounds; only active members (or coordinator accounts) can be added, with a clear
message otherwise."""

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import InterestGroup, Membership, MembershipStatus, Role, Round, User
from tests.helpers import logged_in, make_group, make_user, post_form
from tests.helpers.roles import join_group, make_coordinator_of
from tests.helpers.rounds import round_form

GROUP = "Derm Interest Group"


def coordinator_ids(app, group_id: int) -> list[int]:
    with app.app_context():
        return [c.id for c in db.session.get(InterestGroup, group_id).coordinators]


def add_coordinator(app, by: User, group_id: int, email: str, client=None):
    client = client or logged_in(app, by)
    page = f"/groups/{group_id}"
    return post_form(client, f"{page}/coordinators", {"email": email}, page=page)


def test_a_coordinator_makes_a_student_member_a_coordinator(app, world, leader):
    client = logged_in(app, world.coordinator)
    response = add_coordinator(app, None, world.group_id, leader.email.upper(), client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Lee Leader now coordinates {GROUP}." in page
    assert leader.id in coordinator_ids(app, world.group_id)
    with app.app_context():
        assert db.session.get(User, leader.id).roles == {Role.STUDENT}


def test_the_student_leader_runs_the_group_and_keeps_their_board(app, world, leader):
    add_coordinator(app, world.coordinator, world.group_id, leader.email)
    mentor = world.mentor("Mina Mentor", capacity=2)
    client = logged_in(app, leader)
    group = f"/groups/{world.group_id}"
    for path in (f"{group}/dashboard", f"{group}/rounds", f"{group}/roster/students", group):
        assert client.get(path).status_code == 200, path
    assert "Invite link" in client.get(group).get_data(as_text=True)

    created = post_form(client, f"{group}/rounds/new", round_form())
    assert created.status_code == 302
    with app.app_context():
        round_id = db.session.scalar(select(Round.id).where(Round.name == "Spring round"))
    assert client.get(f"/rounds/{round_id}/settings").status_code == 200
    assert client.get(f"/rounds/{round_id}/people").status_code == 200

    joined = post_form(client, f"/rounds/{round_id}/join", page=f"/rounds/{round_id}")
    assert joined.status_code == 303
    assert client.get(f"/rounds/{round_id}/preferences").status_code == 200
    board = client.get("/board")
    assert board.status_code == 200
    assert GROUP in board.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "<h2>Your board of advisors</h2>" in home
    assert "<h2>Groups you coordinate</h2>" in home
    assert client.get(f"/people/{mentor.id}").status_code == 200


def test_the_student_leader_adds_another_member(app, world, leader):
    make_coordinator_of(app, leader, world.group_id)
    mentor = world.mentor("Mina Mentor")
    assert add_coordinator(app, leader, world.group_id, mentor.email).status_code == 302
    assert set(coordinator_ids(app, world.group_id)) == {
        world.coordinator.id,
        leader.id,
        mentor.id,
    }


def pending(app, world) -> str:
    user = make_user(app, Role.STUDENT, "asked@example.edu", "Asa Asked")
    with app.app_context():
        db.session.add(
            Membership(group_id=world.group_id, user_id=user.id, status=MembershipStatus.PENDING)
        )
        db.session.commit()
    return user.email


def elsewhere(app, world) -> str:
    user = make_user(app, Role.STUDENT, "elsewhere@example.edu", "Eli Elsewhere")
    make_group(app, "Other Group", members=(user,))
    return user.email


@pytest.mark.parametrize(
    "email",
    [
        lambda app, world: "nobody@example.edu",
        lambda app, world: make_user(app, Role.STUDENT, "free@example.edu").email,
        pending,
        elsewhere,
    ],
    ids=["unknown", "no-group", "join-request", "other-group"],
)
def test_only_an_active_member_can_be_added(app, world, email):
    response = add_coordinator(app, world.coordinator, world.group_id, email(app, world))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "No member of this group has that email." in page
    assert "Ask the person to join the group first" in page
    assert coordinator_ids(app, world.group_id) == [world.coordinator.id]


def test_a_coordinator_account_can_be_added_without_joining(app, world):
    colleague = make_user(app, Role.COORDINATOR, "colleague@example.edu", "Col League")
    assert (
        add_coordinator(app, world.coordinator, world.group_id, colleague.email).status_code == 302
    )
    assert colleague.id in coordinator_ids(app, world.group_id)


def test_a_member_who_coordinates_already_is_told_so(app, world, leader):
    make_coordinator_of(app, leader, world.group_id)
    response = add_coordinator(app, world.coordinator, world.group_id, leader.email)
    assert response.status_code == 400
    assert "Lee Leader already coordinates this group." in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["", "not-an-email", "x" * 250 + "@example.edu"])
def test_a_malformed_email_is_refused(app, world, email):
    response = add_coordinator(app, world.coordinator, world.group_id, email)
    assert response.status_code == 400
    assert coordinator_ids(app, world.group_id) == [world.coordinator.id]


def test_the_student_leader_starts_no_group_and_runs_no_other(app, world, leader):
    make_coordinator_of(app, leader, world.group_id)
    other = make_group(app, "Other Group", coordinators=(world.coordinator,), members=(leader,))
    client = logged_in(app, leader)
    assert client.get("/groups/new").status_code == 403
    assert client.get(f"/groups/{other}/dashboard").status_code == 403
    assert client.get(f"/groups/{other}").status_code == 200
    assert "Create a group" not in client.get("/groups").get_data(as_text=True)


def test_a_removed_student_leader_is_a_plain_member_again(app, world, leader):
    make_coordinator_of(app, leader, world.group_id)
    manager = logged_in(app, world.coordinator)
    page = f"/groups/{world.group_id}"
    removed = post_form(manager, f"{page}/coordinators/{leader.id}/remove", page=page)
    assert removed.status_code == 302
    client = logged_in(app, leader)
    assert client.get(f"{page}/dashboard").status_code == 404
    assert client.get(page).status_code == 200
    assert client.get("/board").status_code == 200
    assert "Groups you coordinate" not in client.get("/").get_data(as_text=True)


def test_the_last_coordinator_may_be_a_student(app, world, leader):
    """A group handed over to its student leader: the old coordinator leaves the list."""
    make_coordinator_of(app, leader, world.group_id)
    client = logged_in(app, leader)
    page = f"/groups/{world.group_id}"
    gone = post_form(client, f"{page}/coordinators/{world.coordinator.id}/remove", page=page)
    assert gone.status_code == 302
    assert coordinator_ids(app, world.group_id) == [leader.id]
    last = post_form(client, f"{page}/coordinators/{leader.id}/remove", page=page)
    assert last.status_code == 409
    assert "A group needs at least one coordinator." in last.get_data(as_text=True)
    assert coordinator_ids(app, world.group_id) == [leader.id]


def test_joining_a_group_later_lets_the_person_be_added(app, world):
    student = make_user(app, Role.STUDENT, "late@example.edu", "Lou Late")
    assert add_coordinator(app, world.coordinator, world.group_id, student.email).status_code == 400
    join_group(app, student, world.group_id)
    assert add_coordinator(app, world.coordinator, world.group_id, student.email).status_code == 302


# --- migration 0017: downgrading keeps one role ------------------------------------------------
