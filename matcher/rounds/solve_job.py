"""A large round's solve as a background job: the round is loaded and solved in a read-only
transaction, then the draft is stored in one transaction, with progress by kind of mentor."""

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


def queue(round_: Round, retry_url: str) -> tuple[Job, jobs.Work]:
    """A queued job solving ``round_`` for the current user, and its work; the caller commits,
    then hands both to ``jobs.start``."""
    round_id = round_.id
    return jobs.queue(
        kind=KIND,
        title=f"Solving {round_.name}",
        group_id=round_.group_id,
        retry_url=retry_url,
        total=drafts.solve_steps(round_),
        work=lambda progress, actor_id, ip: work(progress, round_id, actor_id, ip),
    )


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
