"""A large roster import as a background job: the rows travel in the job's payload; the worker
checks them in a read-only transaction, then writes everything in one transaction, with
progress through both phases."""

from typing import Any

from matcher import audit
from matcher.database import reading
from matcher.extensions import db
from matcher.jobs import services as jobs
from matcher.models import InterestGroup, Job, User
from matcher.rosters import csv_import

KIND = "roster.import"

Rows = list[tuple[int, dict[str, str]]]


def queue(group: InterestGroup, rows: Rows, retry_url: str) -> Job:
    """A queued job importing ``rows`` for the current user; the caller commits, then calls
    ``jobs.start``."""
    return jobs.queue(
        kind=KIND,
        title=f"Importing {len(rows):,} rows into {group.name}",
        group_id=group.id,
        retry_url=retry_url,
        total=2 * len(rows),
        payload={"group_id": group.id, "rows": [[line, row] for line, row in rows]},
    )


def run(progress: jobs.Progress, payload: dict[str, Any], actor_id: int) -> jobs.Outcome:
    """The job's work, from its payload."""
    rows = [(int(line), dict(row)) for line, row in payload["rows"]]
    return work(progress, payload["group_id"], rows, actor_id, payload["ip"])


def work(progress: jobs.Progress, group_id: int, rows: Rows, actor_id: int, ip: str):
    """Check, then write; a refused file or a conflict fails the job and saves nothing."""
    n = len(rows)
    try:
        with reading():
            group = db.session.get(InterestGroup, group_id)
            actor = db.session.get(User, actor_id)
            plan = csv_import.check_rows(group, rows, progress.part(0, n, 2 * n))
        db.session.commit()
        progress(n, 2 * n, f"Saving {n:,} rows")
        with audit.acting_as(actor, ip):
            summary = csv_import.apply(plan, progress.part(n, n, 2 * n))
    except csv_import.RosterImportError as exc:
        raise jobs.JobRefusedError(
            "Nothing was imported. Fix these problems in the file and upload it again.",
            exc.errors,
            status=422,
        ) from None
    except csv_import.RosterConflictError as exc:
        raise jobs.JobRefusedError(str(exc), status=409) from None
    return jobs.Outcome(
        url=jobs.site_path("rosters.students", group_id=group_id), message=summary.message()
    )


def wanted(rows: Rows, config) -> bool:
    return len(rows) >= config["JOBS_IMPORT_MIN_ROWS"]
