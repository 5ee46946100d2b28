"""A gunicorn worker killed (SIGKILL) in the middle of a request loses nothing acknowledged.

Real gunicorn (2 workers x 8 threads, more threads than the test has connections) on the
test's database. From threads, students save their profile statement with a new unique value
each time and a coordinator creates groups; another coordinator solves a round. The test holds
writers back (SQLite: the write lock; PostgreSQL: a lock on ``draft_outcomes``, so the solve
waits inside its transaction after writing its draft row), sends a solve, waits until a worker
has read it and kills that worker. Every write answered with its success redirect must be in
the database, the killed solve must have left nothing, and every draft must be whole.
"""

import http.client
import threading
from dataclasses import dataclass, field

from sqlalchemy import func, select

from matcher import vocabulary
from matcher.extensions import db
from matcher.models import DraftOutcome, InterestGroup, Role, RoundDraft, StudentProfile
from tests.helpers import PASSWORD, make_group, make_user
from tests.helpers.faults import blocked_on_lock, served_settings, writers_held
from tests.helpers.rounds import World
from tests.servers import Browser, Gunicorn, wait_until

STUDENTS = 4
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class Stream:
    """One writer's record: what it sent, what was acknowledged, what failed on the wire."""

    attempts: list[str] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    dropped: int = 0
    server_errors: list[int] = field(default_factory=list)

    def send(self, value: str, write, success) -> None:
        self.attempts.append(value)
        try:
            reply = write(value)
        except CONNECTION_ERRORS:
            self.dropped += 1
            return
        if reply.status >= 500:
            self.server_errors.append(reply.status)
        elif success(reply):
            self.acked.append(value)


def run(stream: Stream, stop: threading.Event, write, success, prefix: str) -> None:
    n = 0
    while not stop.is_set():
        stream.send(f"{prefix} {n}", write, success)
        n += 1


def solve_form(browser: Browser, round_id: int):
    return browser.form(f"/rounds/{round_id}", lambda f: f.action.endswith("/solve"))


def solve(browser: Browser, round_id: int) -> bool:
    form = solve_form(browser, round_id)
    reply = browser.post(form.action, form.values())
    assert reply.status == 303, reply.status
    return True


def test_killed_worker_loses_no_acknowledged_write(app, tmp_path, coordinator):
    with app.app_context():
        vocabulary.ensure_seeded()
        db.session.commit()
    world = World(app, make_group(app, coordinators=(coordinator,)), coordinator)
    students = [world.student(f"Student {n}") for n in range(STUDENTS)]
    for n in range(3):
        world.mentor(f"Mentor {n}", capacity=2)
    round_id = world.round()
    world.enrol(round_id, *students)
    creator = make_user(app, Role.COORDINATOR, "creator@example.edu", "Cara Creator")
    settings = served_settings(app, tmp_path)
    url = settings["DATABASE_URL"]

    with Gunicorn(settings, tmp_path / "gunicorn.log", workers=2, threads=8).start() as server:
        browsers = {}
        for user in [*students, creator, coordinator]:
            browsers[user.id] = Browser(server.base, timeout=30)
            browsers[user.id].log_in(user.email, PASSWORD)
        stop = threading.Event()
        streams: dict[str, Stream] = {}
        threads = []
        for user in students:
            b, stream = browsers[user.id], Stream()
            streams[f"student {user.id}"] = stream
            threads.append(
                threading.Thread(
                    daemon=True,
                    target=run,
                    args=(
                        stream,
                        stop,
                        lambda v, b=b: b.submit("/profile/edit", statement=v),
                        lambda r, uid=user.id: r.status == 302 and r.location == f"/people/{uid}",
                        f"statement of {user.id}:",
                    ),
                )
            )
        dermatology = str(world_specialty(app))
        groups = streams["groups"] = Stream()
        threads.append(
            threading.Thread(
                daemon=True,
                target=run,
                args=(
                    groups,
                    stop,
                    lambda v: browsers[creator.id].submit(
                        "/groups/new", name=v, specialties=[dermatology]
                    ),
                    lambda r: r.status == 302 and r.location.startswith("/groups/"),
                    "Fault group",
                ),
            )
        )
        for thread in threads:
            thread.start()
        coordinating = browsers[coordinator.id]
        solved = sum(solve(coordinating, round_id) for _ in range(2))
        wait_until(lambda: all(len(s.acked) >= 2 for s in streams.values()), "writes before")

        victim: list[object] = []
        sent = threading.Event()
        with writers_held(url, "draft_outcomes"):
            form = solve_form(coordinating, round_id)
            port = coordinating.local_port

            def send_solve() -> None:
                try:
                    victim.append(coordinating.post(form.action, form.values(), on_sent=sent.set))
                except CONNECTION_ERRORS as exc:
                    victim.append(exc)

            sender = threading.Thread(target=send_solve, daemon=True)
            sender.start()
            assert sent.wait(10)
            wait_until(
                lambda: server.has_read_request(port) and blocked_on_lock(url),
                "a worker reading the solve and waiting on the database",
            )
            pid = server.worker_serving(port)
            assert pid in server.worker_pids()
            server.kill_worker(pid)
            sender.join(10)
        assert len(victim) == 1
        assert isinstance(victim[0], CONNECTION_ERRORS), f"the killed solve answered {victim[0]}"

        wait_until(lambda: len(server.worker_pids()) == 2, "a replacement worker")
        marks = {name: len(s.acked) for name, s in streams.items()}
        solved += sum(solve(coordinating, round_id) for _ in range(2))
        wait_until(
            lambda: all(len(s.acked) >= marks[name] + 2 for name, s in streams.items()),
            "writes after the kill",
        )
        stop.set()
        for thread in threads:
            thread.join(30)
        for browser in browsers.values():
            browser.close()

    assert [s.server_errors for s in streams.values()] == [[] for _ in streams]
    with app.app_context():
        for user in students:
            stream = streams[f"student {user.id}"]
            last = stream.attempts.index(stream.acked[-1])
            stored = db.session.get(StudentProfile, user.id).statement
            assert stored in stream.attempts[last:], (stored, stream.acked[-1])
        names = list(db.session.scalars(select(InterestGroup.name)))
        assert all(names.count(name) == 1 for name in groups.acked)
        assert all(name in groups.attempts for name in names if name.startswith("Fault"))
        drafts = list(
            db.session.scalars(
                select(RoundDraft).where(RoundDraft.round_id == round_id).order_by("number")
            )
        )
        assert [d.number for d in drafts] == list(range(1, solved + 1))
        for draft in drafts:
            outcomes = db.session.scalar(
                select(func.count()).where(DraftOutcome.draft_id == draft.id)
            )
            assert outcomes == draft.stats["needs"] == STUDENTS, draft.number


def world_specialty(app) -> int:
    from matcher.models import Specialty

    with app.app_context():
        return db.session.scalar(select(Specialty.id).where(Specialty.name == "Dermatology"))
