"""Meetings of an introduction's pair: times the mentor offers, the one the student picks, and
its calendar invitation's identity (UID and SEQUENCE) across moves and cancellation."""

import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matcher import clock
from matcher.database import str_enum
from matcher.extensions import db


class MeetingStatus(StrEnum):
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"

    @property
    def label(self) -> str:
        return {
            "proposed": "Waiting for the student to choose a time",
            "scheduled": "Scheduled",
            "cancelled": "Cancelled",
            "held": "Met",
        }[self.value]


OPEN_MEETING_STATUSES = (MeetingStatus.PROPOSED, MeetingStatus.SCHEDULED)
"""A meeting still to happen: an introduction has at most one at a time."""


def new_meeting_uid() -> str:
    return f"meeting-{uuid.uuid4().hex}@matcher"


class Meeting(db.Model):
    """One meeting of an introduction's student and mentor: proposed (two or three times, or a
    booking link), then scheduled, and finally held or cancelled. ``uid`` and ``sequence`` are
    the calendar invitation's UID and SEQUENCE: every change sent to calendars raises it."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(
        ForeignKey("introductions.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=new_meeting_uid)
    sequence: Mapped[int] = mapped_column(default=0)
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus, "meeting_status"), default=MeetingStatus.PROPOSED
    )
    booking_url: Mapped[str] = mapped_column(String(500), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None]
    minutes: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)
    reminded_at: Mapped[datetime | None]
    cancelled_by: Mapped[str] = mapped_column(String(20), default="")

    introduction: Mapped["Introduction"] = relationship()  # noqa: F821
    options: Mapped[list["MeetingOption"]] = relationship(
        back_populates="meeting",
        order_by="MeetingOption.starts_at",
        cascade="all, delete-orphan",
    )

    @property
    def ends_at(self) -> datetime | None:
        if self.starts_at is None or self.minutes is None:
            return None
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MEETING_STATUSES

    def __repr__(self) -> str:
        return f"<Meeting {self.id} of {self.introduction_id} {self.status} seq {self.sequence}>"


class MeetingOption(db.Model):
    """One of the times the mentor offers for a proposed meeting."""

    __tablename__ = "meeting_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    minutes: Mapped[int]

    meeting: Mapped[Meeting] = relationship(back_populates="options")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)
