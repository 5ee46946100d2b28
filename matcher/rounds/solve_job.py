"""A large round's solve as a background job: the worker loads and solves the round in a
read-only transaction, then stores the draft in one transaction, with progress by stage."""

from typing import Any

from matcher import audit
from matcher.database import reading
from matcher.extensions import db
from matcher.jobs import services as jobs
from matcher.models import Job, Round, RoundDraft, User
from matcher.rounds import drafts, rules

KIND = "round.solve"


def message(draft: RoundDraft) -> str:
    """What the coordinator is told once a draft is stored."""
    return (
        f"Draft {draft.number}: {draft.stats['pairs']} of {draft.stats['needs']} places filled "
        f"in {draft.seconds:.2f} s."
    )


def wanted(round_: Round, config) -> bool:
    return drafts.solve_size(round_) >= config["JOBS_SOLVE_MIN_PAIRS"]


def queue(round_: Round, retry_url: str) -> Job:
    """A queued job solving ``round_`` for the current user; the caller commits, then calls
    ``jobs.start``."""
    return jobs.queue(
        kind=KIND,
        title=f"Solving {round_.name}",
        group_id=round_.group_id,
        retry_url=retry_url,
        total=drafts.solve_steps(round_),
        payload={"round_id": round_.id},
    )


def run(progress: jobs.Progress, payload: dict[str, Any], actor_id: int) -> jobs.Outcome:
    """The job's work, from its payload."""
    return work(progress, payload["round_id"], actor_id, payload["ip"])


def work(progress: jobs.Progress, round_id: int, actor_id: int, ip: str) -> jobs.Outcome:
    try:
        with reading():
            round_ = db.session.get(Round, round_id)
            actor = db.session.get(User, actor_id)
            solved = drafts.prepare_solve(round_, progress)
        db.session.commit()
        db.session.refresh(round_)
        with audit.acting_as(actor, ip):
            draft = drafts.record_solve(round_, actor, solved, progress)
    except rules.RoundError as exc:
        raise jobs.JobRefusedError(str(exc), status=409) from None
    return jobs.Outcome(
        url=jobs.site_path("rounds.draft", round_id=round_id, number=draft.number),
        message=message(draft),
    )
