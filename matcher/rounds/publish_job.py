"""A large round's publishing as a background job: the worker makes every introduction and
queues every email in one transaction (``publishing.publish``, as the request does for a small
round), so a worker that dies meanwhile leaves the round unpublished and the job runs again."""

from typing import Any

from sqlalchemy import select

from matcher import audit
from matcher.extensions import db
from matcher.jobs import services as jobs
from matcher.models import Job, JobStatus, Round, User
from matcher.rounds import publishing, solve_job
from matcher.rounds.rules import AlreadyPublishedError, RoundError
from matcher.templating import slot_label

KIND = "round.publish"
STEPS = len(publishing.STAGES) + 1


def message(introductions: int) -> str:
    """What the coordinator is told once the round is published."""
    return f"Published. {introductions} introductions were made and each mentor has been asked."


def wanted(round_: Round, config) -> bool:
    """Publishing goes to the worker for the rounds that are solved there: at least
    ``JOBS_SOLVE_MIN_PAIRS`` students times mentors."""
    return solve_job.wanted(round_, config)


def pending(round_: Round) -> int | None:
    """The id of a job already publishing ``round_`` (queued, or running and alive)."""
    unfinished = db.session.scalars(
        select(Job)
        .where(
            Job.kind == KIND,
            Job.group_id == round_.group_id,
            Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
        )
        .order_by(Job.id)
    )
    for job in unfinished:
        if job.payload.get("round_id") == round_.id and not jobs.view(job).status.finished:
            return job.id
    return None


def queue(round_: Round, number: int, retry_url: str) -> Job:
    """A queued job publishing draft ``number`` of ``round_`` for the current user; the caller
    commits, then calls ``jobs.start``."""
    return jobs.queue(
        kind=KIND,
        title=f"Publishing {round_.name}",
        group_id=round_.group_id,
        retry_url=retry_url,
        total=STEPS,
        payload={"round_id": round_.id, "number": number},
    )


def run(progress: jobs.Progress, payload: dict[str, Any], actor_id: int) -> jobs.Outcome:
    """The job's work, from its payload."""
    return work(progress, payload["round_id"], payload["number"], actor_id, payload["ip"])


def work(
    progress: jobs.Progress, round_id: int, number: int, actor_id: int, ip: str
) -> jobs.Outcome:
    """Publish, or refuse with the reason (already published, or the places and seats the
    draft uses were taken since it was solved, each conflict listed); nothing is saved then."""
    stages = len(publishing.STAGES)
    report = progress.part(0, stages, STEPS)
    report(0, stages, publishing.CHECKING)
    round_ = db.session.get(Round, round_id)
    actor = db.session.get(User, actor_id)
    try:
        with audit.acting_as(actor, ip):
            intros = publishing.publish(round_, number, actor, on_progress=report)
    except AlreadyPublishedError as exc:
        raise jobs.JobRefusedError(f"{exc} Nothing was sent twice.", status=409) from None
    except publishing.StaleDraftError as exc:
        raise jobs.JobRefusedError(str(exc), conflicts(exc), status=409) from None
    except RoundError as exc:
        raise jobs.JobRefusedError(str(exc), status=409) from None
    progress(stages, STEPS, f"Saving {len(intros):,} introductions and their emails")
    return jobs.Outcome(
        url=jobs.site_path("rounds.show", round_id=round_id), message=message(len(intros))
    )


def conflicts(stale: publishing.StaleDraftError) -> list[str]:
    """Each place or seat the draft can no longer have, as a line of the job's page."""
    ids = {c.mentor_id for c in stale.mentors} | {
        i for s in stale.seats for i in (s.student_id, s.mentor_id, s.holder_id)
    }
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    lines = [
        f"{names.get(c.mentor_id, '?')}: capacity {c.capacity}, already holds {c.held}; this "
        f"draft gives them {c.asked} more, {c.over} over capacity."
        for c in stale.mentors
    ]
    lines += [
        f"{names.get(s.student_id, '?')} already holds the {slot_label(s.slot)} seat "
        f"({names.get(s.holder_id, '?')}, {s.status.label.lower()}); this draft would add "
        f"{names.get(s.mentor_id, '?')}."
        for s in stale.seats
    ]
    return lines
