"""Dashboards, the timeline, withdrawing, filters and settings, and who may see what."""

from matcher.models import IntroStatus, RematchPolicy, Role
from tests.helpers import logged_in, make_user, outbox, post_form


def test_timeline_is_visible_to_the_people_involved_only(world):
    [intro_id] = world.propose((world.student, world.mentor))
    url = f"/introductions/{intro_id}"
    for person in (world.student, world.mentor, world.coordinator):
        page = logged_in(world.app, person).get(url)
        assert page.status_code == 200
        assert "Proposed by Autumn round" in page.get_data(as_text=True)
    for outsider in (
        world.students[1],
        world.mentors[1],
        make_user(world.app, Role.COORDINATOR, "elsewhere@example.edu"),
    ):
        assert logged_in(world.app, outsider).get(url).status_code == 404
    assert logged_in(world.app, world.student).get("/introductions/9999").status_code == 404


def test_student_dashboard_lists_mentors_and_statuses(world):
    world.propose((world.student, world.mentor), (world.student, world.mentors[1]))
    client = logged_in(world.app, world.student)
    for page in (client.get("/introductions"), client.get("/")):
        text = page.get_data(as_text=True)
        assert "Dr. Mina Mentor" in text
        assert "Dr. Omar Other" in text
        assert "Waiting for the mentor" in text
    assert "Tess Student" not in client.get("/introductions").get_data(as_text=True)


def test_student_withdraws_and_the_mentor_is_told(world):
    [intro_id] = world.propose((world.student, world.mentor))
    client = logged_in(world.app, world.student)
    done = post_form(client, f"/introductions/{intro_id}/withdraw", {"reason": "Changed plans"})
    assert done.status_code == 302
    intro = world.intro(intro_id)
    assert intro.status is IntroStatus.WITHDRAWN
    assert intro.events[-1].note == "Changed plans"
    assert outbox(world.app, world.mentor.email)[-1].subject.startswith("Introduction withdrawn")
    assert outbox(world.app, world.student.email) == []
    again = post_form(
        client, f"/introductions/{intro_id}/withdraw", page=f"/introductions/{intro_id}"
    )
    assert again.status_code == 409
    assert world.tick().rematched == 0


def test_coordinator_withdraws_and_both_are_told_mentor_cannot(world):
    [intro_id] = world.propose((world.student, world.mentor))
    mentor = logged_in(world.app, world.mentor)
    assert post_form(mentor, f"/introductions/{intro_id}/withdraw", page="/").status_code == 403
    coordinator = logged_in(world.app, world.coordinator)
    assert post_form(coordinator, f"/introductions/{intro_id}/withdraw").status_code == 302
    assert world.status(intro_id) is IntroStatus.WITHDRAWN
    for person in (world.student, world.mentor):
        assert outbox(world.app, person.email)[-1].subject.startswith("Introduction withdrawn")


def test_mentor_sees_the_students_profile_once_introduced(world):
    mentor = logged_in(world.app, world.mentors[2])
    assert mentor.get(f"/people/{world.student.id}").status_code == 404
    world.propose((world.student, world.mentors[2]))
    page = mentor.get(f"/people/{world.student.id}")
    assert page.status_code == 200
    assert "Melanoma screening" in page.get_data(as_text=True)
    assert mentor.get(f"/people/{world.students[1].id}").status_code == 404


def test_coordinator_filters_introductions(world):
    first, second = world.propose(
        (world.students[0], world.mentor), (world.students[1], world.mentors[1])
    )
    post_form(logged_in(world.app, world.mentor), f"/introductions/{first}/accept", page="/")
    client = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions"
    everything = client.get(url).get_data(as_text=True)
    assert f'href="/introductions/{first}"' in everything
    assert f'href="/introductions/{second}"' in everything
    accepted = client.get(url, query_string={"status": "accepted"}).get_data(as_text=True)
    assert f'href="/introductions/{first}"' in accepted
    assert f'href="/introductions/{second}"' not in accepted
    by_name = client.get(url, query_string={"q": "omar"}).get_data(as_text=True)
    assert f'href="/introductions/{second}"' in by_name
    assert f'href="/introductions/{first}"' not in by_name
    none = client.get(url, query_string={"slot": "peer"}).get_data(as_text=True)
    assert "No introductions match these filters." in none
    odd = client.get(url, query_string={"status": "bogus", "page": "x"})
    assert odd.status_code == 200
    assert "Not a valid choice" in odd.get_data(as_text=True)
    blank = client.get(url, query_string={"status": " ", "slot": "  ", "attention": " "})
    assert blank.status_code == 200
    assert f'href="/introductions/{second}"' in blank.get_data(as_text=True)
    assert logged_in(world.app, world.student).get(url).status_code == 404


def test_coordinator_changes_the_group_settings(world):
    client = logged_in(world.app, world.coordinator)
    url = f"/groups/{world.group_id}/introductions/settings"
    page = client.get(url).get_data(as_text=True)
    assert 'value="7"' in page
    bad = post_form(
        client,
        url,
        {"response_days": "0", "rematch_policy": "auto", "checkin_days": "5", "cycle_days": "x"},
    )
    assert bad.status_code == 400
    assert "Give a number of days from 1 to 30." in bad.get_data(as_text=True)
    good = post_form(
        client,
        url,
        {
            "response_days": "10",
            "rematch_policy": "coordinator",
            "checkin_days": "4",
            "cycle_days": "90",
            "requests_per_student": "3",
        },
    )
    assert good.status_code == 302
    from matcher.extensions import db
    from matcher.models import AuditEvent, InterestGroup

    with world.app.app_context():
        group = db.session.get(InterestGroup, world.group_id)
        assert (
            group.response_days,
            group.rematch_policy,
            group.checkin_days,
            group.cycle_days,
        ) == (
            10,
            RematchPolicy.COORDINATOR,
            4,
            90,
        )
        actions = set(
            db.session.scalars(
                db.select(AuditEvent.action).where(AuditEvent.group_id == world.group_id)
            )
        )
        assert "introduction.settings" in actions


def test_state_changes_are_audited_with_the_group(world):
    from matcher.extensions import db
    from matcher.models import AuditEvent

    [intro_id] = world.propose((world.student, world.mentor))
    post_form(logged_in(world.app, world.mentor), f"/introductions/{intro_id}/accept", page="/")
    with world.app.app_context():
        event = db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "introduction.accept")
        )
        assert (event.group_id, event.actor_id, event.target_id) == (
            world.group_id,
            world.mentor.id,
            intro_id,
        )


def test_coordinator_home_links_to_introductions(world):
    page = logged_in(world.app, world.coordinator).get("/").get_data(as_text=True)
    assert f"/groups/{world.group_id}/introductions" in page
    groups = logged_in(world.app, world.coordinator).get("/introductions").get_data(as_text=True)
    assert "Derm Interest Group" in groups
