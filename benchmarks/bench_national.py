"""Time a national round through the site, phase by phase: solve, draft page, publish.

    .venv/bin/python benchmarks/bench_national.py [--students 15000] [--mentors 5000]
        [--seed 7] [--repeat 3] [--publishes 1] [--database-url postgresql://...]

Builds the round in a fresh database (a SQLite file in a temporary folder, or the PostgreSQL
database given with ``--database-url``, which is EMPTIED and migrated): 40 homes (a school and
its two hospitals, half of them with departments on record), students with one or two
specialties of Zipf-like popularity over 20 specialties, focus areas, goals and the seats of
their board they want, a third of them ranking five mentors; mentors (faculty, residents,
fellows, peers) with capacity 1-5, a quarter marking students; a round filling every seat of the
board. That is about 5.3 million allowed pairs at 15,000 x 5,000, 3 million of which fill a
seat a student wants.

Then it drives the coordinator's requests through the app, as the browser sends them:

- ``--repeat`` times: POST solve, follow the job, GET the draft page (click to draft page);
- the draft page with filters (a seat and an outcome; a name; a later page);
- ``--publishes`` times: POST publish of the last draft, following its job (undone between
  runs: a publish happens once).

A job runs in the request (``JOBS_INLINE``) as the worker would run it, so that its phases are
timed here; the wait for a worker to take it is not counted. How late the progress page
(``static/js/progress.js``, polling every 0.5 s for 10 s, then 1.25 times the last wait) would
see a solve done is printed too.

Each phase of the server's work is timed by wrapping the functions that do it (loading,
scoring, laying out the seats, the solve, explanations, storing the draft, rendering;
publishing's checks, introductions and events, the people the emails read, the emails and
their insert, waiting seats and students' notices), with the SQL time spent inside each
(statements timed by SQLAlchemy's cursor events). Times are exclusive: a phase's time excludes
the phases it calls, so the rows add up to the request. Several runs show the spread of a shared
machine; the best is reported with the others.
"""

import argparse
import functools
import importlib
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, event, func, insert, select, update

from matcher import create_app, vocabulary
from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.models import (
    Goal,
    GroupKind,
    Institution,
    InstitutionKind,
    InterestGroup,
    Introduction,
    IntroductionEvent,
    Membership,
    MentorProfile,
    OutboxMessage,
    Role,
    Round,
    RoundDraft,
    RoundLike,
    RoundPreference,
    RoundStatus,
    RoundStudent,
    Specialty,
    StudentInterest,
    StudentProfile,
    User,
    WaitingSeat,
)
from matcher.models.institution import institution_departments
from matcher.models.profile import mentor_focus, student_focus
from matcher.rounds import opening

PASSWORD = "benchmark-password-1"  # noqa: S105 (a throw-away benchmark account)
COORDINATOR = "coordinator@national.example"
SPECIALTIES = 20
HOMES = 40
SEATS = ["faculty", "resident", "external", "peer"]

# --- the phases ----------------------------------------------------------------------------

