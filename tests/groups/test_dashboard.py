"""The coordinator dashboard: numbers cross-checked against a plain computation over the same
world, a constant number of queries as the group grows, access, and empty states."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from matcher import clock
from matcher.extensions import db
from matcher.groups import dashboard
from matcher.models import (
    HELD_STATUSES,
    SLOT_MENTOR_TYPES,
    InterestGroup,
    Introduction,
    IntroStatus,
    Membership,
    MembershipStatus,
    Role,
    StudentProfile,
    User,
    WantedMentor,
)
from matcher.profiles.services import missing
from tests.helpers import logged_in, make_group, make_user
from tests.helpers.rounds import World

SPECIALTIES = ("Dermatology", "Neurosurgery", "Ophthalmology")
KINDS = ("faculty", "resident", "fellow", "peer")
SLOTS = tuple(w.value for w in WantedMentor)


@pytest.fixture
def world(app, coordinator, specialties) -> World:
    group_id = make_group(app, coordinators=(coordinator,), specialty_names=SPECIALTIES)
    return World(app, group_id, coordinator)


def _intro(app, group_id, student, mentor, slot, status, days_ago=30, met=False):
    with app.app_context():
        now = clock.now()
        db.session.add(
            Introduction(
                group_id=group_id,
                student_id=student.id,
                mentor_id=mentor.id,
                slot=slot,
                status=status,
                link_nonce="n" * 16,
                created_at=now - timedelta(days=days_ago + 1),
                responded_at=None
                if status in (IntroStatus.PROPOSED, IntroStatus.EXPIRED)
                else now - timedelta(days=days_ago),
                met_at=now - timedelta(days=days_ago - 1) if met else None,
            )
        )
        db.session.commit()


def populate(app, world: World, size: int, seed: int = 7) -> None:
    """Students and mentors of every kind, some incomplete or not accepting, a pending request,
    and introductions in every status, some in another group."""
    rng = random.Random(seed)
    students, mentors = [], []
    for k in range(size):
        wanted = tuple(rng.sample(SLOTS, rng.randint(1, 3)))
        chosen = tuple(rng.sample(SPECIALTIES, rng.randint(1, 2)))
        students.append(world.student(f"Student {k}", specialties=chosen, wanted=wanted))
    for k in range(size // 2):
        kind = KINDS[k % len(KINDS)]
        mentors.append(
            world.mentor(
                f"Mentor {k}",
                specialty=SPECIALTIES[k % len(SPECIALTIES)],
                kind=kind,
                capacity=rng.randint(1, 3),
                accepting=k % 5 != 4,
                peer_stage="ms4" if kind == "peer" else None,
            )
        )
    pending = make_user(app, Role.STUDENT, f"pending{size}@example.edu", "Pending Person")
    with app.app_context():
        for s in students[: size // 4]:
            db.session.get(User, s.id).student_profile.goals = []
        db.session.add(
            Membership(group_id=world.group_id, user_id=pending.id, status=MembershipStatus.PENDING)
        )
        db.session.commit()
    elsewhere = make_group(app, "Elsewhere", specialty_names=("Dermatology",))
    statuses = list(IntroStatus)
    for k, s in enumerate(students[size // 8 :]):
        status = statuses[k % len(statuses)]
        met = status in (IntroStatus.MET, IntroStatus.COMPLETED)
        slot = SLOTS[k % len(SLOTS)]
        _intro(app, world.group_id, s, mentors[k % len(mentors)], slot, status, met=met)
    for m in mentors[:3]:
        _intro(app, elsewhere, students[0], m, "faculty", IntroStatus.ACCEPTED, days_ago=1)


def expected(app, group_id: int) -> dict:
    """The dashboard's numbers computed plainly from the ORM objects."""
    with app.app_context():
        group = db.session.get(InterestGroup, group_id)
        active = [m.user for m in group.memberships if m.status is MembershipStatus.ACTIVE]
        students = [u for u in active if u.has_role(Role.STUDENT)]
        intros = list(db.session.scalars(select(Introduction)))
        mine = [i for i in intros if i.group_id == group_id]
        ids = {s.id for s in students}

        def with_intro(test):
            return len({i.student_id for i in mine if i.student_id in ids and test(i)})

        accepted = (IntroStatus.ACCEPTED, IntroStatus.MET, IntroStatus.COMPLETED)
        funnel = [
            len(students),
            sum(1 for s in students if not missing(s)),
            with_intro(lambda i: True),
            with_intro(
                lambda i: (
                    i.status in accepted
                    or (i.status is IntroStatus.WITHDRAWN and i.responded_at is not None)
                )
            ),
            with_intro(lambda i: i.met_at is not None),
        ]
        supply_kind, supply_spec = Counter(), Counter()
        for u in active:
            p = u.mentor_profile
            if not u.has_role(Role.MENTOR) or not u.active or not p.accepting or missing(u):
                continue
            holding = sum(1 for i in intros if i.mentor_id == u.id and i.status.active)
            free = max(p.capacity - holding, 0)
            supply_spec[p.specialty.name] += free
            for slot, types in SLOT_MENTOR_TYPES.items():
                if p.mentor_type in types:
                    supply_kind[WantedMentor(slot).label] += free
        demand_kind, demand_spec = Counter(), Counter()
        for s in students:
            if missing(s) or not s.active:
                continue
            held = {i.slot for i in mine if i.student_id == s.id and i.status in HELD_STATUSES}
            still = [w for w in s.student_profile.wanted_types if w not in held]
            for w in still:
                demand_kind[WantedMentor(w).label] += 1
            demand_spec[s.student_profile.interests[0].specialty.name] += len(still)
        cutoff = clock.now() - timedelta(days=2 * group.checkin_days)
        stalled = sum(
            1
            for i in mine
            if i.status is IntroStatus.ACCEPTED and i.responded_at and i.responded_at <= cutoff
        )
        return {
            "funnel": funnel,
            "kind": {k: (supply_kind[k], demand_kind[k]) for k in supply_kind | demand_kind},
            "specialty": {
                k: (supply_spec[k], demand_spec[k])
                for k in supply_spec | demand_spec
                if supply_spec[k] or demand_spec[k]
            },
            "stalled": stalled,
        }


