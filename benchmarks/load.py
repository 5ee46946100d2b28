"""Load test: concurrent users against a real gunicorn on loopback, every acknowledged write
checked in the database afterwards.

    .venv/bin/python benchmarks/load.py [--users 50] [--duration 300] [--think 1.0]
        [--workers 2] [--threads 8] [--database-url postgresql://...] [--seed 1]

Without ``--database-url`` a fresh SQLite file in a temporary folder is used; a PostgreSQL
database given with ``--database-url`` is EMPTIED (``db downgrade base``) and migrated. The
schema is built by the migrations, the population is seeded (the requests mentors accept come
from an earlier round, solved and published as a coordinator would), and ``gunicorn wsgi:app``
starts with ``--workers`` x ``--threads`` in the development settings (real argon2 cost, CSRF
on, the log-in limits as configured), with the worker (``flask worker``: the tick, the mail
sender, the long jobs) beside it. Then each user logs in through the form and repeats actions
with an exponential think time (mean ``--think`` seconds):

- students (70%): open home and the mentor directory, save their profile statement (a unique
  value each time), rank mentors in the open round, look at the round;
- mentors (20%): accept a proposed introduction from its page, mark students in the round,
  save their bio;
- coordinators (10%): open the student and mentor rosters, the round and its latest draft,
  solve the round, now and then create a group.

Each write that got its success redirect is recorded (the value sent, the ranking, the
accepted introduction, the solve's draft, the new group) and checked in the database after
the run. The report gives, per kind of request (method and path pattern), the count, 5xx and
other unexpected replies, p50/p95/p99 latency, and the throughput. The exit status is 1 if any
request got a 5xx or no reply, or any acknowledged write is missing.

Why not locust: the client must read each form (CSRF and one-time tokens, current choices),
keep per-user write records and verify them in the database; that is the same small standard
library browser the fault tests use (``tests/servers.py``), with no gevent monkey-patching and
no extra dependency. One thread per user on a keep-alive connection is what 50 browsers do.
"""