SOLVE_PHASES = [
    ("matcher.solving.population", "load", "load people"),
    ("matcher.matching.engine", "board_pairs", "list pairs and seats"),
    ("matcher.matching.engine", "score_pairs", "score"),
    ("matcher.matching.engine", "board_layout", "lay out seats"),
    ("matcher.matching.board", "BoardProblem.solve", "solve (engine)"),
    ("matcher.matching.engine", "explain", "explain (engine)"),
    ("matcher.solving.assignment", "match_board", "breakdown of pairs"),
    ("matcher.rounds.drafts", "assign_round", "explain (outcomes, ranks, choices)"),
    ("matcher.rounds.drafts", "prepare_solve", "prepare (rest)"),
    ("matcher.rounds.drafts", "record_solve", "store draft"),
    ("matcher.rounds.drafts", "store_outcomes", "store draft"),
    ("matcher.rounds.drafts", "draft_stats", "store draft"),
]
PAGE_PHASES = [
    ("matcher.rounds.routes", "render_template", "render"),
    ("matcher.rounds.drafts", "search", "page: outcomes"),
    ("matcher.rounds.drafts", "page", "page: outcomes"),
    ("matcher.rounds.drafts", "compare", "page: changes since the last draft"),
    ("matcher.rounds.drafts", "changes", "page: changes since the last draft"),
]
PUBLISH_PHASES = [
    ("matcher.rounds.publishing", "over_capacity", "check places"),
    ("matcher.rounds.publishing", "seats_taken", "check seats"),
    ("matcher.rounds.publishing", "propose", "introductions, events, mentors' emails"),
    ("matcher.rounds.publishing", "insert_introductions", "introductions and events"),
    ("matcher.rounds.publishing", "hold_places", "check places"),
    ("matcher.rounds.publishing", "ask", "mentors' emails"),
    ("matcher.introductions.services", "load_people", "emails: load people"),
    ("matcher.introductions.services", "queue_mails", "emails: insert"),
    ("matcher.introductions.waiting", "open_for_round", "waiting seats"),
    ("matcher.board.notices", "round_published", "students' emails"),
    ("matcher.board.notices", "queue_mails", "emails: insert"),
    ("matcher.rounds.publishing", "publish", "publish (rest)"),
]


