"""One person, two sides: a student who takes on the mentor side (a peer mentor) and a mentor
who looks for mentors; editing each side, who sees which side of a two-sided person, the home
page's section per role, switching introductions between sides and the admin's roles."""

import json
import re

import pytest
from sqlalchemy import select

from matcher.extensions import db
from matcher.models import (
    AuditEvent,
    MentorProfile,
    MentorType,
    Role,
    StudentProfile,
    User,
    WaitingSeat,
)
from tests.helpers import (
    PASSWORD,
    give_mentor_profile,
    logged_in,
    make_user,
    post_form,
)
from tests.helpers.roles import introduce, make_coordinator_of, make_person
from tests.profiles.test_profiles import mentor_answers, student_answers


def roles_of(app, user: User) -> frozenset[Role]:
    with app.app_context():
        return db.session.get(User, user.id).roles


def audited(app, action: str) -> list[dict]:
    with app.app_context():
        return [
            e.detail
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def follow(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


# --- adding a side -------------------------------------------------------------------------------


def test_a_student_adds_the_mentor_side_and_fills_it_in(app, student, specialties, places):
    client = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties))
    own = client.get(f"/people/{student.id}").get_data(as_text=True)
    assert "Mentor other students too" in own
    response = post_form(client, "/profile/sides", {"side": "mentor"}, page=f"/people/{student.id}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/profile/edit/mentor"
    assert "You are a mentor too now." in follow(client, response)
    assert roles_of(app, student) == {Role.STUDENT, Role.MENTOR}
    assert audited(app, "account.add_side") == [{"side": "mentor"}]

    edit = client.get("/profile/edit/mentor").get_data(as_text=True)
    assert "Your mentor profile" in edit
    peer = mentor_answers(specialties, mentor_type="peer", pgy="", peer_stage="ms4")
    assert post_form(client, "/profile/edit/mentor", peer).status_code == 302
    with app.app_context():
        user = db.session.get(User, student.id)
        assert user.mentor_profile.mentor_type is MentorType.PEER
        assert user.mentor_profile.missing() == []
        assert user.student_profile.school == "Westbrook School of Medicine"
        assert user.student_profile.missing() == []
    page = client.get(f"/people/{student.id}").get_data(as_text=True)
    assert "As a student" in page
    assert "As a mentor" in page
    assert "Mentor other students too" not in page


def test_a_mentor_adds_the_student_side(app, mentor, specialties, places):
    client = logged_in(app, mentor)
    post_form(client, "/profile/edit", mentor_answers(specialties))
    own = client.get(f"/people/{mentor.id}").get_data(as_text=True)
    assert "Look for mentors of your own" in own
    response = post_form(client, "/profile/sides", {"side": "student"}, page=f"/people/{mentor.id}")
    assert response.headers["Location"] == "/profile/edit/student"
    assert roles_of(app, mentor) == {Role.STUDENT, Role.MENTOR}
    assert (
        post_form(client, "/profile/edit/student", student_answers(specialties)).status_code == 302
    )
    with app.app_context():
        user = db.session.get(User, mentor.id)
        assert user.student_profile.missing() == []
        assert user.mentor_profile.mentor_type is MentorType.RESIDENT


def test_a_side_held_already_is_refused_with_a_message(app, student):
    client = logged_in(app, student)
    response = post_form(client, "/profile/sides", {"side": "student"}, page="/")
    assert response.status_code == 303
    assert "You are already a student here." in follow(client, response)
    assert roles_of(app, student) == {Role.STUDENT}
    assert audited(app, "account.add_side") == []


@pytest.mark.parametrize("data", [{"side": "admin"}, {"side": "coordinator"}, {}])
def test_only_a_student_or_mentor_side_can_be_added(app, student, data):
    response = post_form(logged_in(app, student), "/profile/sides", data, page="/")
    assert response.status_code == 400
    assert roles_of(app, student) == {Role.STUDENT}


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinators_and_admins_take_no_side_themselves(app, role):
    user = make_user(app, role)
    response = post_form(logged_in(app, user), "/profile/sides", {"side": "mentor"}, page="/")
    assert response.status_code == 403
    assert roles_of(app, user) == {role}


# --- editing each side ---------------------------------------------------------------------------


def test_each_side_is_edited_on_its_own_page(app, specialties, places):
    person = make_person(app, (Role.STUDENT, Role.MENTOR), "both@example.edu", "Bo Both")
    client = logged_in(app, person)
    first = client.get("/profile/edit").get_data(as_text=True)
    assert "Your student profile" in first
    assert "Your student profile" in client.get("/profile/edit/student").get_data(as_text=True)
    assert "Your mentor profile" in client.get("/profile/edit/mentor").get_data(as_text=True)

    assert (
        post_form(client, "/profile/edit/student", student_answers(specialties)).status_code == 302
    )
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.student_profile.missing() == []
        assert user.mentor_profile is None
    bad = post_form(client, "/profile/edit/mentor", mentor_answers(specialties, capacity="0"))
    assert bad.status_code == 400
    assert "Number must be between 1 and 10." in bad.get_data(as_text=True)
    ok = mentor_answers(specialties, mentor_type="peer", pgy="", peer_stage="ms4")
    assert post_form(client, "/profile/edit/mentor", ok).status_code == 302
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.mentor_profile.capacity == 3
        assert user.student_profile.statement == "MS2 hoping for dermatology."


@pytest.mark.parametrize(("role", "other"), [(Role.STUDENT, "mentor"), (Role.MENTOR, "student")])
def test_a_side_not_held_has_no_edit_page(app, role, other):
    user = make_user(app, role)
    client = logged_in(app, user)
    assert client.get(f"/profile/edit/{other}").status_code == 404
    assert client.get(f"/profile/edit/{role.value}").status_code == 200
    assert client.get("/profile/edit/admin").status_code == 404


def test_a_one_sided_edit_page_does_not_name_its_side(app, student):
    page = logged_in(app, student).get("/profile/edit").get_data(as_text=True)
    assert "Your profile" in page
    assert "Your student profile" not in page


# --- who sees which side -------------------------------------------------------------------------

STUDENT_FACTS = "<dt>School</dt>"
MENTOR_FACTS = "<dt>Offers</dt>"


def sides_seen(app, viewer: User, person: User) -> tuple[int, bool, bool]:
    response = logged_in(app, viewer).get(f"/people/{person.id}")
    page = response.get_data(as_text=True)
    return response.status_code, STUDENT_FACTS in page, MENTOR_FACTS in page


@pytest.mark.parametrize(
    ("viewer", "status", "student_side", "mentor_side"),
    [
        ("peer", 200, True, True),
        ("coordinator", 200, True, True),
        ("admin", 200, True, True),
        ("fellow", 200, False, True),
        ("mentee", 200, False, True),
        ("peer2", 200, False, True),
        ("mentor", 200, True, False),
        ("other_mentor", 404, False, False),
    ],
)
def test_each_viewer_sees_the_sides_their_rules_allow(
    app, two_sided, viewer, status, student_side, mentor_side
):
    """A fellow student (and the peer's own mentee, and another peer mentor) sees the mentor
    side only; the peer's own mentor, introduced to them as a student, the student side only;
    a mentor with no introduction neither."""
    seen = sides_seen(app, two_sided[viewer], two_sided["peer"])
    assert seen == (status, student_side, mentor_side)


def test_the_student_side_is_audited_only_when_shown(app, two_sided):
    before = len(audited(app, "profile.view"))
    sides_seen(app, two_sided["fellow"], two_sided["peer"])
    assert len(audited(app, "profile.view")) == before
    sides_seen(app, two_sided["mentor"], two_sided["peer"])
    assert len(audited(app, "profile.view")) == before + 1


def test_the_peer_mentor_sees_their_mentee_as_a_student_and_their_mentor_as_a_mentor(
    app, two_sided
):
    peer = two_sided["peer"]
    assert sides_seen(app, peer, two_sided["mentee"]) == (200, True, False)
    assert sides_seen(app, peer, two_sided["mentor"]) == (200, False, True)
    assert sides_seen(app, peer, two_sided["fellow"])[0] == 404
    assert sides_seen(app, peer, two_sided["peer2"]) == (200, False, True)


def test_students_may_ask_a_peer_mentor_but_nobody_asks_themselves(app, two_sided):
    peer = two_sided["peer"]
    ask = f'href="/mentors/{peer.id}/request"'
    fellow = logged_in(app, two_sided["fellow"]).get(f"/people/{peer.id}").get_data(as_text=True)
    assert ask in fellow
    own = logged_in(app, peer).get(f"/people/{peer.id}").get_data(as_text=True)
    assert ask not in own
    assert own.count("Edit student profile") == 1
    assert own.count("Edit mentor profile") == 1


def test_the_directory_lists_a_peer_mentor_to_others_but_not_to_themselves(app, two_sided):
    peer = two_sided["peer"]
    entry = f'href="/people/{peer.id}"'
    assert entry in logged_in(app, two_sided["fellow"]).get("/mentors").get_data(as_text=True)
    assert entry not in logged_in(app, peer).get("/mentors").get_data(as_text=True)


# --- the home page -------------------------------------------------------------------------------

STUDENT_SECTIONS = ("Your board of advisors", "Your mentors")
MENTOR_SECTIONS = ("Requests waiting for your answer", "Current mentees")


def test_the_peer_mentors_home_has_a_section_per_side(app, two_sided):
    page = logged_in(app, two_sided["peer"]).get("/").get_data(as_text=True)
    for heading in (*STUDENT_SECTIONS, *MENTOR_SECTIONS):
        assert f"<h2>{heading}</h2>" in page
    assert "Mo Mentee" in page
    assert "Fay Faculty" in page
    assert "Groups you coordinate" not in page
    assert 'href="/introductions/as-mentor">All your introductions' in page


@pytest.mark.parametrize(
    ("viewer", "shown", "hidden"),
    [
        ("fellow", STUDENT_SECTIONS, MENTOR_SECTIONS),
        ("other_mentor", MENTOR_SECTIONS, STUDENT_SECTIONS),
    ],
)
def test_a_one_sided_home_has_its_own_side_only(app, two_sided, viewer, shown, hidden):
    page = logged_in(app, two_sided[viewer]).get("/").get_data(as_text=True)
    assert all(f"<h2>{h}</h2>" in page for h in shown)
    assert not any(f"<h2>{h}</h2>" in page for h in hidden)


def test_a_student_who_coordinates_sees_the_group_they_run_beside_their_board(
    app, two_sided, world
):
    fellow = two_sided["fellow"]
    make_coordinator_of(app, fellow, world.group_id)
    page = logged_in(app, fellow).get("/").get_data(as_text=True)
    assert "<h2>Your board of advisors</h2>" in page
    assert "<h2>Groups you coordinate</h2>" in page
    assert f'href="/groups/{world.group_id}/dashboard"' in page
    assert "Create a group" not in page


def test_the_home_page_points_at_the_side_still_missing(app, student, specialties, places):
    client = logged_in(app, student)
    post_form(client, "/profile/edit", student_answers(specialties))
    post_form(client, "/profile/sides", {"side": "mentor"}, page="/")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/profile/edit/mentor">Complete your profile' in page


# --- introductions on each side ------------------------------------------------------------------


def tabs(page: str) -> list[str]:
    return re.findall(r'href="/introductions/as-(\w+)"( aria-current="page")?', page)


def test_a_peer_mentor_switches_introductions_between_sides(app, two_sided):
    client = logged_in(app, two_sided["peer"])
    as_student = client.get("/introductions/as-student").get_data(as_text=True)
    assert "Fay Faculty" in as_student
    assert "Mo Mentee" not in as_student
    assert tabs(as_student) == [("student", ' aria-current="page"'), ("mentor", "")]
    as_mentor = client.get("/introductions/as-mentor").get_data(as_text=True)
    assert "Mo Mentee" in as_mentor
    assert "Fay Faculty" not in as_mentor
    assert tabs(as_mentor) == [("student", ""), ("mentor", ' aria-current="page"')]
    first = client.get("/introductions").get_data(as_text=True)
    assert tabs(first) == [("student", ' aria-current="page"'), ("mentor", "")]
    back = client.get(f"/introductions/{two_sided['as_mentor']}").get_data(as_text=True)
    assert 'href="/introductions/as-mentor">← Your introductions' in back


@pytest.mark.parametrize(("viewer", "held"), [("fellow", "student"), ("other_mentor", "mentor")])
def test_one_side_has_no_switch_and_no_other_side(app, two_sided, viewer, held):
    client = logged_in(app, two_sided[viewer])
    other = "mentor" if held == "student" else "student"
    assert client.get(f"/introductions/as-{other}").status_code == 404
    page = client.get(f"/introductions/as-{held}")
    assert page.status_code == 200
    assert tabs(page.get_data(as_text=True)) == []


def test_the_round_page_has_a_part_for_each_side(app, two_sided):
    page = logged_in(app, two_sided["peer"]).get(f"/rounds/{two_sided['round']}")
    text = page.get_data(as_text=True)
    assert "Take part in this round" in text
    assert f'href="/rounds/{two_sided["round"]}/likes">Mark students' in text
    fellow = logged_in(app, two_sided["fellow"]).get(f"/rounds/{two_sided['round']}")
    assert "Mark students" not in fellow.get_data(as_text=True)


def test_a_peer_mentor_marks_neither_themselves_nor_their_own_mentor(app, two_sided, world):
    """On the mentor side of a round they take part in as a student, the peer is not among the
    students to mark, nor is a student who mentors them (the round never pairs either)."""
    peer, fellow = two_sided["peer"], two_sided["fellow"]
    peer2 = two_sided["peer2"]
    introduce(app, two_sided["round"], peer, peer2, "peer")
    world.enrol(two_sided["round"], peer, peer2, fellow)
    client = logged_in(app, peer)
    likes = f"/rounds/{two_sided['round']}/likes"
    page = client.get(likes).get_data(as_text=True)
    offered = re.findall(r'name="students"[^>]*value="(\d+)"', page)
    assert offered == [str(fellow.id)]
    for marked in (peer, peer2):
        refused = post_form(client, likes, {"students": [str(fellow.id), str(marked.id)]})
        assert refused.status_code == 400
    assert post_form(client, likes, {"students": [str(fellow.id)]}).status_code == 303


# --- the admin's roles ---------------------------------------------------------------------------


def checked(page: str) -> list[str]:
    """The roles ticked on an admin's page of a person."""
    boxes = re.findall(r'<input[^>]*name="roles"[^>]*>', page)
    return [re.search(r'value="(\w+)"', b).group(1) for b in boxes if " checked" in b]


def roles_page(app, admin, user):
    client = logged_in(app, admin)
    return client, f"/admin/users/{user.id}"


def test_an_admin_gives_a_student_the_mentor_role_too(app, admin, student):
    client, page = roles_page(app, admin, student)
    shown = client.get(page).get_data(as_text=True)
    assert checked(shown) == ["student"]
    response = post_form(client, f"{page}/role", {"roles": ["student", "mentor"]}, page=page)
    assert response.status_code == 302
    assert "roles: Student, Mentor." in follow(client, response)
    assert roles_of(app, student) == {Role.STUDENT, Role.MENTOR}
    assert audited(app, "user.role_change") == [{"old": "student", "new": "student,mentor"}]
    assert checked(client.get(page).get_data(as_text=True)) == ["student", "mentor"]


def test_an_unknown_role_is_refused(app, admin, student):
    client, page = roles_page(app, admin, student)
    response = post_form(client, f"{page}/role", {"roles": ["student", "owner"]}, page=page)
    assert response.status_code == 400
    assert roles_of(app, student) == {Role.STUDENT}


def test_the_last_admin_keeps_the_role(app, admin):
    client, page = roles_page(app, admin, admin)
    response = post_form(client, f"{page}/role", {"roles": ["admin", "mentor"]}, page=page)
    assert response.status_code == 302
    assert roles_of(app, admin) == {Role.ADMIN, Role.MENTOR}
    client, page = roles_page(app, admin, admin)
    refused = post_form(client, f"{page}/role", {"roles": ["mentor"]}, page=page)
    assert refused.status_code == 409
    assert "This is the last admin; make another admin first." in refused.get_data(as_text=True)
    assert roles_of(app, admin) == {Role.ADMIN, Role.MENTOR}


def test_an_admin_removes_another_admin_but_not_themselves(app, admin):
    other = make_user(app, Role.ADMIN, "other.admin@example.org", "Otto Admin")
    client, page = roles_page(app, admin, admin)
    own = post_form(client, f"{page}/role", {"roles": ["coordinator"]}, page=page)
    assert own.status_code == 409
    assert "You cannot remove your own admin role." in own.get_data(as_text=True)
    client, page = roles_page(app, admin, other)
    assert (
        post_form(client, f"{page}/role", {"roles": ["coordinator"]}, page=page).status_code == 302
    )
    assert roles_of(app, other) == {Role.COORDINATOR}


@pytest.mark.parametrize(
    ("kept", "side"), [(["student"], "mentor"), (["mentor"], "student"), ([], "(student|mentor)")]
)
def test_a_side_with_open_introductions_stays(app, two_sided, kept, side):
    peer = two_sided["peer"]
    client, page = roles_page(app, two_sided["admin"], peer)
    refused = post_form(client, f"{page}/role", {"roles": kept}, page=page)
    assert refused.status_code == 409
    assert re.search(
        f"has open introductions as a {side}; they must end", refused.get_data(as_text=True)
    )
    assert roles_of(app, peer) == {Role.STUDENT, Role.MENTOR}


def test_a_side_without_introductions_can_go(app, two_sided):
    peer2 = two_sided["peer2"]
    client, page = roles_page(app, two_sided["admin"], peer2)
    assert post_form(client, f"{page}/role", {"roles": ["student"]}, page=page).status_code == 302
    assert roles_of(app, peer2) == {Role.STUDENT}
    with app.app_context():
        assert db.session.get(StudentProfile, peer2.id) is not None
    fellow = logged_in(app, two_sided["fellow"])
    assert fellow.get(f"/people/{peer2.id}").status_code == 404


def test_a_mentor_given_the_student_role_starts_an_empty_student_profile(app, admin, mentor):
    give_mentor_profile(app, mentor)
    client, page = roles_page(app, admin, mentor)
    post_form(client, f"{page}/role", {"roles": ["student", "mentor"]}, page=page)
    own = logged_in(app, mentor)
    assert own.get("/profile/edit/student").status_code == 200
    profile = own.get(f"/people/{mentor.id}").get_data(as_text=True)
    assert "Your student profile is not complete yet." in profile
    assert "Your mentor profile is complete." in profile


# --- one's data, both sides ----------------------------------------------------------------------


def test_a_two_sided_person_downloads_both_profiles(app, two_sided):
    client = logged_in(app, two_sided["peer"])
    data = json.loads(client.get("/profile/data.json").get_data(as_text=True))
    assert data["account"]["roles"] == ["mentor", "student"]
    assert data["student_profile"]["specialty_interests"] == ["Dermatology"]
    assert data["mentor_profile"] is not None


def test_a_two_sided_person_who_leaves_ends_both_sides(app, two_sided):
    peer, mentee = two_sided["peer"], two_sided["mentee"]
    client = logged_in(app, peer)
    response = post_form(client, "/profile/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, peer.id) is None
        assert db.session.get(StudentProfile, peer.id) is None
        assert db.session.get(MentorProfile, peer.id) is None
        waiting = db.session.scalars(select(WaitingSeat)).all()
        assert [(w.student_id, w.slot, w.reason) for w in waiting] == [
            (mentee.id, "peer", "mentor_left")
        ]
