"""Realistic demo data for trying the site locally (``flask --app wsgi seed-demo``)."""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from matcher import clock, vocabulary
from matcher.auth import passwords
from matcher.extensions import db
from matcher.institutions import services as institution_list
from matcher.models import (
    ContactPreference,
    FacultyRank,
    GroupKind,
    InstitutionKind,
    InterestGroup,
    JoinPolicy,
    Membership,
    MembershipStatus,
    MentorProfile,
    MentorType,
    Role,
    RoundPreference,
    Stage,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.rounds import opening, taking_part

DEMO_PASSWORD = "mentor-match-demo"  # noqa: S105
DEMO_SEED = 20261122
ADMIN = ("Alex Morgan", "admin@matcher.example.org")
COORDINATORS = [
    ("Dr. Priya Raman", "priya.raman@westbrook.example.edu"),
    ("Marcus Oyelaran", "marcus.oyelaran@surgical-mentors.example.org"),
]
GROUPS = [
    {
        "name": "Westbrook Dermatology & Plastic Surgery Interest Group",
        "kind": GroupKind.SCHOOL,
        "institution": "Westbrook School of Medicine",
        "policy": JoinPolicy.OPEN,
        "listed": False,
        "requests": True,
        "specialties": [
            "Dermatology",
            "Plastic Surgery (Integrated)",
            "Otolaryngology",
            "Ophthalmology",
        ],
        "description": "Mentorship for Westbrook students aiming at dermatology, plastic "
        "surgery, ENT and ophthalmology. Meetings monthly; a match round each semester.",
    },
    {
        "name": "National Orthopaedic & Neurosurgery Mentorship Program",
        "kind": GroupKind.SOCIETY,
        "institution": "Society of Surgical Mentors",
        "policy": JoinPolicy.APPROVAL,
        "listed": True,
        "requests": False,
        "specialties": [
            "Orthopaedic Surgery",
            "Neurosurgery",
            "Diagnostic Radiology",
            "Neurology",
        ],
        "description": "A national program pairing students, especially those without a home "
        "department, with faculty and residents across the country.",
    },
]
SCHOOLS = [
    "Westbrook School of Medicine",
    "Lakeside College of Medicine",
    "Riverside University School of Medicine",
    "Northgate Medical College",
    "Harborview School of Medicine",
]
INSTITUTIONS = [
    ("Westbrook University Hospital", "Northeast"),
    ("Lakeside Medical Center", "Midwest"),
    ("Riverside Health", "South"),
    ("Pacific Crest University Hospital", "West"),
    ("Harborview Medical Center", "West"),
    ("Capital Children's Hospital", "Mid-Atlantic"),
]
WIDE_DEPARTMENTS = [
    "Anesthesiology",
    "Dermatology",
    "Diagnostic Radiology",
    "Emergency Medicine",
    "Family Medicine",
    "General Surgery",
    "Internal Medicine",
    "Neurology",
    "Neurosurgery",
    "Obstetrics and Gynecology",
    "Ophthalmology",
    "Orthopaedic Surgery",
    "Otolaryngology",
    "Pathology",
    "Pediatrics",
    "Plastic Surgery (Integrated)",
    "Psychiatry",
    "Radiation Oncology",
    "Urology",
]
DEMO_INSTITUTIONS = [
    {
        "name": "Westbrook School of Medicine",
        "kind": InstitutionKind.MEDICAL_SCHOOL,
        "region": "Northeast",
        "aliases": ["Westbrook SOM", "WSOM"],
        "departments": WIDE_DEPARTMENTS,
    },
    {
        "name": "Westbrook University Hospital",
        "kind": InstitutionKind.HOSPITAL,
        "region": "Northeast",
        "home": "Westbrook School of Medicine",
        "aliases": ["WUH"],
        "departments": [
            *WIDE_DEPARTMENTS,
            "Interventional Radiology",
            "Vascular Surgery (Integrated)",
        ],
    },
    {
        "name": "Harborview School of Medicine",
        "kind": InstitutionKind.MEDICAL_SCHOOL,
        "region": "West",
        "aliases": ["Harborview SOM"],
        "departments": WIDE_DEPARTMENTS,
    },
    {
        "name": "Harborview Medical Center",
        "kind": InstitutionKind.HOSPITAL,
        "region": "West",
        "home": "Harborview School of Medicine",
        "aliases": ["HMC"],
        "departments": [*WIDE_DEPARTMENTS, "Thoracic Surgery (Integrated)"],
    },
    {
        "name": "Lakeside College of Medicine",
        "kind": InstitutionKind.MEDICAL_SCHOOL,
        "region": "Midwest",
        "departments": [
            "Emergency Medicine",
            "Family Medicine",
            "General Surgery",
            "Internal Medicine",
            "Neurology",
            "Pediatrics",
            "Psychiatry",
        ],
    },
    {
        "name": "Lakeside Medical Center",
        "kind": InstitutionKind.HOSPITAL,
        "region": "Midwest",
        "home": "Lakeside College of Medicine",
        "departments": [
            "Anesthesiology",
            "Diagnostic Radiology",
            "Emergency Medicine",
            "General Surgery",
            "Internal Medicine",
            "Obstetrics and Gynecology",
            "Orthopaedic Surgery",
        ],
    },
    {
        "name": "Riverside Health",
        "kind": InstitutionKind.HEALTH_SYSTEM,
        "region": "South",
        "aliases": ["Riverside Health System"],
    },
    {
        "name": "Riverside University School of Medicine",
        "kind": InstitutionKind.MEDICAL_SCHOOL,
        "region": "South",
        "home": "Riverside Health",
    },
    {
        "name": "Northgate Medical College",
        "kind": InstitutionKind.MEDICAL_SCHOOL,
        "region": "Northeast",
    },
    {
        "name": "Pacific Crest University Hospital",
        "kind": InstitutionKind.HOSPITAL,
        "region": "West",
        "departments": WIDE_DEPARTMENTS,
    },
    {
        "name": "Capital Children's Hospital",
        "kind": InstitutionKind.HOSPITAL,
        "region": "Mid-Atlantic",
        "departments": ["Pediatrics", "Anesthesiology", "Diagnostic Radiology", "Neurosurgery"],
    },
]
"""Schools and their teaching hospitals as homes: Lakeside has no dermatology department, and
Riverside and Northgate have not recorded theirs (their students' own answers count)."""
PENDING_INSTITUTION = "Harbour View Medical Centre"
"""A name typed by someone and waiting for an admin: a look-alike of Harborview Medical Center."""
FIRST_NAMES = (
    "Aisha Ben Carmen Dmitri Elena Farah Gabriel Hana Isaac Jasmine Kofi Leila Mateo Nadia Omar "
    "Priya Quinn Rafael Sofia Tariq Uma Victor Wen Ximena Yusuf Zara Amara Bruno Chloe Darius "
    "Esme Felix Grace Hugo Ines Jonah Kira Luca Maya Noor"
).split()
LAST_NAMES = (
    "Adeyemi Bauer Chen Delgado Eriksen Fofana Gupta Hernandez Ibrahim Jensen Kim Lindqvist "
    "Martinez Nakamura Okafor Patel Quintero Rossi Silva Tanaka Usman Varga Wang Xu Yilmaz Zhou"
).split()
GOALS = [
    "research",
    "shadowing",
    "cv_review",
    "away_rotations",
    "letters",
    "mock_interviews",
    "specialty_choice",
    "wellbeing",
]
STAGES = [Stage.MS1, Stage.MS2, Stage.MS3, Stage.MS4, Stage.RESEARCH]
STUDENT_COUNT = 80
MENTOR_COUNT = 30
TIME_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Denver",
    "Europe/London",
]
"""The demo people's time zones, dealt in turn (the admin New York, the coordinators Chicago
and Los Angeles), so pages and emails show times in several zones."""
PEER_MENTOR = "Peer mentor and student"
STUDENT_LEADER = "Student leader"
SENIOR = (Stage.MS3, Stage.MS4)
"""The first two senior students of the first group with complete profiles hold a second
role: the first also peer-mentors in the group (a mentor profile beside their student one),
the second helps coordinate it."""


