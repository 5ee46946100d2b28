"""Interest groups: creating and editing them, joining by invite link, code or request,
coordinators and members added and removed, and the counts on the group page."""

from werkzeug.datastructures import MultiDict

from matcher.extensions import db
from matcher.models import InterestGroup, Membership, MembershipStatus, Role
from tests.helpers import logged_in, make_group, make_user, outbox, post_form
from tests.servers import forms_in


def group(app, group_id) -> InterestGroup:
    with app.app_context():
        found = db.session.get(InterestGroup, group_id)
        found.specialties, found.coordinators  # noqa: B018 (load before the session closes)
        db.session.expunge_all()
        return found


def membership(app, group_id, user_id):
    with app.app_context():
        return db.session.scalar(
            db.select(Membership.status).where(
                Membership.group_id == group_id, Membership.user_id == user_id
            )
        )


def test_coordinator_creates_a_group_and_runs_it(app, coordinator, specialties):
    client = logged_in(app, coordinator)
    response = post_form(
        client,
        "/groups/new",
        {
            "name": "Lakeside Plastics Interest Group",
            "kind": "school",
            "institution": "Lakeside College of Medicine",
            "specialties": [str(specialties["Plastic Surgery (Integrated)"])],
            "join_policy": "open",
            "description": "Monthly meetings.",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lakeside Plastics Interest Group" in page
    assert "/join/" in page
    with app.app_context():
        created = db.session.scalar(db.select(InterestGroup))
        assert [c.id for c in created.coordinators] == [coordinator.id]


def test_group_needs_a_name_and_a_specialty(app, coordinator, specialties):
    client = logged_in(app, coordinator)
    response = post_form(
        client, "/groups/new", {"name": "", "kind": "school", "join_policy": "open"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required." in page
    assert "Choose at least one specialty." in page


def test_students_and_mentors_cannot_create_groups(app, student, mentor):
    for user in (student, mentor):
        assert logged_in(app, user).get("/groups/new").status_code == 403


def test_join_an_open_group_by_invite_link(app, coordinator, student):
    group_id = make_group(app, coordinators=(coordinator,))
    code = group(app, group_id).invite_code
    client = logged_in(app, student)
    page = client.get(f"/join/{code}").get_data(as_text=True)
    assert "Join the group" in page
    assert post_form(client, f"/join/{code}").status_code == 302
    assert membership(app, group_id, student.id) is MembershipStatus.ACTIVE
    assert post_form(client, f"/join/{code}").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 1


def test_invite_link_sends_visitors_to_sign_in_first(app, coordinator):
    code = group(app, make_group(app, coordinators=(coordinator,))).invite_code
    response = app.test_client().get(f"/join/{code}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_request_and_approval(app, coordinator, student, mentor):
    group_id = make_group(app, coordinators=(coordinator,), policy="approval")
    code = group(app, group_id).invite_code
    for user in (student, mentor):
        post_form(logged_in(app, user), f"/join/{code}")
        assert membership(app, group_id, user.id) is MembershipStatus.PENDING
    manager = logged_in(app, coordinator)
    page = manager.get(f"/groups/{group_id}").get_data(as_text=True)
    assert "Sam Student" in page
    assert "Dr. Mina Mentor" in page
    with app.app_context():
        ids = {
            m.user_id: m.id
            for m in db.session.scalars(
                db.select(Membership).where(Membership.group_id == group_id)
            )
        }
    base = f"/groups/{group_id}/requests"
    assert (
        post_form(
            manager, f"{base}/{ids[student.id]}/approve", page=f"/groups/{group_id}"
        ).status_code
        == 302
    )
    assert (
        post_form(
            manager, f"{base}/{ids[mentor.id]}/decline", page=f"/groups/{group_id}"
        ).status_code
        == 302
    )
    assert membership(app, group_id, student.id) is MembershipStatus.ACTIVE
    assert membership(app, group_id, mentor.id) is None
    again = post_form(manager, f"{base}/{ids[student.id]}/approve", page=f"/groups/{group_id}")
    assert again.status_code == 409


def test_a_new_invite_link_retires_the_old_one(app, coordinator, student):
    group_id = make_group(app, coordinators=(coordinator,))
    old = group(app, group_id).invite_code
    manager = logged_in(app, coordinator)
    post_form(manager, f"/groups/{group_id}/invite-code", page=f"/groups/{group_id}")
    response = logged_in(app, student).get(f"/join/{old}")
    assert response.status_code == 404
    assert "This invite link or code does not work" in response.get_data(as_text=True)


def test_coordinators_cannot_join_as_members(app, coordinator):
    other = make_user(app, Role.COORDINATOR, "other.coord@example.edu")
    code = group(app, make_group(app, coordinators=(other,))).invite_code
    client = logged_in(app, coordinator)
    assert post_form(client, f"/join/{code}").status_code == 403


def test_add_and_remove_coordinators(app, coordinator):
    colleague = make_user(app, Role.COORDINATOR, "colleague@example.edu", "Col League")
    group_id = make_group(app, coordinators=(coordinator,))
    manager = logged_in(app, coordinator)
    page = f"/groups/{group_id}"
    assert (
        post_form(
            manager, f"{page}/coordinators", {"email": "nobody@example.edu"}, page=page
        ).status_code
        == 400
    )
    assert (
        post_form(
            manager, f"{page}/coordinators", {"email": colleague.email}, page=page
        ).status_code
        == 302
    )
    assert logged_in(app, colleague).get(page).status_code == 200
    removed = post_form(manager, f"{page}/coordinators/{colleague.id}/remove", page=page)
    assert removed.status_code == 302
    assert logged_in(app, colleague).get(page).status_code == 404
    last = post_form(manager, f"{page}/coordinators/{coordinator.id}/remove", page=page)
    assert last.status_code == 409


def test_member_leaves_and_coordinator_removes(app, coordinator, student, mentor):
    group_id = make_group(app, coordinators=(coordinator,), members=(student, mentor))
    page = f"/groups/{group_id}"
    student_client = logged_in(app, student)
    assert "Leave the group" in student_client.get(page).get_data(as_text=True)
    assert post_form(student_client, f"{page}/leave", page=page).status_code == 302
    assert membership(app, group_id, student.id) is None
    assert student_client.get(page).status_code == 404
    manager = logged_in(app, coordinator)
    assert post_form(manager, f"{page}/members/{mentor.id}/remove", page=page).status_code == 302
    assert membership(app, group_id, mentor.id) is None


def test_edit_group(app, coordinator, specialties):
    group_id = make_group(app, coordinators=(coordinator,))
    client = logged_in(app, coordinator)
    form = client.get(f"/groups/{group_id}/edit").get_data(as_text=True)
    assert 'value="Derm Interest Group"' in form
    response = post_form(
        client,
        f"/groups/{group_id}/edit",
        {
            "name": "Derm & Mohs Group",
            "kind": "society",
            "specialties": [str(specialties["Dermatology"]), str(specialties["Pathology"])],
            "join_policy": "approval",
        },
    )
    assert response.status_code == 302
    edited = group(app, group_id)
    assert edited.name == "Derm & Mohs Group"
    assert {s.name for s in edited.specialties} == {"Dermatology", "Pathology"}
    assert not outbox(app)


def test_the_edit_form_shows_the_groups_specialties_and_saves_unchanged(app, coordinator):
    from matcher.models import Specialty

    names = ("Dermatology", "Pathology", "Retired Specialty")
    with app.app_context():
        from matcher import vocabulary

        vocabulary.ensure_seeded()
        db.session.add(Specialty(name="Retired Specialty", active=False))
        db.session.commit()
    group_id = make_group(app, coordinators=(coordinator,), specialty_names=names)
    ids = {s.id for s in group(app, group_id).specialties}
    client = logged_in(app, coordinator)
    page = client.get(f"/groups/{group_id}/edit").get_data(as_text=True)
    [form] = [f for f in forms_in(page) if "specialties" in f.choices]
    assert {int(v) for k, v in form.fields if k == "specialties"} == ids
    response = client.post(f"/groups/{group_id}/edit", data=MultiDict(form.fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert {s.id for s in group(app, group_id).specialties} == ids


def test_join_by_typing_the_code(app, coordinator, student):
    group_id = make_group(app, coordinators=(coordinator,))
    code = group(app, group_id).invite_code
    client = logged_in(app, student)
    assert 'name="code"' in client.get("/groups").get_data(as_text=True)
    response = client.get("/join", query_string={"code": f"  {code} "})
    assert response.headers["Location"] == f"/join/{code}"
    assert (
        client.get("/join", query_string={"code": "nope"}, follow_redirects=True).status_code == 404
    )
    empty = client.get("/join")
    assert empty.status_code == 400
    assert "Type the invite code your coordinator gave you." in empty.get_data(as_text=True)


def test_group_counts_agree_with_the_profile_rules(app, runner):
    from matcher.groups import services
    from matcher.profiles import services as profiles

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        for found in db.session.scalars(db.select(InterestGroup)):
            active = [m.user for m in found.memberships if m.status is MembershipStatus.ACTIVE]
            students = [u for u in active if u.has_role(Role.STUDENT)]
            mentors = [u for u in active if u.has_role(Role.MENTOR)]
            expected = services.GroupCounts(
                students=len(students),
                mentors=len(mentors),
                pending=sum(m.status is MembershipStatus.PENDING for m in found.memberships),
                complete_students=sum(not profiles.missing(u) for u in students),
                complete_mentors=sum(not profiles.missing(u) for u in mentors),
                mentor_places=sum(
                    u.mentor_profile.capacity
                    for u in mentors
                    if u.mentor_profile and u.mentor_profile.accepting
                ),
            )
            assert services.counts(found) == expected
            assert 0 < expected.complete_students < expected.students
