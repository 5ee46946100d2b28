"""The worker's tasks on the task queue, and the worker itself (``flask worker``).

Tasks: a long job (``run_job``: a large roster import, solve or publish, by its kind); and,
every so often, the introductions tick, the mail sender, the daily digests (each person's at
their hour; checked every ``MAIL_DIGEST_INTERVAL`` seconds) and the recovery of jobs whose
worker died. ``create_app`` registers them (``init_app``); web processes only queue jobs, the worker
runs everything. The tick and the mail sender each take a lock of the database
(``matcher.locks``) so that two workers never run one of them at once; the lock dies with a
worker that dies. Both were safe to run twice at once before (each introduction and each
message is claimed with a compare-and-set), so the lock saves work rather than guards data.
"""

import logging

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from matcher import locks
from matcher.extensions import db, tasks
from matcher.introductions.tick import tick
from matcher.jobs import services as jobs
from matcher.mail.digest import send_digests
from matcher.mail.sender import send_pending
from matcher.rosters import import_job
from matcher.rounds import publish_job, solve_job
from matcher.taskqueue import Periodic, describe

log = logging.getLogger("matcher.worker")

WORKS: dict[str, jobs.Work] = {
    import_job.KIND: import_job.run,
    solve_job.KIND: solve_job.run,
    publish_job.KIND: publish_job.run,
}
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TICK_LOCK = "introductions-tick"
MAIL_LOCK = "outbox-send"
DIGEST_LOCK = "mail-digest"


def run_job(job_id: int) -> None:
    jobs.run(job_id, WORKS)


def recover_jobs() -> None:
    done = jobs.recover()
    if done:
        log.info(
            "jobs: started again %s, stopped %s, queued again %s",
            done.restarted,
            done.stopped,
            done.requeued,
        )


def introductions_tick() -> None:
    """Reminders, expiry, re-matching, check-ins, thank-yous and closing, once."""
    with locks.exclusive(TICK_LOCK) as held:
        if not held:
            log.info("introductions tick: another worker is running it")
            return
        report = tick()
        db.session.commit()
    for line in report.errors:
        log.warning("introductions tick: %s", line)
    log.info("introductions tick: %s", report)


def send_mail() -> None:
    """One pass of the mail sender over every message that is due."""
    if not (current_app.config["MAIL_SERVER"] or current_app.config["MAIL_CONSOLE"]):
        return
    with locks.exclusive(MAIL_LOCK) as held:
        if not held:
            return
        try:
            report = send_pending()
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("mail: the outbox could not be read; trying again", exc_info=True)
            return
    for line in report.errors:
        log.warning("mail: %s", line)
    if report.unreachable:
        log.warning("mail: server unreachable (%s); messages stay queued", report.unreachable)
    if report.sent or report.retrying or report.failed:
        log.info(
            "mail: sent %d, retrying %d, failed %d", report.sent, report.retrying, report.failed
        )


def mail_digest() -> None:
    """Each daily digest that is due (the mail sender then sends them)."""
    with locks.exclusive(DIGEST_LOCK) as held:
        if not held:
            return
        try:
            report = send_digests()
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("mail digest: the outbox could not be read; trying again", exc_info=True)
            return
    for line in report.errors:
        log.warning("mail digest: %s", line)
    if report.sent or report.dropped:
        log.info("mail digest: %s", report)


TASKS = {jobs.TASK: run_job}
PERIODIC = {
    "recover_jobs": Periodic(recover_jobs, lambda config: max(1, config["JOBS_STALE_SECONDS"] / 3)),
    "introductions_tick": Periodic(
        introductions_tick, lambda config: config["INTRODUCTIONS_TICK_SECONDS"]
    ),
    "send_mail": Periodic(send_mail, lambda config: config["MAIL_SEND_INTERVAL"]),
    "mail_digest": Periodic(mail_digest, lambda config: config["MAIL_DIGEST_INTERVAL"]),
}


def init_app(app: Flask) -> None:
    tasks.init_app(app, TASKS, PERIODIC)


def run(app: Flask, threads: int) -> None:
    """Run the consumer until SIGTERM (running tasks finish first) or SIGINT; it logs each
    tick, each pass of the sender that did something and each job started again."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for quiet in ("huey", "huey.consumer.Worker", "huey.consumer.Scheduler"):
        logging.getLogger(quiet).setLevel(logging.WARNING)
    logging.getLogger("huey.consumer").setLevel(logging.INFO)
    config = app.config
    log.info(
        "matcher worker: queue in %s; %d threads; introductions tick every %s s, mail every %s s",
        describe(config),
        threads,
        config["INTRODUCTIONS_TICK_SECONDS"],
        config["MAIL_SEND_INTERVAL"],
    )
    if not (config["MAIL_SERVER"] or config["MAIL_CONSOLE"]):
        log.warning("mail: MAIL_SERVER is not set, so mail stays queued in the outbox")
    tasks.consumer(app, threads).run()