@dataclass
class Person:
    name: str
    email: str
    role: Role
    groups: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    profile: dict = field(default_factory=dict)
    time_zone: str = "UTC"
    mentoring: dict = field(default_factory=dict)
    """The mentor profile of a student who also peer-mentors (as ``_mentor`` builds one)."""
    leads: list[int] = field(default_factory=list)
    """The groups a member also coordinates."""
    label: str = ""
    """What the demo log-ins call the account (its role's label when empty)."""

    @property
    def roles(self) -> set[Role]:
        return {self.role, Role.MENTOR} if self.mentoring else {self.role}


def _names(rng: random.Random, count: int, taken: set[str]) -> list[tuple[str, str]]:
    names = []
    while len(names) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) not in taken:
            taken.add((first, last))
            names.append((first, last))
    return names


def _student(rng: random.Random, first: str, last: str) -> Person:
    group = rng.choice([0, 1])
    groups = [0, 1] if rng.random() < 0.15 else [group]
    specialties = GROUPS[group]["specialties"]
    interests = rng.sample(specialties, rng.choice([1, 2, 2, 3]))
    stage = rng.choice(STAGES)
    school = SCHOOLS[0] if group == 0 else rng.choice(SCHOOLS)
    complete = rng.random() < 0.85
    pending = [1] if 1 in groups and rng.random() < 0.1 else []
    return Person(
        name=f"{first} {last}",
        email=f"{first}.{last}@students.example.edu".lower(),
        role=Role.STUDENT,
        groups=[g for g in groups if g not in pending],
        pending=pending,
        profile={
            "school": school,
            "stage": stage,
            "graduation_year": clock.now().year + max(1, 5 - stage.year),
            "interests": interests,
            "focus": rng.randint(0, 2),
            "home_has_department": school == SCHOOLS[0] or rng.random() < 0.4,
            "goals": sorted(rng.sample(GOALS, rng.randint(2, 4))) if complete else [],
            "wanted": sorted(
                rng.sample(["faculty", "resident", "external", "peer"], rng.randint(2, 3))
            ),
            "contact": rng.choice(list(ContactPreference)),
            "statement": f"{stage.label} student at {school}, hoping to match into "
            f"{interests[0].lower()}. Looking for honest advice on research and rotations.",
        },
    )


