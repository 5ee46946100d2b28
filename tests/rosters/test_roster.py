"""Roster tables: who is listed, each filter, search, paging, and "complete" agreeing with
``missing()``."""

import itertools
import re

import pytest
from sqlalchemy import event, select

from matcher.extensions import db
from matcher.models import (
    InterestGroup,
    Membership,
    MembershipStatus,
    MentorProfile,
    MentorType,
    Role,
    Stage,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.profiles import services as profiles
from matcher.rosters import services
from matcher.rosters.services import RosterFilters
from tests.helpers.places import WESTBROOK, WESTBROOK_HOSPITAL
from tests.helpers.rosters import (
    add_member,
    complete_mentor_profile,
    complete_student_profile,
    make_group,
    specialty_id,
)

NAME_CELL = re.compile(r"<tr>\s*<td>([^<]*)</td>")


def names(response) -> list[str]:
    return NAME_CELL.findall(response.get_data(as_text=True))


def test_students_table_lists_active_student_members_with_their_profile(app, group, coord_client):
    add_member(
        app,
        group,
        name="Ana Alvarez",
        email="ana@example.edu",
        profile=complete_student_profile(stage="research", graduation_year=2029),
        specialties=("Dermatology", "Plastic Surgery (Integrated)"),
    )
    add_member(app, group, name="Pat Pending", status=MembershipStatus.PENDING)
    add_member(app, group, Role.MENTOR, name="Dr. Mo Mentor")
    other = make_group(app, "Other Group")
    add_member(app, other, name="Olga Elsewhere")
    response = coord_client.get(group.url("students"))
    assert response.status_code == 200
    assert names(response) == ["Ana Alvarez"]
    html = response.get_data(as_text=True)
    for fact in ("ana@example.edu", "Research year", "2029", "State Medical School", "Complete"):
        assert fact in html
    assert re.search(r"<li>Dermatology</li>\s*<li>Plastic Surgery \(Integrated\)</li>", html)


def test_mentors_table_shows_type_specialty_capacity_and_accepting(app, group, coord_client):
    add_member(
        app,
        group,
        Role.MENTOR,
        name="Dr. Rae Resident",
        profile=complete_mentor_profile(mentor_type="resident", pgy=3, capacity=4, accepting=False),
        specialties=("Neurosurgery",),
    )
    add_member(app, group, Role.MENTOR, name="Dr. No Profile")
    add_member(app, group, name="Sam Student")
    response = coord_client.get(group.url("mentors"))
    assert names(response) == ["Dr. No Profile", "Dr. Rae Resident"]
    html = response.get_data(as_text=True)
    row = html[html.index("Dr. Rae Resident") :]
    row = row[: row.index("</tr>")]
    for fact in (
        "PGY-3 resident",
        "Neurosurgery",
        "University Hospital",
        "<td>4</td>",
        "<td>No</td>",
    ):
        assert fact in row
    assert "Complete" in row
    assert "Incomplete" in html


def test_search_matches_name_or_email_ignoring_case(app, group, coord_client):
    add_member(app, group, name="Ana Alvarez", email="ana@example.edu")
    add_member(app, group, name="Ben Brown", email="bb@school.edu")
    add_member(app, group, name="Cy 100% Sure", email="cy@example.edu")
    url = group.url("students")
    assert names(coord_client.get(url, query_string={"q": "ALVAR"})) == ["Ana Alvarez"]
    assert names(coord_client.get(url, query_string={"q": "SCHOOL.edu"})) == ["Ben Brown"]
    assert names(coord_client.get(url, query_string={"q": "%"})) == ["Cy 100% Sure"]
    assert names(coord_client.get(url, query_string={"q": "zzz"})) == []


def test_student_filters_specialty_at_any_rank_and_stage(app, group, coord_client):
    add_member(
        app,
        group,
        name="First Derm",
        profile={"stage": "ms3"},
        specialties=("Dermatology",),
    )
    add_member(
        app,
        group,
        name="Second Derm",
        profile={"stage": "ms2"},
        specialties=("Urology", "Dermatology"),
    )
    add_member(app, group, name="Uro Only", profile={"stage": "ms3"}, specialties=("Urology",))
    add_member(app, group, name="No Profile")
    url = group.url("students")
    derm = specialty_id(app, "Dermatology")
    assert names(coord_client.get(url, query_string={"specialty": derm})) == [
        "First Derm",
        "Second Derm",
    ]
    assert names(coord_client.get(url, query_string={"stage": "ms3"})) == [
        "First Derm",
        "Uro Only",
    ]
    both = coord_client.get(url, query_string={"stage": "ms3", "specialty": derm})
    assert names(both) == ["First Derm"]


def test_mentor_filters_specialty_type_and_accepting(app, group, coord_client):
    add_member(
        app,
        group,
        Role.MENTOR,
        name="Faculty Derm",
        profile={"mentor_type": "faculty", "accepting": True},
        specialties=("Dermatology",),
    )
    add_member(
        app,
        group,
        Role.MENTOR,
        name="Fellow Derm Full",
        profile={"mentor_type": "fellow", "accepting": False},
        specialties=("Dermatology",),
    )
    add_member(
        app,
        group,
        Role.MENTOR,
        name="Faculty Uro",
        profile={"mentor_type": "faculty", "accepting": True},
        specialties=("Urology",),
    )
    add_member(app, group, Role.MENTOR, name="No Profile")
    url = group.url("mentors")
    derm = specialty_id(app, "Dermatology")
    assert names(coord_client.get(url, query_string={"specialty": derm})) == [
        "Faculty Derm",
        "Fellow Derm Full",
    ]
    assert names(coord_client.get(url, query_string={"mentor_type": "faculty"})) == [
        "Faculty Derm",
        "Faculty Uro",
    ]
    assert names(coord_client.get(url, query_string={"accepting": "no"})) == ["Fellow Derm Full"]
    combined = {"accepting": "yes", "specialty": derm}
    assert names(coord_client.get(url, query_string=combined)) == ["Faculty Derm"]


@pytest.mark.parametrize(
    ("path", "args"),
    [
        ("students", {"stage": "ms9"}),
        ("students", {"specialty": "dermatology"}),
        ("students", {"specialty": "99999"}),
        ("students", {"complete": "maybe"}),
        ("students", {"q": "x" * 500}),
        ("mentors", {"mentor_type": "wizard"}),
        ("mentors", {"accepting": "sometimes"}),
    ],
)
def test_a_bad_filter_is_a_400_that_names_it_and_is_not_applied(
    app, group, coord_client, path, args
):
    role = Role.STUDENT if path == "students" else Role.MENTOR
    add_member(app, group, role, name="Still Listed")
    response = coord_client.get(group.url(path), query_string=args)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "was ignored" in html
    assert names(response) == ["Still Listed"]
    export = coord_client.get(group.url(f"{path}.csv"), query_string=args)
    assert export.status_code == 400


def test_a_bad_page_number_is_not_an_error(app, group, coord_client):
    add_member(app, group, name="Only One")
    response = coord_client.get(group.url("students"), query_string={"page": "x"})
    assert response.status_code == 200
    assert names(response) == ["Only One"]


def test_pages_of_fifty_keep_the_filters_in_the_pager(app, group, coord_client):
    with app.app_context():
        users = [
            User(email=f"s{i:03}@example.edu", name=f"Student {i:03}", roles={Role.STUDENT})
            for i in range(55)
        ]
        for user in users:
            user.password_hash = "!"
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(Membership(group_id=group.id, user_id=u.id) for u in users)
        db.session.commit()
    first = coord_client.get(group.url("students"), query_string={"q": "student"})
    assert len(names(first)) == 50
    html = first.get_data(as_text=True)
    assert "Page 1 of 2" in html
    assert re.search(r'href="[^"]*page=2[^"]*q=student|href="[^"]*q=student[^"]*page=2', html)
    second = coord_client.get(group.url("students"), query_string={"q": "student", "page": 2})
    assert names(second) == [f"Student {i:03}" for i in range(50, 55)]


def test_empty_roster_says_what_to_do_next(app, group, coord_client):
    html = coord_client.get(group.url("mentors")).get_data(as_text=True)
    assert "No mentors in Surgery Interest Group yet" in html
    assert group.url("import") in html
    add_member(app, group, Role.MENTOR, name="Someone")
    filtered = coord_client.get(group.url("mentors"), query_string={"q": "nobody"})
    assert "Nobody matches those filters" in filtered.get_data(as_text=True)


def count_queries(app, client, url) -> int:
    with app.app_context():
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


@pytest.mark.parametrize("role", [Role.STUDENT, Role.MENTOR])
def test_the_table_costs_the_same_queries_for_3_or_12_members(app, group, coord_client, role):
    path = f"{role.value}s"
    profile = complete_student_profile() if role is Role.STUDENT else complete_mentor_profile()
    specialties = ("Dermatology", "Urology") if role is Role.STUDENT else ("Dermatology",)
    focus = (("Dermatology", "Mohs surgery"),)

    def add(n):
        for _ in range(n):
            add_member(app, group, role, profile=profile, specialties=specialties, focus=focus)

    add(3)
    few = count_queries(app, coord_client, group.url(path))
    add(9)
    many = count_queries(app, coord_client, group.url(path))
    assert few == many


@pytest.mark.parametrize("school", [WESTBROOK, WESTBROOK_HOSPITAL])
def test_departments_on_record_cost_no_query_per_student(app, group, coord_client, school):
    """Completeness reads the departments of every institution of each school's home."""
    profile = complete_student_profile(school=school, home_has_department=None)

    def add(n):
        for _ in range(n):
            add_member(app, group, profile=profile, specialties=("Dermatology",))

    add(3)
    few = count_queries(app, coord_client, group.url("students"))
    add(9)
    page = coord_client.get(group.url("students"), query_string={"complete": "yes"})
    assert len(names(page)) == 12
    assert count_queries(app, coord_client, group.url("students")) == few


# --- "complete" is the same rule in SQL and in Python ----------------------------------------


def student_variants():
    """Every combination of the facts ``StudentProfile.missing`` looks at: the school as
    (saved name, institution linked), which for Westbrook has departments on record (internal
    medicine, not dermatology), and the first-choice specialty."""
    return itertools.product(
        [
            ("", None),
            ("Somewhere Unlisted", None),
            ("State Medical School", "State Medical School"),
            (WESTBROOK, WESTBROOK),
        ],
        [None, Stage.MS2],
        [None, "Dermatology", "Internal Medicine"],
        [[], None, ["research"]],
        [[], ["faculty"]],
        [None, False, True],
    )


def mentor_variants():
    return itertools.product(
        [None, *MentorType],
        [None, 0, 2],
        [None, Stage.MS4],
        [False, True],
        ["", "University Hospital"],
        [[], ["research"]],
    )


def add_bulk(group_id, role, index) -> User:
    user = User(
        email=f"{role.value}{index}@bulk.example.edu",
        name=f"{role.value} {index}",
        roles={role},
        password_hash="!",
    )
    db.session.add(user)
    db.session.add(Membership(group_id=group_id, user=user))
    return user


def test_complete_filter_agrees_with_missing_for_every_student_combination(app, group, places):
    first = {name: specialty_id(app, name) for name in ("Dermatology", "Internal Medicine")}
    with app.app_context():
        add_bulk(group.id, Role.STUDENT, "none")
        for i, (school, stage, interest, goals, wanted, home) in enumerate(student_variants()):
            user = add_bulk(group.id, Role.STUDENT, i)
            user.student_profile = StudentProfile(
                school=school[0],
                institution_id=places[school[1]] if school[1] else None,
                stage=stage,
                goals=goals,
                wanted_types=wanted,
                home_has_department=home,
                interests=[StudentInterest(rank=1, specialty_id=first[interest])]
                if interest
                else [],
            )
        db.session.commit()
        assert_complete_filter_agrees(group, Role.STUDENT, expected_total=433)
        on_record = [
            u
            for u in db.session.scalars(select(User).where(User.is_student))
            if u.student_profile is not None
            and u.student_profile.home_has_department is None
            and u.student_profile.home_department_on_record() is not None
        ]
        assert on_record
        assert {u.student_profile.home_department_on_record() for u in on_record} == {True, False}


def test_complete_filter_agrees_with_missing_for_every_mentor_combination(app, group):
    derm = specialty_id(app, "Dermatology")
    with app.app_context():
        add_bulk(group.id, Role.MENTOR, "none")
        for i, (kind, pgy, stage, specialty, institution, offers) in enumerate(mentor_variants()):
            user = add_bulk(group.id, Role.MENTOR, i)
            user.mentor_profile = MentorProfile(
                mentor_type=kind,
                pgy=pgy,
                peer_stage=stage,
                specialty_id=derm if specialty else None,
                institution=institution,
                offers=offers,
            )
        db.session.commit()
        assert_complete_filter_agrees(group, Role.MENTOR, expected_total=241)


def assert_complete_filter_agrees(group, role, expected_total):
    db.session.expire_all()
    row = db.session.get(InterestGroup, group.id)
    everyone = list(db.session.scalars(services.roster_query(row, role, RosterFilters())))
    assert len(everyone) == expected_total
    by_python = {u.id for u in everyone if not profiles.missing(u)}
    complete = services.roster_query(row, role, RosterFilters(complete=True))
    incomplete = services.roster_query(row, role, RosterFilters(complete=False))
    by_sql = {u.id for u in db.session.scalars(complete)}
    not_by_sql = {u.id for u in db.session.scalars(incomplete)}
    assert by_sql == by_python
    assert not_by_sql == {u.id for u in everyone} - by_python
    assert 0 < len(by_python) < expected_total


def test_complete_filter_on_the_page(app, group, coord_client):
    add_member(
        app,
        group,
        name="Done Student",
        profile=complete_student_profile(),
        specialties=("Urology",),
    )
    add_member(app, group, name="Half Student", profile=complete_student_profile(goals=[]))
    add_member(app, group, name="Bare Student")
    url = group.url("students")
    assert names(coord_client.get(url, query_string={"complete": "yes"})) == ["Done Student"]
    assert names(coord_client.get(url, query_string={"complete": "no"})) == [
        "Bare Student",
        "Half Student",
    ]
