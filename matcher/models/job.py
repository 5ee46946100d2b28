"""Long operations (a large roster import, solve or publish) run by the worker in the background."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "queued": "Waiting to start",
            "running": "Working",
            "done": "Done",
            "failed": "Stopped",
        }[self.value]

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


class Job(db.Model):
    """One background operation and its progress, shared by every web worker through the
    database: ``done`` of ``total`` steps, the current ``stage``, and where to go when done.

    The row is the truth about the job: ``payload`` holds what the work needs (cleared when it
    ends), ``runner`` names the run that holds it and ``attempts`` counts the runs started, so a
    run whose worker died is started again from the row, never lost."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    stage: Mapped[str] = mapped_column(String(200), default="")
    result_url: Mapped[str] = mapped_column(String(500), default="")
    retry_url: Mapped[str] = mapped_column(String(500), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status_code: Mapped[int] = mapped_column(default=0)
    """The HTTP status of a stopped job's page (409 or 422); 0 while it has none."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    runner: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