def _mentor(rng: random.Random, first: str, last: str) -> Person:
    group = rng.choice([0, 1])
    specialty = rng.choice(GROUPS[group]["specialties"])
    kind = rng.choices(list(MentorType), weights=[40, 35, 10, 15])[0]
    institution, region = rng.choice(INSTITUTIONS)
    title, domain = ("", "students") if kind is MentorType.PEER else ("Dr. ", "faculty")
    return Person(
        name=f"{title}{first} {last}",
        email=f"{first}.{last}@{domain}.example.org".lower(),
        role=Role.MENTOR,
        groups=[group],
        profile={
            "type": kind,
            "rank": rng.choice(list(FacultyRank)) if kind is MentorType.FACULTY else None,
            "pgy": rng.randint(1, 6) if kind is MentorType.RESIDENT else None,
            "peer_stage": rng.choice([Stage.MS3, Stage.MS4]) if kind is MentorType.PEER else None,
            "specialty": specialty,
            "focus": rng.randint(1, 3),
            "institution": institution,
            "region": region,
            "offers": sorted(rng.sample(GOALS, rng.randint(3, 5))),
            "capacity": rng.randint(1, 4),
            "accepting": rng.random() < 0.85,
            "bio": f"{kind.label} in {specialty.lower()} at {institution}. Happy to talk "
            "about research, rotations and finding your way into the field.",
        },
    )


def demo_people() -> list[Person]:
    """Every demo account, the same on every run."""
    rng = random.Random(DEMO_SEED)  # noqa: S311
    people = [Person(*ADMIN, Role.ADMIN)]
    people += [Person(name, email, Role.COORDINATOR) for name, email in COORDINATORS]
    taken: set[tuple[str, str]] = set()
    people += [_student(rng, *n) for n in _names(rng, STUDENT_COUNT, taken)]
    people += [_mentor(rng, *n) for n in _names(rng, MENTOR_COUNT, taken)]
    for k, person in enumerate(people):
        person.time_zone = TIME_ZONES[k % len(TIME_ZONES)]
    _second_roles(people)
    return people


