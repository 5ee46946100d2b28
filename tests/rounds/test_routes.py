"""The coordinator's, students' and mentors' round pages, through HTTP."""

import csv
import io
import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from matcher import demo
from matcher.extensions import db
from matcher.models import (
    AuditEvent,
    InterestGroup,
    Introduction,
    IntroStatus,
    Membership,
    Role,
    Round,
    RoundStatus,
    RoundStudent,
    User,
)
from matcher.rounds import drafts, taking_part
from tests.helpers import csrf_token, logged_in, login, make_group, make_user, post_form
from tests.helpers.rounds import WEIGHTS, round_form


def small_world(world, students=3, mentors=2):
    people = [world.student(f"Student {k}", goals=("research",)) for k in range(students)]
    tutors = [world.mentor(f"Dr Mentor {k}", capacity=1) for k in range(mentors)]
    return people, tutors


def test_a_coordinator_creates_a_round_in_the_browser(app, world):
    client = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/rounds/new"
    assert "What counts, and how much" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, round_form())
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.scalar(select(Round))
        assert round_.name == "Spring round"
        assert round_.slots == ["faculty"]
        assert round_.settings["weights"]["specialty"] == 4


def test_bad_settings_get_clear_messages_and_nothing_is_saved(app, world):
    client = logged_in(app, world.coordinator)
    url = f"/groups/{world.group_id}/rounds/new"
    cases = [
        (round_form(w_goals="-2"), "Use a weight from 0 to 100"),
        (round_form(min_score="50"), "nobody could be matched"),
        (round_form(peer_min="3", peer_max="1"), "Must be at least the lower bound"),
        (round_form(slots=None), "Choose at least one kind of mentor"),
        (round_form(**dict.fromkeys(WEIGHTS, "0")), "At least one criterion"),
        (round_form(w_focus="lots"), "Not a valid decimal"),
    ]
    for data, message in cases:
        response = post_form(client, url, data)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_students_join_and_rank_mentors_until_the_deadline(app, world, frozen_clock):
    people, tutors = small_world(world)
    round_id = world.round()
    with app.app_context():
        db.session.get(Round, round_id).preference_deadline = frozen_clock.now + timedelta(days=2)
        db.session.commit()
    client = logged_in(app, people[0])
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Take part in this round" in page
    response = post_form(client, f"/rounds/{round_id}/join", page=f"/rounds/{round_id}")
    assert response.status_code == 303

    url = f"/rounds/{round_id}/preferences"
    same = {"choice_1": str(tutors[0].id), "choice_2": str(tutors[0].id)}
    response = post_form(client, url, same)
    assert response.status_code == 400
    assert "You already ranked this mentor above" in response.get_data(as_text=True)

    outsider = make_user(app, Role.MENTOR, "outsider@example.edu", "Not In Group")
    response = post_form(client, url, {"choice_1": str(outsider.id)})
    assert response.status_code == 400

    ranking = {"choice_1": str(tutors[1].id), "choice_2": str(tutors[0].id)}
    assert post_form(client, url, ranking).status_code == 303
    assert "Dr Mentor 1" in client.get(f"/rounds/{round_id}").get_data(as_text=True)

    frozen_clock.advance(days=3)
    response = post_form(client, url, {"choice_1": str(tutors[0].id)})
    assert response.status_code == 400
    assert "The preference deadline has passed" in response.get_data(as_text=True)


def test_a_student_without_a_complete_profile_cannot_join(app, world):
    round_id = world.round()
    bare = make_user(app, Role.STUDENT, "bare@example.edu", "Bare Profile")
    with app.app_context():
        db.session.add(Membership(group_id=world.group_id, user_id=bare.id))
        db.session.commit()
    client = logged_in(app, bare)
    response = post_form(
        client, f"/rounds/{round_id}/join", page=f"/rounds/{round_id}", follow_redirects=True
    )
    assert "Complete your profile first" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, round_id) is not None
        assert db.session.scalar(select(func.count()).select_from(RoundStudent)) == 0


def test_mentors_mark_students_they_would_like(app, world):
    people, tutors = small_world(world)
    round_id = world.round()
    world.enrol(round_id, *people)
    client = logged_in(app, tutors[0])
    url = f"/rounds/{round_id}/likes"
    assert "Student 2" in client.get(url).get_data(as_text=True)
    assert post_form(client, url, {"students": [str(people[2].id)]}).status_code == 303
    with app.app_context():
        assert taking_part.likes(round_id, tutors[0].id) == {people[2].id}


def solve_in_browser(client, round_id):
    response = post_form(client, f"/rounds/{round_id}/solve", page=f"/rounds/{round_id}")
    assert response.status_code == 303
    return response.headers["Location"]


