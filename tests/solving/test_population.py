"""Loading a round's people: "same institution" is decided by home (a school and its teaching
hospitals share one code), and whether a student's home has a department in their first-choice
specialty is known from the institutions' departments, with the student's answer as fallback."""

import numpy as np
from sqlalchemy import select

from matcher.extensions import db
from matcher.institutions import services
from matcher.matching import REFUSALS, Rules, refusals
from matcher.models import InstitutionKind, MentorProfile, Specialty, StudentProfile, User
from matcher.solving import population


def institutions() -> None:
    """Westbrook's school and hospital are one home with a dermatology department; Lakeside's
    home has departments but none in dermatology; Northgate has none recorded."""
    derm, medicine = (
        db.session.scalar(select(Specialty.id).where(Specialty.name == name))
        for name in ("Dermatology", "Internal Medicine")
    )
    school = services.create(
        services.Details(
            "Westbrook School of Medicine", InstitutionKind.MEDICAL_SCHOOL, department_ids=[derm]
        ),
        None,
    )
    services.create(
        services.Details(
            "Westbrook University Hospital", InstitutionKind.HOSPITAL, home_id=school.id
        ),
        None,
    )
    lakeside = services.create(
        services.Details("Lakeside College of Medicine", department_ids=[medicine]), None
    )
    services.create(services.Details("Lakeside Medical Center", home_id=lakeside.id), None)
    services.create(services.Details("Northgate Medical College"), None)
    db.session.commit()


def link(app, *users: User) -> None:
    """Link each person's profile to the institution its name names, as the profile form does."""
    with app.app_context():
        for user in users:
            profile = db.session.get(StudentProfile, user.id) or db.session.get(
                MentorProfile, user.id
            )
            name = profile.school if isinstance(profile, StudentProfile) else profile.institution
            profile.institution_id = services.choose(name, None).id
        db.session.commit()


def load(world, students: list[User], mentors: list[User]) -> population.Population:
    return population.load(
        world.group_id,
        select(User.id).where(User.id.in_([s.id for s in students])),
        select(User.id).where(User.id.in_([m.id for m in mentors])),
    )


def test_a_school_and_its_teaching_hospital_share_an_institution_code(app, world):
    with app.app_context():
        institutions()
    student = world.student("Sam Westbrook", school="Westbrook School of Medicine")
    resident = world.mentor(
        "Dr Rae Resident", kind="resident", institution="Westbrook University Hospital"
    )
    away = world.mentor("Dr Ana Away", kind="resident", institution="Lakeside Medical Center")
    link(app, student, resident, away)
    with app.app_context():
        people = load(world, [student], [resident, away])
        codes = people.students.institution.tolist() + people.mentors.institution.tolist()
        school = services.resolve("Westbrook School of Medicine").id
        assert codes == [school, school, services.resolve("Lakeside College of Medicine").id]

        i, m = np.array([0, 0]), np.array([0, 1])
        barred = refusals(
            people.students, people.mentors, i, m, rules=Rules(same_institution="barred")
        )
        assert [REFUSALS[code - 1] if code else "allowed" for code in barred] == [
            "same_institution",
            "allowed",
        ]


def test_with_same_institution_barred_the_round_never_pairs_one_home(app, world):
    with app.app_context():
        institutions()
    student = world.student(
        "Sam Westbrook", school="Westbrook School of Medicine", wanted=("resident",)
    )
    resident = world.mentor(
        "Dr Rae Resident", kind="resident", institution="Westbrook University Hospital"
    )
    link(app, student, resident)

    barred = world.round(slots=("resident",), same_institution="barred", name="Barred")
    world.enrol(barred, student)
    assert world.pairs(barred, world.solve(barred))[(student.id, "resident")] is None

    preferred = world.round(slots=("resident",), same_institution="preferred", name="Preferred")
    world.enrol(preferred, student)
    assert world.pairs(preferred, world.solve(preferred))[(student.id, "resident")] == resident.id


def test_people_not_linked_yet_get_codes_from_their_names(app, world):
    with app.app_context():
        institutions()
    named = world.student("Nia Named", school="westbrook  SCHOOL of medicine")
    typed = world.student("Tom Typed", school="Eastgate School of Medicine")
    same = world.student("Tia Typed", school="eastgate school of medicine")
    blank = world.student("Bo Blank", school="")
    mentor = world.mentor("Dr Mo", institution="Eastgate School of Medicine")
    with app.app_context():
        people = load(world, [named, typed, same, blank], [mentor])
        codes = people.students.institution.tolist()
        largest = max(services.index().values())
        assert codes[0] == services.resolve("Westbrook School of Medicine").id
        assert codes[1] == codes[2] == people.mentors.institution[0] > largest
        assert codes[3] == -1


def test_home_department_is_known_from_the_home_or_falls_back_to_the_answer(app, world):
    with app.app_context():
        institutions()
    lakeside_yes = world.student("Lee Lakeside", school="Lakeside Medical Center", home=True)
    westbrook_no = world.student(
        "Wes Westbrook", school="Westbrook University Hospital", home=False
    )
    westbrook_peds = world.student(
        "Pia Peds", school="Westbrook School of Medicine", specialties=("Pediatrics", "Dermatology")
    )
    northgate_no = world.student("Nora North", school="Northgate Medical College", home=False)
    northgate_yes = world.student("Ned North", school="Northgate Medical College", home=True)
    unlinked_no = world.student("Uma Unlinked", school="Somewhere Else", home=False)
    everyone = [lakeside_yes, westbrook_no, westbrook_peds, northgate_no, northgate_yes]
    link(app, *everyone)
    with app.app_context():
        people = load(world, [*everyone, unlinked_no], [])
        assert people.students.home_department.tolist() == [
            False,
            True,
            False,
            False,
            True,
            False,
        ]