import argparse
import random
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from matcher import create_app, vocabulary
from matcher.auth import services as accounts
from matcher.extensions import db
from matcher.models import (
    ACTIVE_STATUSES,
    ConstraintKind,
    DraftOutcome,
    GroupKind,
    InterestGroup,
    Introduction,
    IntroStatus,
    Membership,
    MentorProfile,
    MentorType,
    Role,
    Round,
    RoundDraft,
    RoundStudent,
    Specialty,
    Stage,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.rounds import drafts, opening, pins, publishing, taking_part
from tests.servers import Browser, Gunicorn, Worker

PASSWORD = "load-test-password-1"  # noqa: S105 (throw-away accounts in a throw-away database)
EXTRA_STUDENTS, EXTRA_MENTORS, PROPOSED_PER_MENTOR = 40, 20, 10
TRANSPORT_ERRORS = (OSError, ConnectionError)
ID_RE = re.compile(r"/\d+")


# --- the database --------------------------------------------------------------------------


@dataclass
class Person:
    id: int
    email: str
    role: Role
    group_id: int
    round_id: int
    intro_ids: list[int] = field(default_factory=list)


def prepare(url: str, users: int, seed: int) -> list[Person]:
    """Migrate an empty schema and seed groups, rounds, people and proposed introductions."""
    rng = random.Random(seed)
    app = create_app({"MATCHER_ENV": "development", "DATABASE_URL": url, "SECRET_KEY": "x" * 32})
    with app.app_context():
        downgrade(revision="base")
        upgrade()
        vocabulary.ensure_seeded()
        derm = db.session.scalar(select(Specialty).where(Specialty.name == "Dermatology"))
        others = list(db.session.scalars(select(Specialty).where(Specialty.id != derm.id)))
        first = accounts.create_user("hash@load.example", "Hash Source", PASSWORD, Role.STUDENT)
        password_hash = first.password_hash
        db.session.expunge(first)
        coordinators = max(1, users // 10)
        mentors = max(1, users // 5)
        students = users - coordinators - mentors
        people: list[Person] = []
        counter = iter(range(1, 10**9))

        def user(role: Role, virtual: bool) -> User:
            n = next(counter)
            tag = "user" if virtual else "extra"
            person = User(
                email=f"{role.value}{n}.{tag}@load.example",
                name=f"{role.value.title()} {n}",
                roles={role},
                password_hash=password_hash if virtual else "!",
            )
            db.session.add(person)
            return person

        def student(group: InterestGroup, virtual: bool) -> User:
            person = user(Role.STUDENT, virtual)
            profile = StudentProfile(
                user=person,
                school="Westbrook School of Medicine",
                stage=rng.choice([Stage.MS2, Stage.MS3, Stage.MS4]),
                home_has_department=rng.random() < 0.7,
                goals=["research"],
                wanted_types=["faculty"],
            )
            specs = [derm, *rng.sample(others, 2)]
            profile.interests = [
                StudentInterest(rank=r, specialty=s) for r, s in enumerate(specs, start=1)
            ]
            db.session.add(profile)
            db.session.add(Membership(group=group, user=person))
            return person

        def mentor(group: InterestGroup, virtual: bool) -> User:
            person = user(Role.MENTOR, virtual)
            db.session.add(
                MentorProfile(
                    user=person,
                    mentor_type=MentorType.FACULTY,
                    specialty=derm,
                    institution=rng.choice(["Westbrook University Hospital", "Summit Medical"]),
                    offers=["research"],
                    capacity=PROPOSED_PER_MENTOR if virtual else rng.randint(2, 4),
                    accepting=True,
                )
            )
            db.session.add(Membership(group=group, user=person))
            return person

        for g in range(coordinators):
            coordinator = user(Role.COORDINATOR, True)
            group = InterestGroup(
                name=f"Load group {g + 1}", kind=GroupKind.SCHOOL, specialties=[derm]
            )
            group.coordinators = [coordinator]
            db.session.add(group)
            mine_students = [
                student(group, True) for _ in range(len(range(g, students, coordinators)))
            ]
            extra_students = [student(group, False) for _ in range(EXTRA_STUDENTS)]
            mine_mentors = [
                mentor(group, True) for _ in range(len(range(g, mentors, coordinators)))
            ]
            for _ in range(EXTRA_MENTORS):
                mentor(group, False)
            db.session.flush()
            proposed = propose(group, coordinator, mine_mentors, extra_students, rng)
            round_ = opening.create_round(group, coordinator, name="Load round", slots=["faculty"])
            db.session.flush()
            for s in [*mine_students, *extra_students]:
                db.session.add(RoundStudent(round_id=round_.id, student_id=s.id))
            for m in mine_mentors:
                people.append(
                    Person(m.id, m.email, Role.MENTOR, group.id, round_.id, proposed[m.id])
                )
            people += [
                Person(s.id, s.email, Role.STUDENT, group.id, round_.id) for s in mine_students
            ]
            people.append(
                Person(coordinator.id, coordinator.email, Role.COORDINATOR, group.id, round_.id)
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return people


def propose(group, coordinator, mentors, students, rng) -> dict[int, list[int]]:
    """Each mentor's requests to accept during the run, made the way the site makes them: an
    earlier round of the group pins ``PROPOSED_PER_MENTOR`` students (each once) to each
    mentor, is solved and published (places checked, every mentor asked by email). The ids
    of each mentor's introductions."""
    earlier = opening.create_round(group, coordinator, name="Earlier round", slots=["faculty"])
    db.session.flush()
    chosen = rng.sample(students, PROPOSED_PER_MENTOR * len(mentors))
    for k, mentor in enumerate(mentors):
        for student in chosen[k * PROPOSED_PER_MENTOR : (k + 1) * PROPOSED_PER_MENTOR]:
            db.session.add(RoundStudent(round_id=earlier.id, student_id=student.id))
            db.session.flush()
            pins.add_constraint(earlier, coordinator, student.id, mentor.id, ConstraintKind.PIN)
    draft = drafts.solve_round(earlier, coordinator)
    made = publishing.publish(earlier, draft.number, coordinator)
    by_mentor: dict[int, list[int]] = {m.id: [] for m in mentors}
    for intro in made:
        by_mentor[intro.mentor_id].append(intro.id)
    assert all(len(ids) == PROPOSED_PER_MENTOR for ids in by_mentor.values()), by_mentor
    return by_mentor


# --- the users -----------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    status: int | None
    seconds: float
    started: float = 0.0


@dataclass
class Acks:
    """Each user's writes in order, as (value, acknowledged): a value sent without an answer
    may or may not be stored, so the database must hold the last acknowledged value or one
    sent after it."""

    saved: dict[tuple[str, int], list[tuple[object, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    accepted: list[int] = field(default_factory=list)
    solves: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    groups: list[str] = field(default_factory=list)

    def expected(self, what: str, uid: int) -> list[object] | None:
        """The values the database may hold, or ``None`` if nothing was acknowledged."""
        history = self.saved[(what, uid)]
        acked = [i for i, (_, ok) in enumerate(history) if ok]
        return [v for v, _ in history[acked[-1] :]] if acked else None


class UnexpectedReplyError(Exception):
    pass


class LoadBrowser(Browser):
    """A browser that times every request into ``samples`` under its method and path shape.

    Like a real browser it does not reuse a connection the server may be closing: gunicorn
    drops an idle keep-alive connection after 2 s, so one idle for ``IDLE_REOPEN`` is reopened.
    """

    IDLE_REOPEN = 1.0

    def __init__(self, base: str, samples: list[Sample], lock: threading.Lock) -> None:
        super().__init__(base, timeout=120)
        self.samples, self.lock = samples, lock
        self.last_used = time.monotonic()

    def request(self, method, path, body=None, headers=None, on_sent=None):
        kind = f"{method} {ID_RE.sub('/{id}', path.split('?')[0])}"
        if time.monotonic() - self.last_used > self.IDLE_REOPEN:
            self.close()
        started = time.perf_counter()
        try:
            reply = super().request(method, path, body, headers, on_sent)
        except TRANSPORT_ERRORS:
            with self.lock:
                self.samples.append(Sample(kind, None, time.perf_counter() - started, started))
            raise
        self.last_used = time.monotonic()
        with self.lock:
            self.samples.append(Sample(kind, reply.status, time.perf_counter() - started, started))
        return reply


def expect(reply, status: int, where: str = ""):
    if reply.status != status or (where and not reply.location.startswith(where)):
        raise UnexpectedReplyError(f"{reply.status} {reply.location}")
    return reply


class VirtualUser:
    def __init__(self, person: Person, base: str, samples, lock, acks: Acks, rng) -> None:
        self.person, self.acks, self.rng = person, acks, rng
        self.browser = LoadBrowser(base, samples, lock)
        self.n = 0
        self.last_draft: str | None = None

    def unique(self) -> str:
        self.n += 1
        return f"load {self.person.id}-{self.n}-{secrets.token_hex(3)}"

    def action(self) -> None:
        p, rng, b = self.person, self.rng, self.browser
        if p.role is Role.STUDENT:
            choice = rng.random()
            if choice < 0.25:
                expect(b.get("/"), 200)
                expect(b.get("/mentors"), 200)
            elif choice < 0.55:
                value = self.unique()
                self.save("statement", value, lambda: b.submit("/profile/edit", statement=value))
            elif choice < 0.85:
                page = f"/rounds/{p.round_id}/preferences"
                form = b.form(page)
                mentors = [v for v in form.choices.get("choice_1", []) if v]
                ranking = rng.sample(mentors, min(len(mentors), rng.randint(1, 5)))
                slots = {f"choice_{k}": "" for k in range(1, 6)}
                slots.update({f"choice_{k}": m for k, m in enumerate(ranking, start=1)})
                self.save(
                    "ranking",
                    [int(m) for m in ranking],
                    lambda: b.post(page, form.values(**slots)),
                    status=303,
                )
            else:
                expect(b.get(f"/rounds/{p.round_id}"), 200)
        elif p.role is Role.MENTOR:
            choice = rng.random()
            if choice < 0.3 and p.intro_ids:
                intro = p.intro_ids.pop()
                page = f"/introductions/{intro}"
                form = b.form(page, lambda f: f.action.endswith("/accept"))
                self.write(
                    lambda: b.post(form.action, form.values()),
                    "/",
                    lambda: self.acks.accepted.append(intro),
                )
            elif choice < 0.65:
                page = f"/rounds/{p.round_id}/likes"
                form = b.form(page)
                students = form.choices.get("students", [])
                marked = rng.sample(students, min(len(students), rng.randint(0, 6)))
                self.save(
                    "likes",
                    {int(s) for s in marked},
                    lambda: b.post(page, form.values(students=marked)),
                    status=303,
                )
            else:
                value = self.unique()
                self.save("bio", value, lambda: b.submit("/profile/edit", bio=value))
        else:
            choice = rng.random()
            if choice < 0.3:
                expect(b.get(f"/groups/{p.group_id}/roster/students"), 200)
            elif choice < 0.5:
                expect(b.get(f"/groups/{p.group_id}/roster/mentors"), 200)
            elif choice < 0.7:
                expect(b.get(f"/rounds/{p.round_id}"), 200)
                if self.last_draft:
                    expect(b.get(self.last_draft), 200)
            elif choice < 0.95:
                form = b.form(f"/rounds/{p.round_id}", lambda f: f.action.endswith("/solve"))
                reply = self.write(
                    lambda: b.post(form.action, form.values()),
                    "/",
                    lambda: self.acks.solves.update({p.round_id: self.acks.solves[p.round_id] + 1}),
                    status=303,
                )
                self.last_draft = reply.location
            else:
                name = f"Load-created group {self.unique()}"
                derm = b.form("/groups/new").choices["specialties"][0]
                self.write(
                    lambda: b.submit("/groups/new", name=name, specialties=[derm]),
                    "/groups/",
                    lambda: self.acks.groups.append(name),
                )

    def write(self, send, where: str, record, status: int = 302):
        reply = expect(send(), status, where)
        record()
        return reply

    def save(self, what: str, value, send, status: int = 302) -> None:
        """Send a value that replaces the last one; note it, and whether it was acknowledged."""
        history = self.acks.saved[(what, self.person.id)]
        history.append((value, False))
        expect(send(), status)
        history[-1] = (value, True)


def run_users(people, base, args) -> tuple[list[Sample], Acks, list[str], float]:
    samples: list[Sample] = []
    lock = threading.Lock()
    acks = Acks()
    problems: list[str] = []
    users = [
        VirtualUser(p, base, samples, lock, acks, random.Random(args.seed * 1000 + i))
        for i, p in enumerate(people)
    ]
    stop = threading.Event()

    def live(u: VirtualUser) -> None:
        try:
            u.browser.log_in(u.person.email, PASSWORD)
        except (AssertionError, *TRANSPORT_ERRORS) as exc:
            with lock:
                problems.append(f"log-in of {u.person.email}: {exc}")
            return
        while not stop.is_set():
            try:
                u.action()
            except TRANSPORT_ERRORS as exc:
                with lock:
                    problems.append(f"{u.person.email}: no reply ({exc})")
            except (UnexpectedReplyError, AssertionError) as exc:
                with lock:
                    problems.append(f"{u.person.email}: {exc}")
            stop.wait(min(u.rng.expovariate(1 / args.think), 5 * args.think))
        u.browser.close()

    threads = [threading.Thread(target=live, args=(u,), daemon=True) for u in users]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(args.duration)
    stop.set()
    for thread in threads:
        thread.join(180)
    return samples, acks, problems, time.perf_counter() - started


# --- checking and reporting --------------------------------------------------------------


def stored_value(what: str, uid: int):
    if what == "statement":
        return db.session.get(StudentProfile, uid).statement
    if what == "bio":
        return db.session.get(MentorProfile, uid).bio
    round_id = db.session.scalar(
        select(Round.id)
        .join(Membership, Membership.group_id == Round.group_id)
        .where(Membership.user_id == uid, Round.name == "Load round")
    )
    if what == "ranking":
        return taking_part.preferences(round_id, uid)
    return taking_part.likes(round_id, uid)


def verify(url: str, acks: Acks) -> tuple[int, list[str]]:
    """Every acknowledged write, looked up in the database: (number checked, what is missing)."""
    app = create_app({"MATCHER_ENV": "development", "DATABASE_URL": url, "SECRET_KEY": "x" * 32})
    missing: list[str] = []
    checked = 0
    with app.app_context():
        for (what, uid), history in acks.saved.items():
            allowed = acks.expected(what, uid)
            if allowed is None:
                continue
            checked += sum(ok for _, ok in history)
            stored = stored_value(what, uid)
            if stored not in allowed:
                missing.append(f"{what} of user {uid}: {stored!r}, last saved {allowed[0]!r}")
        for intro_id in acks.accepted:
            checked += 1
            status = db.session.get(Introduction, intro_id).status
            if status is not IntroStatus.ACCEPTED:
                missing.append(f"introduction {intro_id} acknowledged accepted, is {status}")
        for round_id, solved in acks.solves.items():
            drafts = list(
                db.session.scalars(select(RoundDraft).where(RoundDraft.round_id == round_id))
            )
            checked += solved
            if len(drafts) < solved:
                missing.append(
                    f"round {round_id}: {solved} solves acknowledged, {len(drafts)} drafts"
                )
            for draft in drafts:
                outcomes = db.session.scalar(
                    select(func.count()).where(DraftOutcome.draft_id == draft.id)
                )
                if outcomes != draft.stats.get("needs"):
                    missing.append(
                        f"draft {draft.id}: {outcomes} outcomes of {draft.stats.get('needs')}"
                    )
        for name in acks.groups:
            checked += 1
            count = db.session.scalar(
                select(func.count()).select_from(InterestGroup).where(InterestGroup.name == name)
            )
            if count != 1:
                missing.append(f"group {name!r} acknowledged, {count} stored")
        over = db.session.scalar(
            select(func.count())
            .select_from(MentorProfile)
            .where(
                MentorProfile.capacity
                < select(func.count(Introduction.id))
                .where(
                    Introduction.mentor_id == MentorProfile.user_id,
                    Introduction.status.in_(ACTIVE_STATUSES),
                )
                .scalar_subquery()
            )
        )
        if over:
            missing.append(f"{over} mentors hold more introductions than their capacity")
        db.session.remove()
        db.engine.dispose()
    return checked, missing


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def report(samples: list[Sample], elapsed: float) -> int:
    kinds: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        kinds[sample.kind].append(sample)
    print(
        f"\n{'kind':44} {'count':>6} {'5xx':>4} {'4xx':>5} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    server_errors = 0
    for kind, rows in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        ms = [r.seconds * 1000 for r in rows]
        bad = sum(1 for r in rows if r.status is None or r.status >= 500)
        other = sum(1 for r in rows if r.status is not None and r.status >= 400 and r.status < 500)
        server_errors += bad
        print(
            f"{kind:44} {len(rows):6} {bad:4} {other:5} {percentile(ms, 50):7.0f} "
            f"{percentile(ms, 95):7.0f} {percentile(ms, 99):7.0f}"
        )
    every = [s.seconds * 1000 for s in samples]
    print(
        f"{'all':44} {len(samples):6} {server_errors:4} {'':5} {percentile(every, 50):7.0f} "
        f"{percentile(every, 95):7.0f} {percentile(every, 99):7.0f}"
    )
    logins = [s for s in samples if s.kind == "POST /login"]
    if logins:
        first = min(s.started for s in samples)
        settled = max(s.started + s.seconds for s in logins)
        later = [s.seconds * 1000 for s in samples if s.started >= settled]
        if later:
            print(
                f"{'all, after the last log-in (' + f'{settled - first:.0f} s in)':44} "
                f"{len(later):6} {'':4} {'':5} {percentile(later, 50):7.0f} "
                f"{percentile(later, 95):7.0f} {percentile(later, 99):7.0f}"
            )
    print(f"\n{len(samples)} requests in {elapsed:.0f} s: {len(samples) / elapsed:.1f} requests/s")
    return server_errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300, help="seconds")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between actions")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", help="PostgreSQL to use (emptied first)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="matcher-load-"))
    url = args.database_url or f"sqlite:///{folder / 'load.sqlite3'}"
    database = url.split("@")[-1] if "@" in url else url
    print(
        f"database {database}; gunicorn {args.workers} workers x {args.threads} threads; "
        f"{args.users} users for {args.duration:.0f} s, think {args.think} s; log {folder}"
    )
    started = time.perf_counter()
    people = prepare(url, args.users, args.seed)
    print(
        f"seeded {len(people)} users with their groups and rounds "
        f"in {time.perf_counter() - started:.1f} s"
    )
    settings = {
        "MATCHER_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "MAIL_SERVER": "",
    }
    with (
        Gunicorn(settings, folder / "gunicorn.log", args.workers, args.threads).start() as server,
        Worker(settings, folder / "worker.log").start(),
    ):
        samples, acks, problems, elapsed = run_users(people, server.base, args)
    tracebacks = (folder / "gunicorn.log").read_text().count("Traceback")
    server_errors = report(samples, elapsed)
    checked, missing = verify(url, acks)
    print(f"acknowledged writes checked in the database: {checked}; missing: {len(missing)}")
    for line in missing[:20]:
        print("  MISSING", line)
    print(f"client problems: {len(problems)}; tracebacks in the server log: {tracebacks}")
    for line in problems[:20]:
        print("  ", line)
    failed = server_errors or missing or tracebacks or any("no reply" in p for p in problems)
    print("FAILED" if failed else "OK: no server errors, every acknowledged write stored")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