def test_solve_preview_explain_pin_and_compare(app, world):
    small_world(world, students=3, mentors=2)
    round_id = world.round()
    client = logged_in(app, world.coordinator)
    post_form(client, f"/rounds/{round_id}/students/add-all", page=f"/rounds/{round_id}")
    draft_url = solve_in_browser(client, round_id)
    page = client.get(draft_url).get_data(as_text=True)
    assert "67%" in page
    assert "<svg" in page
    assert "Unmatched:" in page
    assert "Every allowed mentor is full" in page

    unmatched = next(
        o for o in world.outcomes(round_id, 1).values() if o.mentor_id is None
    ).student_id
    explain = client.get(f"/rounds/{round_id}/drafts/1/students/{unmatched}")
    assert explain.status_code == 200
    assert "is full with" in explain.get_data(as_text=True)

    matched = next(o for o in world.outcomes(round_id, 1).values() if o.mentor_id)
    explain = client.get(f"/rounds/{round_id}/drafts/1/students/{matched.student_id}")
    text = explain.get_data(as_text=True)
    assert "How the score adds up" in text
    assert "Specialty rank" in text

    response = post_form(
        client,
        f"/rounds/{round_id}/constraints",
        {"student_id": unmatched, "mentor_id": matched.mentor_id, "kind": "pin"},
        page=f"/rounds/{round_id}",
    )
    assert response.status_code == 303
    second = client.get(solve_in_browser(client, round_id)).get_data(as_text=True)
    assert "What changed since draft 1" in second
    assert '<span class="badge mark-pin">Pinned</span>' in second
    with app.app_context():
        names = {u.id: u.name for u in db.session.scalars(select(User))}
    assert f"Pinned {names[unmatched]} with {names[matched.mentor_id]}" in " ".join(second.split())
    assert "constraints:" not in second
    assert world.pairs(round_id, 2)[(unmatched, "faculty")] == matched.mentor_id


def test_a_round_where_nobody_can_be_matched_says_what_to_do(app, world):
    people = [world.student(f"P{k}", specialties=("Orthopaedic Surgery",)) for k in range(2)]
    world.mentor("Dr Derm")
    round_id = world.round()
    world.enrol(round_id, *people)
    client = logged_in(app, world.coordinator)
    page = client.get(solve_in_browser(client, round_id)).get_data(as_text=True)
    assert "Nobody could be matched" in page
    assert "relaxing the rules" in page


def test_publishing_makes_introductions_once_and_locks_the_round(app, world):
    people, _ = small_world(world, students=2, mentors=2)
    round_id = world.round()
    world.enrol(round_id, *people)
    world.solve(round_id)
    client = logged_in(app, world.coordinator)
    response = post_form(
        client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=f"/rounds/{round_id}"
    )
    assert response.status_code == 303
    again = post_form(
        client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=f"/rounds/{round_id}"
    )
    assert again.status_code == 409
    assert "already been published" in again.get_data(as_text=True)
    drafted = {(o.student_id, o.mentor_id) for o in world.outcomes(round_id, 1).values()}
    with app.app_context():
        intros = db.session.scalars(select(Introduction)).all()
        assert {(i.student_id, i.mentor_id) for i in intros} == drafted
        assert all(i.status is IntroStatus.PROPOSED for i in intros)
        assert db.session.get(Round, round_id).status is RoundStatus.PUBLISHED
    locked = post_form(
        client, f"/rounds/{round_id}/solve", page=f"/rounds/{round_id}", follow_redirects=True
    )
    assert "published and locked" in locked.get_data(as_text=True)


def test_two_coordinators_publishing_at_once_make_one_set_of_introductions(app, world):
    people, _ = small_world(world, students=4, mentors=4)
    second = make_user(app, Role.COORDINATOR, "second@example.edu", "Second Coordinator")
    with app.app_context():
        group = db.session.get(InterestGroup, world.group_id)
        group.coordinators.append(db.session.get(User, second.id))
        db.session.commit()
    round_id = world.round()
    world.enrol(round_id, *people)
    world.solve(round_id)
    clients = [logged_in(app, world.coordinator), logged_in(app, second)] * 2
    tokens = [csrf_token(c, f"/rounds/{round_id}") for c in clients]
    start = threading.Barrier(len(clients))
    statuses = []

    def publish(client, token):
        start.wait()
        response = client.post(
            f"/rounds/{round_id}/publish", data={"csrf_token": token, "draft": "1"}
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=publish, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(statuses) == [303, 409, 409, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Introduction)) == 4
        publishes = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "round.publish")
        )
        assert publishes == 1


def test_follow_up_round_takes_the_waiting_and_keeps_accepted_pairs(app, world):
    people, _ = small_world(world, students=3, mentors=2)
    round_id = world.round()
    world.enrol(round_id, *people)
    world.solve(round_id)
    client = logged_in(app, world.coordinator)
    post_form(client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=f"/rounds/{round_id}")
    with app.app_context():
        intros = db.session.scalars(select(Introduction).order_by(Introduction.id)).all()
        intros[0].status = IntroStatus.ACCEPTED
        intros[1].status = IntroStatus.DECLINED
        accepted, declined = intros[0].student_id, intros[1].student_id
        db.session.commit()
    unmatched = {p.id for p in people} - {accepted, declined}

    response = post_form(client, f"/rounds/{round_id}/follow-up", page=f"/rounds/{round_id}")
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        enrolled = set(db.session.scalars(taking_part.participants(new_id)))
    assert enrolled == unmatched | {declined}

    world.solve(new_id)
    waited = [o.breakdown[7] for o in world.outcomes(new_id, 1).values() if o.breakdown]
    assert waited
    assert all(w > 0 for w in waited)


