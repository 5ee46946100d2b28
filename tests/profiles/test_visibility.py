"""Who sees what: every role against every kind of profile and group page."""

import pytest

from matcher.models import Role
from tests.helpers import give_mentor_profile, logged_in, make_group, make_user


@pytest.fixture
def world(app, specialties):
    """Two groups with their own coordinator, student and mentor, and an outsider of each role."""
    people = {}
    for tag in ("a", "b"):
        people[f"coord_{tag}"] = make_user(app, Role.COORDINATOR, f"coord.{tag}@example.edu")
        people[f"student_{tag}"] = make_user(app, Role.STUDENT, f"student.{tag}@example.edu")
        people[f"mentor_{tag}"] = make_user(app, Role.MENTOR, f"mentor.{tag}@example.org")
        give_mentor_profile(app, people[f"mentor_{tag}"])
        people[f"group_{tag}"] = make_group(
            app,
            f"Group {tag}",
            coordinators=(people[f"coord_{tag}"],),
            members=(people[f"student_{tag}"], people[f"mentor_{tag}"]),
        )
    people["student_a2"] = make_user(app, Role.STUDENT, "student.a2@example.edu")
    make_group(app, "Group a2", members=(people["student_a2"], people["student_a"]))
    people["admin"] = make_user(app, Role.ADMIN, "root@example.org")
    return people


def can_see(app, viewer, url) -> int:
    return logged_in(app, viewer).get(url).status_code


def test_students_see_mentors_of_their_own_groups_only(app, world):
    w = world
    assert can_see(app, w["student_a"], f"/people/{w['mentor_a'].id}") == 200
    assert can_see(app, w["student_a"], f"/people/{w['mentor_b'].id}") == 404
    assert can_see(app, w["student_a"], f"/people/{w['student_a2'].id}") == 404
    assert can_see(app, w["student_a"], f"/people/{w['coord_a'].id}") == 404


def test_mentors_see_no_student_before_an_introduction(app, world):
    w = world
    assert can_see(app, w["mentor_a"], f"/people/{w['student_a'].id}") == 404
    assert can_see(app, w["mentor_a"], f"/people/{w['mentor_b'].id}") == 404
    assert can_see(app, w["mentor_a"], "/mentors") == 403


def test_coordinators_see_only_their_groups(app, world):
    w = world
    assert can_see(app, w["coord_a"], f"/people/{w['student_a'].id}") == 200
    assert can_see(app, w["coord_a"], f"/people/{w['mentor_a'].id}") == 200
    assert can_see(app, w["coord_a"], f"/people/{w['student_b'].id}") == 404
    assert can_see(app, w["coord_a"], f"/people/{w['mentor_b'].id}") == 404
    assert can_see(app, w["coord_a"], f"/groups/{w['group_a']}") == 200
    assert can_see(app, w["coord_a"], f"/groups/{w['group_b']}") == 404
    assert can_see(app, w["coord_a"], f"/groups/{w['group_b']}/edit") == 403


def test_admins_see_everything(app, world):
    w = world
    for person in ("student_a", "student_b", "mentor_a", "mentor_b"):
        assert can_see(app, w["admin"], f"/people/{w[person].id}") == 200
    for group in ("group_a", "group_b"):
        assert can_see(app, w["admin"], f"/groups/{w[group]}") == 200


def test_members_see_their_group_but_not_its_management(app, world):
    w = world
    for member in ("student_a", "mentor_a"):
        page = logged_in(app, w[member]).get(f"/groups/{w['group_a']}")
        assert page.status_code == 200
        assert "Invite link" not in page.get_data(as_text=True)
        assert can_see(app, w[member], f"/groups/{w['group_b']}") == 404
        assert can_see(app, w[member], f"/groups/{w['group_a']}/edit") == 404


def test_directory_lists_the_mentors_of_the_viewers_groups(app, world):
    w = world
    page = logged_in(app, w["student_a"]).get("/mentors").get_data(as_text=True)
    assert f"/people/{w['mentor_a'].id}" in page
    assert f"/people/{w['mentor_b'].id}" not in page
    page = logged_in(app, w["coord_b"]).get("/mentors").get_data(as_text=True)
    assert f"/people/{w['mentor_b'].id}" in page
    assert f"/people/{w['mentor_a'].id}" not in page
    page = logged_in(app, w["admin"]).get("/mentors").get_data(as_text=True)
    assert f"/people/{w['mentor_a'].id}" in page
    assert f"/people/{w['mentor_b'].id}" in page


def test_directory_filters(app, world, specialties):
    w = world
    ortho = make_user(app, Role.MENTOR, "ortho@example.org", "Dr. Orla Ortho")
    give_mentor_profile(app, ortho, "Orthopaedic Surgery", accepting=False)
    make_group(app, "Group o", members=(ortho, w["student_a"]))
    client = logged_in(app, w["student_a"])
    page = client.get("/mentors", query_string={"specialty": specialties["Orthopaedic Surgery"]})
    text = page.get_data(as_text=True)
    assert "Dr. Orla Ortho" in text
    assert f"/people/{w['mentor_a'].id}" not in text
    text = client.get("/mentors", query_string={"accepting": "y"}).get_data(as_text=True)
    assert "Dr. Orla Ortho" not in text
    text = client.get("/mentors", query_string={"q": "orla"}).get_data(as_text=True)
    assert "Dr. Orla Ortho" in text
    assert client.get("/mentors", query_string={"specialty": "abc"}).status_code == 400


def test_unknown_people_and_groups_are_404(app, world):
    assert can_see(app, world["admin"], "/people/99999") == 404
    assert can_see(app, world["admin"], "/groups/99999") == 404


def test_an_introduction_lets_the_mentor_and_the_student_see_each_other(app, world):
    from matcher.extensions import db
    from matcher.models import Introduction, IntroStatus

    w = world
    assert can_see(app, w["mentor_b"], f"/people/{w['student_a'].id}") == 404
    assert can_see(app, w["student_a"], f"/people/{w['mentor_b'].id}") == 404
    with app.app_context():
        db.session.add(
            Introduction(
                group_id=w["group_b"],
                student_id=w["student_a"].id,
                mentor_id=w["mentor_b"].id,
                slot="faculty",
                status=IntroStatus.DECLINED,
                link_nonce="x",
            )
        )
        db.session.commit()
    assert can_see(app, w["mentor_b"], f"/people/{w['student_a'].id}") == 200
    assert can_see(app, w["student_a"], f"/people/{w['mentor_b'].id}") == 200
    assert can_see(app, w["mentor_b"], f"/people/{w['student_a2'].id}") == 404
    assert can_see(app, w["mentor_a"], f"/people/{w['student_a'].id}") == 404
