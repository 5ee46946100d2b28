"""Time a 5,000-row roster import on a throw-away SQLite database.

    .venv/bin/python benchmarks/bench_import.py [--rows 5000] [--seed 7]

Builds the schema with ``db.create_all``, seeds the specialty vocabulary and lists the file's
schools and institutions (roster cells must name institutions on the list), generates a seeded
random CSV of new students and mentors with specialties and focus areas, then times validation
and writing (through ``matcher.rosters.csv_import``, committed), a second import of the same
file (which must change nothing), and the share of the first import spent in ``invite_user``.
"""

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from matcher import create_app, vocabulary
from matcher.extensions import db
from matcher.institutions import services as institutions
from matcher.models import (
    GroupKind,
    InterestGroup,
    Membership,
    MentorProfile,
    OutboxMessage,
    Specialty,
    StudentInterest,
    StudentProfile,
    User,
)
from matcher.rosters import columns, csv_import

SCHOOLS = ["State Medical School", "City College of Medicine"]
HOSPITALS = ["University Hospital", "Children's Hospital"]
STAGES = ["ms1", "MS2", "ms3", "ms4", "Research year"]
TYPES = ["faculty", "resident", "fellow", "peer"]


def roster_csv(rows: int, seed: int, specialties: dict[str, list[str]]) -> bytes:
    rng = random.Random(seed)
    names = sorted(specialties)
    out = io.StringIO()
    header = list(columns.NAMES)
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\r\n")
    writer.writeheader()
    for i in range(rows):
        if rng.random() < 0.75:
            chosen = rng.sample(names, rng.randint(1, 3))
            row = {
                "role": "student",
                "school": rng.choice(SCHOOLS),
                "stage": rng.choice(STAGES),
                "graduation_year": str(rng.randint(2026, 2031)),
            }
        else:
            chosen = [rng.choice(names)]
            kind = rng.choice(TYPES)
            row = {
                "role": "mentor",
                "institution": rng.choice(HOSPITALS),
                "mentor_type": kind,
                "pgy": str(rng.randint(1, 7)) if kind == "resident" else "",
                "stage": "ms4" if kind == "peer" else "",
                "capacity": str(rng.randint(1, 10)),
                "accepting": rng.choice(["yes", "no"]),
                "region": rng.choice(["Northeast", "Midwest", "South", "West"]),
            }
        areas = [a for s in chosen for a in rng.sample(specialties[s], 1)]
        shared = {a for a in areas if sum(a in specialties[s] for s in chosen) > 1}
        row |= {
            "email": f"person{i}@example.edu",
            "name": f"Person {i}",
            "specialties": "; ".join(chosen),
            "focus_areas": "; ".join(
                f"{next(s for s in chosen if a in specialties[s])}: {a}" if a in shared else a
                for a in dict.fromkeys(areas)
            ),
        }
        writer.writerow(row)
    return out.getvalue().encode()


def timed(label: str, action):
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed:7.2f} s")
    return result, elapsed


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (
            User,
            StudentProfile,
            StudentInterest,
            MentorProfile,
            Membership,
            OutboxMessage,
        )
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"MATCHER_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        )
        with app.app_context():
            db.create_all()
            vocabulary.ensure_seeded()
            for name in SCHOOLS + HOSPITALS:
                institutions.create(institutions.Details(name=name), actor=None)
            group = InterestGroup(name="Benchmark Group", kind=GroupKind.SCHOOL)
            db.session.add(group)
            db.session.commit()
            specialties = {
                s.name: [a.name for a in s.focus_areas]
                for s in db.session.scalars(select(Specialty))
            }
            data = roster_csv(args.rows, args.seed, specialties)
            print(f"{args.rows} rows, {len(data) / 1024:.0f} KiB, seed {args.seed}, SQLite")
            run(group, data)
        with app.app_context():
            db.engine.dispose()


def run(group: InterestGroup, data: bytes) -> None:
    spent = [0.0]
    real_invite = csv_import.invite_users

    def invite_timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real_invite(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    csv_import.invite_users = invite_timed
    try:
        plan, validate_s = timed("first import: validate", lambda: csv_import.validate(group, data))
        summary, apply_s = timed("first import: write + commit", lambda: apply_commit(plan))
    finally:
        csv_import.invite_users = real_invite
    print(f"{'first import: total':<44} {validate_s + apply_s:7.2f} s  ({summary.message()})")
    print(f"{'  of which invite_users (accounts + emails)':<44} {spent[0]:7.2f} s")
    before = counts()
    group_id = group.id
    db.session.remove()
    group = db.session.get(InterestGroup, group_id)
    plan, validate_s = timed("second import: validate", lambda: csv_import.validate(group, data))
    summary, apply_s = timed("second import: write + commit", lambda: apply_commit(plan))
    print(f"{'second import: total':<44} {validate_s + apply_s:7.2f} s  ({summary.message()})")
    after = counts()
    print(f"rows after first import: {before}")
    assert after == before, (before, after)
    assert summary.unchanged == summary.rows


def apply_commit(plan):
    summary = csv_import.apply(plan)
    db.session.commit()
    return summary


if __name__ == "__main__":
    main()