def _second_roles(people: list[Person]) -> None:
    """Make the first senior student of the first group a peer mentor there too, and the
    second its student leader (see :data:`SENIOR`)."""
    peer, leader = [
        p
        for p in people
        if p.role is Role.STUDENT
        and 0 in p.groups
        and p.profile["goals"]
        and p.profile["stage"] in SENIOR
    ][:2]
    stage, school = peer.profile["stage"], peer.profile["school"]
    specialty = peer.profile["interests"][0]
    peer.mentoring = {
        "type": MentorType.PEER,
        "rank": None,
        "pgy": None,
        "peer_stage": stage,
        "specialty": specialty,
        "focus": 1,
        "institution": school,
        "region": "Northeast",
        "offers": sorted({*peer.profile["goals"], "wellbeing"}),
        "capacity": 2,
        "accepting": True,
        "bio": f"{stage.label} student at {school} and peer mentor: happy to share how I found "
        f"research in {specialty.lower()} and got through the first clinical year.",
    }
    peer.label = PEER_MENTOR
    leader.leads = [0]
    leader.label = STUDENT_LEADER


def _groups(coordinators: dict[str, User], specialties) -> list[InterestGroup]:
    existing = {g.name: g for g in db.session.scalars(select(InterestGroup))}
    groups = []
    for n, spec in enumerate(GROUPS):
        group = existing.get(spec["name"])
        if group is None:
            group = InterestGroup(
                name=spec["name"],
                kind=spec["kind"],
                institution=spec["institution"],
                description=spec["description"],
                join_policy=spec["policy"],
                listed=spec["listed"],
                requests_open=spec["requests"],
                specialties=[specialties[name.lower()] for name in spec["specialties"]],
            )
            coordinator = coordinators.get(COORDINATORS[n][1])
            if coordinator is not None:
                group.coordinators.append(coordinator)
                group.time_zone = coordinator.time_zone
            db.session.add(group)
        groups.append(group)
    return groups


def _profile(person: Person, user: User, specialties) -> None:
    p = person.profile
    if person.mentoring:
        _mentor_profile(person.mentoring, user, specialties)
    if person.role is Role.STUDENT:
        chosen = [specialties[name.lower()] for name in p["interests"]]
        user.student_profile = StudentProfile(
            school=p["school"],
            stage=p["stage"],
            graduation_year=p["graduation_year"],
            home_has_department=p["home_has_department"],
            goals=p["goals"],
            wanted_types=p["wanted"],
            contact_preference=p["contact"],
            statement=p["statement"],
            interests=[StudentInterest(rank=r, specialty=s) for r, s in enumerate(chosen, start=1)],
            focus_areas=chosen[0].focus_areas[: p["focus"]],
        )
    elif person.role is Role.MENTOR:
        _mentor_profile(p, user, specialties)


def _mentor_profile(p: dict, user: User, specialties) -> None:
    specialty = specialties[p["specialty"].lower()]
    user.mentor_profile = MentorProfile(
        mentor_type=p["type"],
        faculty_rank=p["rank"],
        pgy=p["pgy"],
        peer_stage=p["peer_stage"],
        specialty=specialty,
        focus_areas=specialty.focus_areas[: p["focus"]],
        institution=p["institution"],
        region=p["region"],
        offers=p["offers"],
        capacity=p["capacity"],
        accepting=p["accepting"],
        bio=p["bio"],
    )