def build(app, group_id: int) -> dashboard.Dashboard:
    with app.app_context():
        return dashboard.build(db.session.get(InterestGroup, group_id))


def test_numbers_match_a_plain_computation(app, world):
    populate(app, world, 24)
    board = build(app, world.group_id)
    want = expected(app, world.group_id)
    assert [s.value for s in board.funnel] == want["funnel"]
    assert [s.label for s in board.funnel] == [
        "Student members",
        "Complete profiles",
        "Matched",
        "Accepted",
        "Met",
    ]
    kinds = {b.label: (b.supply, b.demand) for b in board.by_kind if b.supply or b.demand}
    assert kinds == {k: v for k, v in want["kind"].items() if any(v)}
    assert {b.label: (b.supply, b.demand) for b in board.by_specialty} == want["specialty"]
    assert board.stalled_count == want["stalled"] > 0
    waits = [i.responded_at for i in board.stalled]
    assert waits == sorted(waits)
    assert board.pending == 1
    assert sum(s.value for s in board.funnel[2:]) > 0


def test_rounds_show_status_drafts_and_students(app, world):
    students = [world.student(f"S{k}") for k in range(3)]
    world.mentor("M", capacity=3)
    first = world.round(name="Spring")
    world.enrol(first, *students)
    world.solve(first)
    world.solve(first)
    world.round(name="Empty")
    rows = {r.name: r for r in build(app, world.group_id).rounds}
    assert (rows["Spring"].drafts, rows["Spring"].students, rows["Spring"].status) == (2, 3, "open")
    assert (rows["Empty"].drafts, rows["Empty"].students) == (0, 0)


def _count_queries(app, group_id: int) -> int:
    statements = []
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            dashboard.build(db.session.get(InterestGroup, group_id))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_query_count_does_not_grow_with_the_group(app, world, coordinator):
    populate(app, world, 8, seed=1)
    small = _count_queries(app, world.group_id)
    populate(app, world, 32, seed=2)
    assert _count_queries(app, world.group_id) == small
    assert small <= 14


def test_page_draws_charts_with_text_and_a_table(app, world, coordinator):
    populate(app, world, 12)
    page = logged_in(app, coordinator).get(f"/groups/{world.group_id}/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('role="img"') == 3
    assert "Student members: 12" in html
    assert "of the step before" in html
    assert "<caption>Free places against places wanted</caption>" in html
    assert 'style="' not in html
    board = build(app, world.group_id)
    for b in board.by_kind:
        assert f'<th scope="row">{b.label}</th>' in html.replace("&amp;", "&")


def test_empty_group_says_what_to_do_next(app, coordinator, specialties):
    group_id = make_group(app, coordinators=(coordinator,))
    html = logged_in(app, coordinator).get(f"/groups/{group_id}/dashboard").get_data(as_text=True)
    assert "No members yet" in html
    assert "/join/" in html
    assert f"/groups/{group_id}/roster/import" in html
    assert "No rounds yet" in html
    assert f"/groups/{group_id}/rounds/new" in html
    assert "No stalled introductions" in html


def test_only_the_groups_coordinators_and_admins_see_it(app, world, coordinator, admin, student):
    url = f"/groups/{world.group_id}/dashboard"
    other = make_user(app, Role.COORDINATOR, "other@example.edu", "Other Coordinator")
    make_group(app, "Other group", coordinators=(other,))
    member = world.student("Member")
    assert logged_in(app, coordinator).get(url).status_code == 200
    assert logged_in(app, admin).get(url).status_code == 200
    assert logged_in(app, other).get(url).status_code == 403
    assert logged_in(app, member).get(url).status_code == 404
    assert logged_in(app, student).get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302
    assert logged_in(app, coordinator).get("/groups/999999/dashboard").status_code == 404


def test_linked_from_the_group_page_and_the_coordinator_home(app, world, coordinator):
    client = logged_in(app, coordinator)
    url = f"/groups/{world.group_id}/dashboard"
    assert url in client.get(f"/groups/{world.group_id}").get_data(as_text=True)
    assert url in client.get("/").get_data(as_text=True)


def test_incomplete_profiles_link_to_the_filtered_roster(app, world, coordinator):
    world.student("Done")
    user = make_user(app, Role.STUDENT, "half@example.edu", "Half Done")
    with app.app_context():
        db.session.add(StudentProfile(user_id=user.id, school="Somewhere"))
        db.session.add(Membership(group_id=world.group_id, user_id=user.id))
        db.session.commit()
    html = (
        logged_in(app, coordinator)
        .get(f"/groups/{world.group_id}/dashboard")
        .get_data(as_text=True)
    )
    assert "1 students have incomplete profiles" in html
    assert f"/groups/{world.group_id}/roster/students?complete=no" in html
