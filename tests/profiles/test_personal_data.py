"""The personal data download: it holds every record the site keeps about the person, and no
table that names a person can be left out of it."""

import json

from sqlalchemy import func, or_, select

from matcher.extensions import db
from matcher.models import (
    ConstraintKind,
    Delivery,
    FormSubmission,
    Institution,
    InstitutionKind,
    IntroductionFeedback,
    Job,
    MailPreference,
    Round,
    RoundConstraint,
    RoundLike,
    User,
    WaitingSeat,
)
from matcher.profiles.personal_data import SECTIONS
from matcher.rounds import taking_part
from tests.helpers import logged_in
from tests.helpers.board import intro_between, publish

PERSON_COLUMNS_WITHOUT_KEYS = {"audit_events": ("actor_id", "target_id"), "outbox": ()}
"""Tables that name a person without a foreign key: the audit log keeps ids (it has no keys,
see ``matcher.models.audit``), the outbox an address."""


def person_columns() -> dict[str, list[str]]:
    """Every table with a column naming a person (a foreign key to ``users``), from the models'
    registry and the association tables beside them."""
    tables = {m.local_table for m in db.Model.registry.mappers} | set(db.metadata.tables.values())
    found = {}
    for table in tables:
        columns = [
            c.name
            for c in table.columns
            if any(fk.column.table.name == "users" for fk in c.foreign_keys)
        ]
        if columns or table.name == "users":
            found[table.name] = columns or ["id"]
    return found


def holds_something(section) -> bool:
    if isinstance(section, dict):
        return any(holds_something(v) for v in section.values())
    if isinstance(section, list):
        return bool(section)
    return section is not None


def download(app, user: User) -> dict:
    response = logged_in(app, user).get("/profile/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    return json.loads(response.get_data(as_text=True))


def rows_naming(table_name: str, columns: list[str], user: User) -> int:
    table = db.metadata.tables[table_name]
    return db.session.scalar(
        select(func.count())
        .select_from(table)
        .where(or_(*(table.c[c] == user.id for c in columns)))
    )


def test_every_table_that_names_a_person_has_a_section(app):
    tables = person_columns()
    assert {"introductions", "round_preferences", "introduction_feedback"} <= set(tables)
    missing = sorted(set(tables) - set(SECTIONS))
    assert not missing, f"Tables naming a person left out of the download: {missing}"
    assert set(PERSON_COLUMNS_WITHOUT_KEYS) <= set(SECTIONS)


def a_full_history(world, places):
    """A student and a mentor with a record in every table that can name them, and the
    coordinator who ran their round."""
    student = world.student("Sam Student", wanted=("faculty",))
    mentor = world.mentor("Mina Mentor", capacity=2)
    round_id = world.round(name="Spring round")
    world.enrol(round_id, student)
    app = world.app
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        taking_part.set_preferences(round_, db.session.get(User, student.id), [mentor.id])
        taking_part.set_likes(round_, db.session.get(User, mentor.id), [student.id])
        db.session.add(
            RoundConstraint(
                round_id=round_id,
                student_id=student.id,
                mentor_id=mentor.id,
                kind=ConstraintKind.PIN,
            )
        )
        db.session.commit()
    publish(world, round_id, world.solve(round_id))
    intro_id = intro_between(world, student, mentor)
    with app.app_context():
        db.session.add_all(
            [
                IntroductionFeedback(
                    introduction_id=intro_id, user_id=student.id, rating=5, comment="Kind."
                ),
                IntroductionFeedback(
                    introduction_id=intro_id, user_id=mentor.id, rating=4, comment="Keen."
                ),
                WaitingSeat(
                    group_id=world.group_id,
                    student_id=student.id,
                    slot="resident",
                    round_id=round_id,
                    reason="no_allowed",
                ),
                Institution(
                    name="Sam's New Clinic",
                    kind=InstitutionKind.HOSPITAL,
                    confirmed=False,
                    created_by_id=student.id,
                ),
                Job(kind="import", title="Roster import", owner_id=world.coordinator.id),
                FormSubmission(token="t" * 32, user_id=mentor.id, result_url="/groups/1"),
                MailPreference(user_id=student.id, delivery=Delivery.DIGEST),
            ]
        )
        db.session.commit()
    return student, mentor


def test_the_download_holds_every_record_naming_the_person(app, world, places):
    student, mentor = a_full_history(world, places)
    people = (student, mentor, world.coordinator)
    tables = person_columns()
    exports = {p.id: download(app, p) for p in people}
    with app.app_context():
        for table, columns in tables.items():
            counts = {p.id: rows_naming(table, columns, p) for p in people}
            assert any(counts.values()), f"the history names no one in {table}"
            for p in people:
                if counts[p.id]:
                    section = exports[p.id].get(SECTIONS[table])
                    assert holds_something(section), f"{table} rows of {p.name} not downloaded"


def test_the_download_reads_as_the_persons_history(app, world, places):
    student, mentor = a_full_history(world, places)
    mine = download(app, student)
    assert mine["account"]["email"] == student.email
    assert mine["student_profile"]["specialty_interests"] == ["Dermatology"]
    assert mine["memberships"][0]["group"] == "Derm Interest Group"
    assert mine["rounds_taken_part_in"][0]["round"] == "Spring round"
    assert mine["rankings"]["you_ranked"] == [
        {"round": "Spring round", "rank": 1, "mentor": "Mina Mentor"}
    ]
    assert mine["marks"]["mentors_who_marked_you"] == [{"round": "Spring round", "people": 1}]
    assert mine["pins_and_bars"][0]["kind"] == "pin"
    assert mine["round_results"][0]["with"] == "Mina Mentor"
    (intro,) = mine["introductions"]
    assert (intro["you_are"], intro["mentor"], intro["status"]) == (
        "student",
        "Mina Mentor",
        "proposed",
    )
    assert intro["steps"]
    assert mine["feedback_given"] == [
        {**mine["feedback_given"][0], "rating": 5, "comment": "Kind."}
    ]
    assert mine["waiting_seats"][0]["seat"] == "resident"
    assert mine["institutions_added"][0]["name"] == "Sam's New Clinic"
    assert any(e["action"] == "round.preferences" and e["by"] == "you" for e in mine["audit_log"])
    assert mine["emails"]
    theirs = download(app, mentor)
    assert theirs["marks"]["you_marked"] == [{"round": "Spring round", "student": "Sam Student"}]
    assert theirs["rankings"]["students_who_ranked_you"] == [{"round": "Spring round", "people": 1}]
    assert theirs["feedback_given"][0]["comment"] == "Keen."
    assert "Kind." not in json.dumps(theirs)
    assert theirs["introductions"][0]["you_are"] == "mentor"
    assert theirs["forms_sent"]
    coordinator = download(app, world.coordinator)
    assert coordinator["coordinates"] == ["Derm Interest Group"]
    assert coordinator["rounds_run"][0]["round"] == "Spring round"
    assert coordinator["drafts_made"]
    assert coordinator["jobs"][0]["title"] == "Roster import"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RoundLike)) == 1