def seed() -> bool:
    """Create whatever part of the demo is missing. Returns whether anything was created."""
    if current_app.config["MATCHER_ENV"] == "production":
        raise RuntimeError("seed-demo makes accounts with a published password: not in production")
    added = vocabulary.ensure_seeded()
    specialties = vocabulary.specialty_by_name()
    existing = set(db.session.scalars(select(User.email)))
    people = demo_people()
    missing = [person for person in people if person.email not in existing]
    password_hash = passwords.hash_password(DEMO_PASSWORD) if missing else ""
    created = {}
    for person in missing:
        user = User(
            email=person.email,
            name=person.name,
            roles=person.roles,
            password_hash=password_hash,
            time_zone=person.time_zone,
        )
        _profile(person, user, specialties)
        db.session.add(user)
        created[person.email] = user
    coordinators = {u.email: u for u in created.values() if u.is_coordinator}
    before = len(db.session.new)
    groups = _groups(coordinators, specialties)
    new_groups = len(db.session.new) > before
    for person in missing:
        user = created[person.email]
        for index in person.groups:
            db.session.add(Membership(group=groups[index], user=user))
        for index in person.leads:
            groups[index].coordinators.append(user)
        for index in person.pending:
            db.session.add(
                Membership(group=groups[index], user=user, status=MembershipStatus.PENDING)
            )
    db.session.commit()
    new_institutions = _institutions(specialties)
    db.session.commit()
    new_round = _round(groups[0])
    db.session.commit()
    return bool(added or missing or new_groups or new_institutions or new_round)


def _institutions(specialties) -> bool:
    """The demo institutions and their homes, and every profile linked to the institution its
    name names. Returns whether anything was added or linked."""
    added = False
    for spec in DEMO_INSTITUTIONS:
        if institution_list.resolve(spec["name"]) is not None:
            continue
        home = institution_list.resolve(spec["home"]) if spec.get("home") else None
        details = institution_list.Details(
            name=spec["name"],
            kind=spec["kind"],
            aliases=spec.get("aliases", []),
            region=spec["region"],
            home_id=home.id if home is not None else None,
            department_ids=[specialties[name.lower()].id for name in spec.get("departments", [])],
        )
        institution_list.create(details, None)
        added = True
    if institution_list.resolve(PENDING_INSTITUTION) is None:
        institution_list.choose(PENDING_INSTITUTION, None)
        added = True
    ids = institution_list.index()
    for model, column in ((StudentProfile, "school"), (MentorProfile, "institution")):
        unlinked = select(model).where(model.institution_id.is_(None))
        for profile in db.session.scalars(unlinked):
            inst_id = ids.get(institution_list.folded(getattr(profile, column)))
            if inst_id is not None:
                profile.institution_id = inst_id
                added = True
    return added


def _round(group: InterestGroup) -> bool:
    """An open round in the first group, with its students enrolled and some rankings, so
    a coordinator can solve, adjust and publish straight away."""
    if db.session.scalar(opening.group_rounds(group.id).limit(1)) is not None:
        return False
    coordinator = next(c for c in group.coordinators if c.is_coordinator)
    round_ = opening.create_round(
        group,
        coordinator,
        name="Autumn 2026: faculty and resident mentors",
        slots=["faculty", "resident"],
        preference_deadline=clock.now() + timedelta(days=14),
    )
    taking_part.add_all_students(round_, coordinator)
    rng = random.Random(DEMO_SEED)  # noqa: S311
    mentors = [u.id for u, _, free in taking_part.round_mentor_rows(round_) if free]
    students = list(db.session.scalars(taking_part.participants(round_.id)))
    for student_id in rng.sample(students, len(students) // 3):
        others = [m for m in mentors if m != student_id]
        ranked = rng.sample(others, min(3, len(others)))
        db.session.add_all(
            RoundPreference(round_id=round_.id, student_id=student_id, mentor_id=m, rank=r)
            for r, m in enumerate(ranked, start=1)
        )
    return True


def logins_text() -> str:
    """The demo log-ins to print: the first account of each role, then the peer mentor who is
    also a student and the student leader."""
    people = demo_people()
    shown = [
        (role.label, next(p for p in people if p.role is role and not p.label)) for role in Role
    ]
    shown += [(p.label, p) for p in people if p.label]
    width = max(len(label) for label, _ in shown)
    lines = ["Demo log-ins (password for every demo account: " + DEMO_PASSWORD + ")"]
    lines += [f"  {label:<{width}} {person.email}" for label, person in shown]
    return "\n".join(lines)
