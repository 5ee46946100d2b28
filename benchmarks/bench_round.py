"""Time a society-size match round from the click to the results page, on SQLite.

    .venv/bin/python benchmarks/bench_round.py [--students 2000] [--mentors 600] [--seed 3]

Builds a throw-away SQLite database with a group of seeded random students (up to three
ranked specialties, focus areas, goals, a third of them ranking five mentors) and mentors
(faculty, residents, fellows, peers, capacity 1-4, some marking students), a round filling
a faculty and a resident mentor per student, then drives the coordinator's browser requests
through the app: POST solve (load from the database, score, solve each slot, explain, save
the draft; a round this size runs as a background job, polled as its progress page does) and
GET the draft's results page. Prints each phase and the total.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_national import follow
from sqlalchemy import insert, select

from matcher import create_app, vocabulary
from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.models import (
    Goal,
    GroupKind,
    InterestGroup,
    Membership,
    MentorProfile,
    Role,
    Round,
    RoundLike,
    RoundPreference,
    RoundStudent,
    Specialty,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.models.profile import mentor_focus, student_focus
from matcher.rounds import drafts, opening, taking_part
from matcher.solving import population

PASSWORD = "benchmark-password-1"  # noqa: S105 (a throw-away benchmark account)
SCHOOLS = ["Westbrook School of Medicine", "Harbor University", "Lakeside College of Medicine"]
HOSPITALS = [*SCHOOLS, "Summit Medical Center", "Riverside Hospital"]


def build(students: int, mentors: int, seed: int) -> tuple[int, int, str]:
    rng = random.Random(seed)
    vocabulary.ensure_seeded()
    specs = list(db.session.scalars(select(Specialty).order_by(Specialty.id)))
    popular = specs[:12]
    weights = [1 / (k + 1) for k in range(len(popular))]
    areas = {s.id: [a.id for a in s.focus_areas] for s in specs}
    goals = [g.value for g in Goal]

    coordinator = accounts.create_user(
        "coordinator@bench.example", "Bench Coordinator", PASSWORD, Role.COORDINATOR
    )
    group = InterestGroup(name="National program", kind=GroupKind.SOCIETY)
    group.coordinators = [coordinator]
    db.session.add(group)
    db.session.flush()

    def users(role: Role, count: int, prefix: str) -> list[int]:
        rows = [
            {
                "email": f"{prefix}{k}@bench.example",
                "name": f"{prefix.title()} {k}",
                f"is_{role.value}": True,
                "password_hash": "!",
                "session_token": f"t{prefix}{k}",
                "active": True,
            }
            for k in range(count)
        ]
        db.session.execute(insert(User), rows)
        return list(db.session.scalars(select(User.id).where(User.holding(role)).order_by(User.id)))

    s_ids = users(Role.STUDENT, students, "student")
    m_ids = users(Role.MENTOR, mentors, "mentor")
    db.session.execute(
        insert(Membership), [{"group_id": group.id, "user_id": u} for u in s_ids + m_ids]
    )
    profiles, interests, s_focus = [], [], []
    for u in s_ids:
        chosen = list(dict.fromkeys(rng.choices(popular, weights, k=rng.randint(1, 3))))
        profiles.append(
            {
                "user_id": u,
                "school": rng.choice(SCHOOLS),
                "stage": rng.choice(["ms1", "ms2", "ms3", "ms4", "research"]),
                "home_has_department": rng.random() < 0.7,
                "goals": rng.sample(goals, rng.randint(1, 4)),
                "wanted_types": rng.sample(["faculty", "resident", "peer"], rng.randint(1, 2)),
                "statement": "",
                "contact_preference": "email",
            }
        )
        interests += [
            {"student_id": u, "rank": r, "specialty_id": s.id} for r, s in enumerate(chosen, 1)
        ]
        s_focus += [
            {"student_id": u, "focus_area_id": a}
            for a in set(rng.sample(areas[chosen[0].id], min(2, len(areas[chosen[0].id]))))
        ]
    db.session.execute(insert(StudentProfile), profiles)
    db.session.execute(insert(StudentInterest), interests)
    db.session.execute(insert(student_focus), s_focus)

    m_rows, m_focus = [], []
    for u in m_ids:
        spec = rng.choices(popular, weights)[0]
        kind = rng.choices(["faculty", "resident", "fellow", "peer"], [5, 3, 1, 1])[0]
        m_rows.append(
            {
                "user_id": u,
                "mentor_type": kind,
                "pgy": rng.randint(1, 5) if kind == "resident" else None,
                "peer_stage": rng.choice(["ms3", "ms4"]) if kind == "peer" else None,
                "specialty_id": spec.id,
                "institution": rng.choice(HOSPITALS),
                "region": "",
                "offers": rng.sample(goals, rng.randint(2, 5)),
                "preferred_stages": [],
                "capacity": rng.randint(1, 4),
                "accepting": True,
                "bio": "",
            }
        )
        m_focus += [
            {"mentor_id": u, "focus_area_id": a}
            for a in rng.sample(areas[spec.id], min(3, len(areas[spec.id])))
        ]
    db.session.execute(insert(MentorProfile), m_rows)
    db.session.execute(insert(mentor_focus), m_focus)
    db.session.commit()

    round_ = opening.create_round(
        group, coordinator, name="Benchmark round", slots=["faculty", "resident"]
    )
    db.session.flush()
    db.session.execute(
        insert(RoundStudent), [{"round_id": round_.id, "student_id": u} for u in s_ids]
    )
    prefs = []
    for u in rng.sample(s_ids, students // 3):
        for r, m in enumerate(rng.sample(m_ids, 5), 1):
            prefs.append({"round_id": round_.id, "student_id": u, "mentor_id": m, "rank": r})
    db.session.execute(insert(RoundPreference), prefs)
    likes = {(m, s) for m in rng.sample(m_ids, mentors // 4) for s in rng.sample(s_ids, 4)}
    db.session.execute(
        insert(RoundLike),
        [{"round_id": round_.id, "mentor_id": m, "student_id": s} for m, s in likes],
    )
    db.session.commit()
    return round_.id, coordinator.id, "coordinator@bench.example"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=600)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "MATCHER_ENV": "testing",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "JOBS_INLINE": True,
            }
        )
        with app.app_context():
            db.create_all()
            t = time.perf_counter()
            round_id, _, email = build(args.students, args.mentors, args.seed)
            took = time.perf_counter() - t
            print(f"built {args.students} students x {args.mentors} mentors in {took:.1f} s")
            pop = population.load(
                db.session.get(Round, round_id).group_id,
                taking_part.participants(round_id),
                round_id=round_id,
            )
            print(f"  {int(pop.capacity.sum())} places; slots faculty + resident")

        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        totals, solves, pages = [], [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.post(f"/rounds/{round_id}/solve")
            assert response.status_code == 303, response.status_code
            location = response.headers["Location"]
            if location.startswith("/jobs/"):
                location, stages, _ = follow(client, location, start)
                print(f"    background solve, stages seen: {' / '.join(stages)}")
            solved = time.perf_counter()
            page = client.get(location)
            assert page.status_code == 200, page.status_code
            done = time.perf_counter()
            solves.append(solved - start)
            pages.append(done - solved)
            totals.append(done - start)
        with app.app_context():
            draft = drafts.draft(db.session.get(Round, round_id), args.repeat)
            stats = draft.stats
        print(
            f"  draft: {stats['pairs']} of {stats['needs']} places filled, "
            f"{stats['students_matched']} students matched, "
            f"blocking pairs {stats['blocking_pairs']}"
        )
        solve_median = statistics.median(solves)
        print(f"  solve request (load, score, solve, explain, save): median {solve_median:.2f} s")
        print(f"    of which inside the service: {draft.seconds:.2f} s")
        print(f"  results page: median {statistics.median(pages):.2f} s")
        runs = [round(t, 2) for t in totals]
        median = statistics.median(totals)
        print(f"click to results page: median {median:.2f} s of {runs} (goal: under 3 s)")


if __name__ == "__main__":
    main()