class Phases:
    """Exclusive wall time and SQL time per phase, per thread (a job runs in its own)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.sql: dict[str, float] = defaultdict(float)
        self.statements: dict[str, int] = defaultdict(int)
        self.local = threading.local()
        self.lock = threading.Lock()

    def stack(self) -> list[str]:
        if not hasattr(self.local, "stack"):
            self.local.stack = []
        return self.local.stack

    def reset(self) -> None:
        with self.lock:
            self.seconds.clear()
            self.sql.clear()
            self.statements.clear()

    def wrap(self, module: str, name: str, label: str) -> bool:
        owner = importlib.import_module(module)
        *path, attr = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, attr, None)
        if original is None or getattr(original, "_phase", None):
            return False

        @functools.wraps(original)
        def timed(*args, **kwargs):
            stack = self.stack()
            stack.append(label)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                stack.pop()
                with self.lock:
                    self.seconds[label] += took
                    if stack:
                        self.seconds[stack[-1]] -= took

        timed._phase = label
        setattr(owner, attr, timed)
        return True

    def listen(self, engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info.setdefault("bench_started", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            took = time.perf_counter() - conn.info["bench_started"].pop()
            stack = self.stack()
            label = stack[-1] if stack else "outside the phases"
            with self.lock:
                self.sql[label] += took
                self.statements[label] += 1

    def report(self, title: str, total: float) -> None:
        print(f"  {title}: {total:.2f} s")
        print(f"    {'phase':40} {'s':>6} {'of it SQL':>9} {'statements':>10}")
        listed = 0.0
        for label, seconds in sorted(self.seconds.items(), key=lambda kv: -kv[1]):
            listed += seconds
            print(
                f"    {label:40} {seconds:6.2f} {self.sql.get(label, 0):9.2f} "
                f"{self.statements.get(label, 0):10}"
            )
        outside = self.sql.get("outside the phases", 0)
        print(
            f"    {'request, polling, commit (the rest)':40} {total - listed:6.2f} {outside:9.2f} "
            f"{self.statements.get('outside the phases', 0):10}"
        )


def count_pairs() -> list[tuple[int, int]]:
    """Record the pairs each solve examines (sharing a specialty) and the board's pairs
    (filling a wanted seat, allowed by the rules): (examined, seated)."""
    engine = importlib.import_module("matcher.matching.engine")
    sizes: list[tuple[int, int]] = []
    listed, laid_out = engine.candidate_blocks, engine.board_layout

    def candidate_blocks(*args, **kwargs):
        sizes.append((0, 0))
        for i, m in listed(*args, **kwargs):
            sizes[-1] = (sizes[-1][0] + i.size, 0)
            yield i, m

    def board_layout(*args, **kwargs):
        problem = laid_out(*args, **kwargs)
        sizes[-1] = (sizes[-1][0], problem.score.nnz)
        return problem

    engine.candidate_blocks, engine.board_layout = candidate_blocks, board_layout
    return sizes


# --- the round -----------------------------------------------------------------------------


def zipf(rng: np.random.Generator, n: int, exponent: float, size: int) -> np.ndarray:
    ranks = np.arange(1, n + 1)
    p = ranks**-exponent
    return rng.choice(n, size, p=p / p.sum())


def build(students: int, mentors: int, seed: int) -> int:
    """The national round in the database, by bulk inserts; its id."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    vocabulary.ensure_seeded()
    specs = list(db.session.scalars(select(Specialty).order_by(Specialty.id)))[:SPECIALTIES]
    spec_ids = np.array([s.id for s in specs])
    areas = {s.id: [a.id for a in s.focus_areas] for s in specs}
    goals = [g.value for g in Goal]

    coordinator = accounts.create_user(
        COORDINATOR, "National Coordinator", PASSWORD, Role.COORDINATOR
    )
    group = InterestGroup(name="National mentorship program", kind=GroupKind.SOCIETY)
    group.coordinators = [coordinator]
    db.session.add(group)
    db.session.flush()

    db.session.execute(
        insert(Institution),
        [
            {
                "name": f"School of Medicine {h}",
                "kind": InstitutionKind.MEDICAL_SCHOOL,
                "aliases": [f"SOM {h}"],
                "region": f"Region {h % 8}",
                "confirmed": True,
            }
            for h in range(HOMES)
        ],
    )
    schools = list(db.session.scalars(select(Institution.id).order_by(Institution.id)))
    db.session.execute(
        insert(Institution),
        [
            {
                "name": f"{label} Hospital {h}",
                "kind": InstitutionKind.HOSPITAL,
                "aliases": [],
                "region": f"Region {h % 8}",
                "home_id": school,
                "confirmed": True,
            }
            for h, school in enumerate(schools)
            for label in ("University", "Children's")
        ],
    )
    institutions = dict(db.session.execute(select(Institution.id, Institution.name)).all())
    hospitals = [i for i in institutions if i not in set(schools)]
    db.session.execute(
        insert(institution_departments),
        [
            {"institution_id": school, "specialty_id": int(s)}
            for school in schools[: HOMES // 2]
            for s in spec_ids[rng.random(SPECIALTIES) < 0.6]
        ],
    )

    def users(role: Role, count: int, prefix: str) -> list[int]:
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"{prefix}{k}@national.example",
                    "name": f"{prefix.title()} {k}",
                    f"is_{role.value}": True,
                    "password_hash": "!",
                    "session_token": f"t{prefix}{k}",
                    "active": True,
                }
                for k in range(count)
            ],
        )
        return list(db.session.scalars(select(User.id).where(User.holding(role)).order_by(User.id)))

    s_ids = users(Role.STUDENT, students, "student")
    m_ids = users(Role.MENTOR, mentors, "mentor")
    db.session.execute(
        insert(Membership), [{"group_id": group.id, "user_id": u} for u in s_ids + m_ids]
    )

    first = zipf(rng, SPECIALTIES, 0.55, students)
    second = zipf(rng, SPECIALTIES, 0.55, students)
    has_second = (rng.random(students) < 0.3) & (second != first)
    stages = ["ms1", "ms2", "ms3", "ms4", "research"]
    s_school = rng.choice(schools, students)
    profiles, interests, s_focus = [], [], []
    for k, u in enumerate(s_ids):
        chosen = [int(spec_ids[first[k]])] + ([int(spec_ids[second[k]])] if has_second[k] else [])
        school = int(s_school[k])
        profiles.append(
            {
                "user_id": u,
                "school": institutions[school],
                "institution_id": school,
                "stage": pick.choice(stages),
                "home_has_department": pick.random() < 0.7,
                "goals": pick.sample(goals, pick.randint(1, 4)),
                "wanted_types": pick.sample(SEATS, pick.choices([1, 2, 3], [5, 4, 1])[0]),
                "statement": "",
                "contact_preference": "email",
            }
        )
        interests += [
            {"student_id": u, "rank": r, "specialty_id": s} for r, s in enumerate(chosen, 1)
        ]
        s_focus += [
            {"student_id": u, "focus_area_id": a}
            for a in pick.sample(areas[chosen[0]], min(2, len(areas[chosen[0]])))
        ]
    db.session.execute(insert(StudentProfile), profiles)
    db.session.execute(insert(StudentInterest), interests)
    db.session.execute(insert(student_focus), s_focus)

    m_spec = zipf(rng, SPECIALTIES, 0.35, mentors)
    capacity = rng.integers(1, 6, mentors)
    m_rows, m_focus = [], []
    for k, u in enumerate(m_ids):
        spec = int(spec_ids[m_spec[k]])
        kind = pick.choices(["faculty", "resident", "fellow", "peer"], [55, 25, 5, 15])[0]
        home = pick.choice(schools if kind == "peer" else schools + hospitals)
        m_rows.append(
            {
                "user_id": u,
                "mentor_type": kind,
                "pgy": pick.randint(1, 5) if kind == "resident" else None,
                "peer_stage": pick.choice(["ms3", "ms4"]) if kind == "peer" else None,
                "specialty_id": spec,
                "institution": institutions[home],
                "institution_id": home,
                "region": "",
                "offers": pick.sample(goals, pick.randint(2, 5)),
                "preferred_stages": [],
                "capacity": int(capacity[k]),
                "accepting": True,
                "bio": "",
            }
        )
        m_focus += [
            {"mentor_id": u, "focus_area_id": a}
            for a in pick.sample(areas[spec], min(3, len(areas[spec])))
        ]
    db.session.execute(insert(MentorProfile), m_rows)
    db.session.execute(insert(mentor_focus), m_focus)
    db.session.commit()

    round_ = opening.create_round(group, coordinator, name="National round", slots=list(SEATS))
    db.session.flush()
    db.session.execute(
        insert(RoundStudent), [{"round_id": round_.id, "student_id": u} for u in s_ids]
    )
    by_spec: dict[int, list[int]] = defaultdict(list)
    for k, u in enumerate(m_ids):
        by_spec[int(m_spec[k])].append(u)
    prefs = []
    for k in pick.sample(range(students), students // 3):
        pool = by_spec[int(first[k])]
        for r, m in enumerate(pick.sample(pool, min(5, len(pool))), 1):
            prefs.append({"round_id": round_.id, "student_id": s_ids[k], "mentor_id": m, "rank": r})
    db.session.execute(insert(RoundPreference), prefs)
    s_by_spec: dict[int, list[int]] = defaultdict(list)
    for k, u in enumerate(s_ids):
        s_by_spec[int(first[k])].append(u)
    likes = {
        (m_ids[k], s)
        for k in pick.sample(range(mentors), mentors // 4)
        for s in pick.sample(s_by_spec[int(m_spec[k])], min(4, len(s_by_spec[int(m_spec[k])])))
    }
    db.session.execute(
        insert(RoundLike),
        [{"round_id": round_.id, "mentor_id": m, "student_id": s} for m, s in likes],
    )
    db.session.commit()
    return round_.id


# --- driving the site ----------------------------------------------------------------------


def follow(client, location: str, started: float) -> tuple[str, list[str], float]:
    """Poll a job every 0.1 s until it is done; where it leads, the stages it showed, and
    when the progress page (``static/js/progress.js``: every 0.5 s for 10 s, then each wait
    1.25 times the last, at most 3 s) would have seen it done."""
    stages: list[str] = []
    while True:
        job = client.get(location + ".json").get_json()
        if not stages or stages[-1] != job["stage"]:
            stages.append(job["stage"])
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    finished = time.perf_counter() - started
    seen, wait = 0.0, 0.5
    while seen < finished:
        seen += wait
        if seen > 10.0:
            wait = min(wait * 1.25, 3.0)
    return client.get(location).headers["Location"], stages, seen - finished


def reset_publish(round_id: int, outbox_before: int) -> None:
    """Undo a publish, so it can be timed again: its introductions, events, emails and
    waiting seats go, the round opens again (the audit log keeps its rows)."""
    intros = select(Introduction.id).where(Introduction.round_id == round_id)
    db.session.execute(
        delete(IntroductionEvent).where(IntroductionEvent.introduction_id.in_(intros))
    )
    db.session.execute(delete(Introduction).where(Introduction.round_id == round_id))
    db.session.execute(delete(WaitingSeat).where(WaitingSeat.round_id == round_id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id > outbox_before))
    db.session.execute(
        update(Round)
        .where(Round.id == round_id)
        .values(status=RoundStatus.OPEN, published_at=None, published_by_id=None)
    )
    db.session.execute(
        update(RoundDraft).where(RoundDraft.round_id == round_id).values(published=False)
    )
    db.session.commit()


def spread(values: list[float]) -> str:
    if not values:
        return "not run"
    shown = ", ".join(f"{v:.2f}" for v in values)
    return f"best {min(values):.2f} s, median {statistics.median(values):.2f} s of [{shown}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=15_000)
    parser.add_argument("--mentors", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--publishes", type=int, default=1, help="publish this many times (undone in between)"
    )
    parser.add_argument("--database-url", help="PostgreSQL to use (emptied first)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="matcher-national-"))
    url = args.database_url or f"sqlite:///{folder / 'national.sqlite3'}"
    app = create_app(
        {
            "MATCHER_ENV": "testing",
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "JOBS_INLINE": True,
        }
    )
    phases = Phases()
    wrapped = [
        label
        for module, name, label in SOLVE_PHASES + PAGE_PHASES + PUBLISH_PHASES
        if phases.wrap(module, name, label)
    ]
    sizes = count_pairs()
    with app.app_context():
        print(f"database {db.engine.dialect.name}: {url.split('@')[-1]}")
        downgrade(revision="base")
        upgrade()
        started = time.perf_counter()
        round_id = build(args.students, args.mentors, args.seed)
        print(
            f"built {args.students} students x {args.mentors} mentors in "
            f"{time.perf_counter() - started:.0f} s; phases timed: {len(set(wrapped))}"
        )
        phases.listen(db.engine)

    client = app.test_client()
    reply = client.post("/login", data={"email": COORDINATOR, "password": PASSWORD})
    assert reply.status_code in (302, 303), reply.status_code

    clicks, solves, pages, browser = [], [], [], []
    solve_phases, page_phases = [], []
    location = ""
    for run in range(args.repeat):
        phases.reset()
        start = time.perf_counter()
        reply = client.post(f"/rounds/{round_id}/solve")
        assert reply.status_code == 303, reply.status_code
        location = reply.headers["Location"]
        stages: list[str] = []
        late = 0.0
        if location.startswith("/jobs/"):
            location, stages, late = follow(client, location, start)
        solved = time.perf_counter()
        solve_phases.append((dict(phases.seconds), dict(phases.sql), dict(phases.statements)))
        phases.reset()
        page = client.get(location)
        assert page.status_code == 200, page.status_code
        done = time.perf_counter()
        page_phases.append((dict(phases.seconds), dict(phases.sql), dict(phases.statements)))
        clicks.append(done - start)
        browser.append(done - start + late)
        solves.append(solved - start)
        pages.append(done - solved)
        print(
            f"run {run + 1}: click to draft page {done - start:.2f} s (solve "
            f"{solved - start:.2f} s, page {done - solved:.2f} s); "
            f"stages: {' / '.join(stages) or 'in the request'}"
        )

    best = int(np.argmin(clicks))
    with app.app_context():
        draft = db.session.scalar(
            select(RoundDraft)
            .where(RoundDraft.round_id == round_id)
            .order_by(RoundDraft.number.desc())
        )
        stats, number, seconds = draft.stats, draft.number, draft.seconds
    print(
        f"\nround: {stats['students']} students, {stats['mentors']} mentors, {stats['places']} "
        f"places, {stats['needs']} seats wanted, {stats['pairs']} filled "
        f"({stats['students_matched']} students matched), blocking pairs {stats['blocking_pairs']}"
    )
    if sizes:
        print(
            f"  {sizes[-1][0]:,} pairs share a specialty; {sizes[-1][1]:,} of them fill a "
            "wanted seat and are allowed"
        )
    print(f"click to draft page: {spread(clicks)} (goal: 3 s)")
    print(f"  as the progress page polls (0.5 s for 10 s, then growing): {spread(browser)}")
    print(f"  solve request and job: {spread(solves)}; service's own figure {seconds:.2f} s")
    print(f"  draft page: {spread(pages)}")
    for title, (seconds_, sql, statements), total in (
        ("solve (best run)", solve_phases[best], solves[best]),
        ("draft page (best run)", page_phases[best], pages[best]),
    ):
        phases.seconds, phases.sql, phases.statements = (
            defaultdict(float, seconds_),
            defaultdict(float, sql),
            defaultdict(int, statements),
        )
        phases.report(title, total)

    filtered = {
        "seat and outcome": f"{location}?slot=resident&outcome=unmatched",
        "name": f"{location}?q=Student+1234",
        "page 40": f"{location}?page=40",
    }
    for name, path in filtered.items():
        times = []
        for _ in range(args.repeat):
            phases.reset()
            started = time.perf_counter()
            page = client.get(path)
            assert page.status_code == 200, page.status_code
            times.append(time.perf_counter() - started)
        print(f"draft page filtered by {name}: {spread(times)} (goal: 0.3 s)")
    phases.report("filtered by name (last run)", times[-1])

    with app.app_context():
        outbox_before = db.session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))
    publishes = []
    for run in range(args.publishes):
        if run:
            with app.app_context():
                reset_publish(round_id, outbox_before)
        phases.reset()
        started = time.perf_counter()
        reply = client.post(f"/rounds/{round_id}/publish", data={"draft": number})
        assert reply.status_code == 303, reply.status_code
        where = reply.headers["Location"]
        stages = []
        if where.startswith("/jobs/"):
            where, stages, _ = follow(client, where, started)
        took = time.perf_counter() - started
        publishes.append(took)
        with app.app_context():
            intros = db.session.scalar(
                select(func.count())
                .select_from(Introduction)
                .where(Introduction.round_id == round_id)
            )
            events = db.session.scalar(
                select(func.count())
                .select_from(IntroductionEvent)
                .join(Introduction, Introduction.id == IntroductionEvent.introduction_id)
                .where(Introduction.round_id == round_id)
            )
            mails = db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.id > outbox_before)
            )
            seats = db.session.scalar(
                select(func.count())
                .select_from(WaitingSeat)
                .where(WaitingSeat.round_id == round_id)
            )
        print(
            f"publish run {run + 1}: {took:.2f} s; {intros} introductions, {events} events, "
            f"{mails} emails queued, {seats} waiting seats; "
            f"stages: {' / '.join(stages) or 'in the request'}"
        )
        if run == 0 or took <= min(publishes):
            best_publish = (dict(phases.seconds), dict(phases.sql), dict(phases.statements))
    print(f"publish: {spread(publishes)} (goal: 10 s, with progress)")
    if not publishes:
        return
    phases.seconds, phases.sql, phases.statements = (
        defaultdict(float, best_publish[0]),
        defaultdict(float, best_publish[1]),
        defaultdict(int, best_publish[2]),
    )
    phases.report("publish (best run)", min(publishes))


if __name__ == "__main__":
    main()