def test_a_follow_up_of_a_round_with_the_longest_name_still_fits(app, world):
    people, _ = small_world(world, students=2, mentors=1)
    longest = "Ω" * 120
    round_id = world.round(name=longest)
    world.enrol(round_id, *people)
    world.solve(round_id)
    client = logged_in(app, world.coordinator)
    post_form(client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=f"/rounds/{round_id}")
    response = post_form(client, f"/rounds/{round_id}/follow-up", page=f"/rounds/{round_id}")
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        name = db.session.get(Round, new_id).name
    assert len(name) == 120
    assert name.endswith("Ω…: follow-up")


def test_the_csv_export_lists_pairs_and_unmatched_safely(app, world):
    people, _ = small_world(world, students=3, mentors=2)
    with app.app_context():
        db.session.get(User, people[0].id).name = "=HYPERLINK(evil)"
        db.session.commit()
    round_id = world.round()
    world.enrol(round_id, *people)
    world.solve(round_id)
    client = logged_in(app, world.coordinator)
    response = client.get(f"/rounds/{round_id}/drafts/1.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 3
    assert sum(r["outcome"] == "matched" for r in rows) == 2
    assert sum(r["outcome"] == "all_full" for r in rows) == 1
    assert "'=HYPERLINK(evil)" in {r["student_name"] for r in rows}
    with app.app_context():
        exports = select(AuditEvent).where(AuditEvent.action == "round.export")
        assert db.session.scalar(exports).actor_id == world.coordinator.id


def test_round_pages_are_for_the_groups_coordinators_only(app, world):
    people, _ = small_world(world)
    round_id = world.round()
    world.enrol(round_id, *people)
    world.solve(round_id)
    other = make_user(app, Role.COORDINATOR, "other@example.edu", "Other Coordinator")
    make_group(app, "Other group", coordinators=(other,))
    outsider = make_user(app, Role.STUDENT, "outsider@example.edu", "Outsider")
    coordinator_pages = [
        f"/rounds/{round_id}/settings",
        f"/rounds/{round_id}/people",
        f"/rounds/{round_id}/drafts/1",
        f"/rounds/{round_id}/drafts/1.csv",
        f"/rounds/{round_id}/drafts/1/students/{people[0].id}",
        f"/groups/{world.group_id}/rounds",
        f"/groups/{world.group_id}/audit",
    ]
    member = logged_in(app, people[0])
    for url in coordinator_pages:
        assert member.get(url).status_code == 404, url
        assert logged_in(app, other).get(url).status_code == 403, url
    assert logged_in(app, outsider).get(f"/rounds/{round_id}").status_code == 404
    assert member.get(f"/rounds/{round_id}").status_code == 200
    token = csrf_token(member, f"/rounds/{round_id}")
    assert member.post(f"/rounds/{round_id}/solve", data={"csrf_token": token}).status_code == 404
    assert (
        member.post(
            f"/rounds/{round_id}/publish", data={"csrf_token": token, "draft": "1"}
        ).status_code
        == 404
    )


def test_every_round_action_is_in_the_groups_audit_log(app, world):
    people, _ = small_world(world)
    round_id = world.round()
    world.enrol(round_id, *people)
    world.solve(round_id)
    client = logged_in(app, world.coordinator)
    post_form(client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=f"/rounds/{round_id}")
    with app.app_context():
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.group_id == world.group_id)
            )
        )
    assert {"round.create", "round.opt_in", "round.solve", "round.publish"} <= actions
    page = client.get(f"/groups/{world.group_id}/audit").get_data(as_text=True)
    assert re.search(r"round\.publish", page)


def test_the_demo_round_is_ready_to_solve_and_publish(app):
    with app.app_context():
        demo.seed()
        round_ = db.session.scalar(select(Round))
        coordinator = round_.group.coordinators[0]
        round_id, email = round_.id, coordinator.email
    client = app.test_client()
    login(client, email, demo.DEMO_PASSWORD)
    page = client.get(solve_in_browser(client, round_id)).get_data(as_text=True)
    assert "Every student" in page
    with app.app_context():
        stats = drafts.draft(db.session.get(Round, round_id), 1).stats
    assert stats["students"] > 20
    assert stats["pairs"] > 10
    assert stats["stated_preferences"] > 5
    response = post_form(
        client, f"/rounds/{round_id}/publish", {"draft": "1"}, page=f"/rounds/{round_id}"
    )
    assert response.status_code == 303
