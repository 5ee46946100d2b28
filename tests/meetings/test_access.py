"""Who reaches a meeting: its student and mentor act on it, the group's coordinators (and
admins) see it and download its ``.ics`` but change nothing, and anyone else gets a 404 (a
coordinator of another group a 403), with nothing changed."""

import pytest

from matcher.models import MeetingStatus, Role
from tests.helpers import csrf_token, logged_in, make_group, make_user
from tests.helpers.meetings import Pair

ACTIONS = ("pick", "booked", "move", "cancel", "held")


@pytest.fixture
def scheduled(pair: Pair) -> Pair:
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    return pair


def outsiders(pair: Pair) -> dict[str, object]:
    app, world = pair.app, pair.world
    other_coordinator = make_user(app, Role.COORDINATOR, "other@example.edu", "Otto Other")
    make_group(app, "Other group", coordinators=(other_coordinator,))
    return {
        "another student": (logged_in(app, world.students[1]), 404),
        "another mentor": (logged_in(app, world.mentors[1]), 404),
        "another group's coordinator": (logged_in(app, other_coordinator), 403),
    }


def test_outsiders_reach_nothing_of_the_meeting(scheduled: Pair):
    meeting = scheduled.meeting()
    base = f"/meetings/{meeting.id}"
    for who, (client, status) in outsiders(scheduled).items():
        token = csrf_token(client, "/")
        for path in (base, f"{base}/invite.ics", f"{base}/move", f"{base}/booked"):
            assert client.get(path).status_code in (status, 404), (who, path)
        for action in ACTIONS:
            response = client.post(f"{base}/{action}", data={"csrf_token": token})
            assert response.status_code in (status, 404), (who, action)
        propose = f"/introductions/{scheduled.intro_id}/meetings/new"
        assert client.get(propose).status_code in (status, 404), who
        page = client.get(f"/introductions/{scheduled.intro_id}")
        assert page.status_code in (403, 404), who
        assert "invite.ics" not in page.get_data(as_text=True)
    after = scheduled.meeting()
    assert (after.status, after.sequence) == (MeetingStatus.SCHEDULED, 0)


def test_the_groups_coordinators_see_the_meeting_but_do_not_change_it(scheduled: Pair):
    meeting = scheduled.meeting()
    base = f"/meetings/{meeting.id}"
    for user in (
        scheduled.world.coordinator,
        make_user(scheduled.app, Role.ADMIN, "ada@example.org", "Ada Admin"),
    ):
        client = logged_in(scheduled.app, user)
        page = client.get(f"/introductions/{scheduled.intro_id}").get_data(as_text=True)
        assert f"{base}/invite.ics" in page
        assert "Cancel the meeting" not in page
        assert client.get(base).status_code == 200
        assert client.get(f"{base}/invite.ics").status_code == 200
        token = csrf_token(client, "/")
        for action in ACTIONS:
            response = client.post(f"{base}/{action}", data={"csrf_token": token})
            assert response.status_code == 403, action
    after = scheduled.meeting()
    assert (after.status, after.sequence) == (MeetingStatus.SCHEDULED, 0)


def test_each_side_reaches_only_its_own_actions(scheduled: Pair):
    meeting = scheduled.meeting()
    base = f"/meetings/{meeting.id}"
    mentor_token = csrf_token(scheduled.mentor, "/")
    for action in ("pick", "booked"):
        response = scheduled.mentor.post(f"{base}/{action}", data={"csrf_token": mentor_token})
        assert response.status_code == 403, action
    assert scheduled.mentor.get(f"{base}/move").status_code == 200
    assert scheduled.student.get(f"{base}/move").status_code == 200
    assert (
        scheduled.student.get(f"/introductions/{scheduled.intro_id}/meetings/new").status_code
        == 403
    )
