"""A group's introduction report: acceptance, time to first meeting, closing ratings."""

from dataclasses import dataclass, field
from statistics import mean, median

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matcher.extensions import db
from matcher.models import (
    InterestGroup,
    Introduction,
    IntroductionFeedback,
    IntroStatus,
    MentorProfile,
    User,
)

EVER_ACCEPTED = (IntroStatus.ACCEPTED, IntroStatus.MET, IntroStatus.COMPLETED)


@dataclass
class Ratings:
    """Closing ratings of one kind of mentor or one specialty, from each side."""

    label: str
    by_students: list[int] = field(default_factory=list)
    by_mentors: list[int] = field(default_factory=list)

    @staticmethod
    def _avg(values: list[int]) -> float | None:
        return round(mean(values), 2) if values else None

    @property
    def student_average(self) -> float | None:
        return self._avg(self.by_students)

    @property
    def mentor_average(self) -> float | None:
        return self._avg(self.by_mentors)


@dataclass
class Report:
    total: int
    by_status: dict[str, int]
    answered: int
    accepted: int
    meetings: int
    days_to_meeting_median: float | None
    days_to_meeting_mean: float | None
    by_mentor_type: list[Ratings]
    by_specialty: list[Ratings]
    comments: list[tuple[Introduction, User, IntroductionFeedback]]

    @property
    def acceptance_rate(self) -> float | None:
        """Share of answered requests (accepted, declined or expired) that were accepted."""
        return self.accepted / self.answered if self.answered else None


def build(group: InterestGroup) -> Report:
    intros = list(
        db.session.scalars(
            select(Introduction)
            .where(Introduction.group_id == group.id)
            .options(
                selectinload(Introduction.mentor)
                .selectinload(User.mentor_profile)
                .selectinload(MentorProfile.specialty),
                selectinload(Introduction.student),
            )
        )
    )
    by_status = {s.value: 0 for s in IntroStatus}
    accepted = answered = 0
    waits = []
    for intro in intros:
        by_status[intro.status.value] += 1
        was_accepted = intro.status in EVER_ACCEPTED or (
            intro.status is IntroStatus.WITHDRAWN and intro.responded_at is not None
        )
        if was_accepted or intro.status in (IntroStatus.DECLINED, IntroStatus.EXPIRED):
            answered += 1
            accepted += was_accepted
        if intro.met_at is not None and intro.responded_at is not None:
            waits.append(max((intro.met_at - intro.responded_at).total_seconds(), 0) / 86400)
    feedback = list(
        db.session.execute(
            select(IntroductionFeedback, User)
            .join(User, User.id == IntroductionFeedback.user_id)
            .join(Introduction, Introduction.id == IntroductionFeedback.introduction_id)
            .where(Introduction.group_id == group.id)
            .order_by(IntroductionFeedback.at.desc())
        )
    )
    by_id = {intro.id: intro for intro in intros}
    types: dict[str, Ratings] = {}
    specialties: dict[str, Ratings] = {}
    comments = []
    for given, author in feedback:
        intro = by_id[given.introduction_id]
        profile = intro.mentor.mentor_profile
        kind = profile.mentor_type.label if profile and profile.mentor_type else "Not given"
        specialty = profile.specialty.name if profile and profile.specialty else "Not given"
        for table, key in ((types, kind), (specialties, specialty)):
            ratings = table.setdefault(key, Ratings(key))
            (ratings.by_students if author.id == intro.student_id else ratings.by_mentors).append(
                given.rating
            )
        if given.comment:
            comments.append((intro, author, given))
    return Report(
        total=len(intros),
        by_status=by_status,
        answered=answered,
        accepted=accepted,
        meetings=len(waits),
        days_to_meeting_median=round(median(waits), 1) if waits else None,
        days_to_meeting_mean=round(mean(waits), 1) if waits else None,
        by_mentor_type=sorted(types.values(), key=lambda r: r.label),
        by_specialty=sorted(specialties.values(), key=lambda r: r.label),
        comments=comments,
    )
