"""A group's introduction report: the funnel, acceptance, time to first meeting, and the early
and closing ratings from each side, as charts, tables and a CSV of the same figures."""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from statistics import mean, median

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matcher.charts import Balance, Step
from matcher.extensions import db
from matcher.introductions.services import GivenRating
from matcher.models import (
    InterestGroup,
    Introduction,
    IntroductionFeedback,
    IntroStatus,
    MentorProfile,
    RatingStage,
    User,
)
from matcher.spreadsheet import escape_formula

EVER_ACCEPTED = (IntroStatus.ACCEPTED, IntroStatus.MET, IntroStatus.COMPLETED)
SIDES = {"student": "Students", "mentor": "Mentors"}
COLUMNS = tuple((stage, side) for stage in RatingStage for side in SIDES)
"""The rating columns of the report's tables: each stage, from each side."""
SCALE = (5, 4, 3, 2, 1)


@dataclass(frozen=True)
class Cell:
    """The average of some ratings (``None`` when there are none) and how many there are."""

    average: float | None
    count: int

    @classmethod
    def of(cls, values: list[int]) -> "Cell":
        return cls(round(float(mean(values)), 2) if values else None, len(values))


@dataclass
class Ratings:
    """The ratings of one kind of mentor or one specialty: early and closing, from each side."""

    label: str
    given: dict[tuple[RatingStage, str], list[int]] = field(default_factory=dict)

    def add(self, stage: RatingStage, side: str, rating: int) -> None:
        self.given.setdefault((stage, side), []).append(rating)

    def cell(self, stage: RatingStage, side: str) -> Cell:
        return Cell.of(self.given.get((stage, side), []))

    @property
    def cells(self) -> list[Cell]:
        """One cell per column of :data:`COLUMNS`, in order."""
        return [self.cell(stage, side) for stage, side in COLUMNS]


@dataclass(frozen=True)
class StageSummary:
    """All the ratings of one stage: average and count, overall and from each side."""

    stage: RatingStage
    overall: Cell
    by_side: dict[str, Cell]


@dataclass(frozen=True)
class RatingTable:
    """One table of average ratings: one stage, by kind of mentor or by specialty, a row per
    kind or specialty with a cell from each side (:data:`SIDES`)."""

    id: str
    caption: str
    heading: str
    rows: list[tuple[str, list[Cell]]]


@dataclass
class Report:
    total: int
    by_status: list[Step]
    answered: int
    accepted: int
    meetings: int
    days_to_meeting_median: float | None
    days_to_meeting_mean: float | None
    funnel: list[Step]
    rating_counts: list[Balance]
    stages: list[StageSummary]
    by_mentor_type: list[Ratings]
    by_specialty: list[Ratings]
    comments: list[GivenRating]

    @property
    def acceptance_rate(self) -> float | None:
        """Share of answered requests (accepted, declined or expired) that were accepted."""
        return self.accepted / self.answered if self.answered else None

    @property
    def acceptance_percent(self) -> int | None:
        rate = self.acceptance_rate
        return round(rate * 100) if rate is not None else None

    @property
    def tables(self) -> list["RatingTable"]:
        """The average ratings as tables: by kind of mentor, then by specialty, each once per
        stage."""
        return [
            RatingTable(
                f"ratings-{key}-{stage.value}",
                f"{stage.label}, by {noun}",
                noun.capitalize(),
                [(r.label, [r.cell(stage, side) for side in SIDES]) for r in rows],
            )
            for key, noun, rows in (
                ("kind", "kind of mentor", self.by_mentor_type),
                ("specialty", "specialty", self.by_specialty),
            )
            for stage in RatingStage
        ]

    @property
    def side_labels(self) -> list[str]:
        return list(SIDES.values())

    @property
    def rated(self) -> bool:
        return any(summary.overall.count for summary in self.stages)


def _was_accepted(intro: Introduction) -> bool:
    return intro.status in EVER_ACCEPTED or (
        intro.status is IntroStatus.WITHDRAWN and intro.responded_at is not None
    )


def funnel(intros: list[Introduction]) -> list[Step]:
    """Introduced → accepted by the mentor → met → met and reached the end of the cycle."""
    accepted = [i for i in intros if _was_accepted(i)]
    met = [i for i in accepted if i.met_at is not None]
    completed = [i for i in met if i.status is IntroStatus.COMPLETED]
    return [
        Step("Introduced", len(intros)),
        Step("Accepted", len(accepted)),
        Step("Met", len(met)),
        Step("Cycle completed", len(completed)),
    ]


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
    by_status = Counter(intro.status for intro in intros)
    accepted = answered = 0
    waits = []
    for intro in intros:
        was_accepted = _was_accepted(intro)
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
            .order_by(IntroductionFeedback.at.desc(), IntroductionFeedback.id.desc())
        )
    )
    by_id = {intro.id: intro for intro in intros}
    types: dict[str, Ratings] = {}
    specialties: dict[str, Ratings] = {}
    counts = {stage: Counter() for stage in RatingStage}
    everyone = Ratings("All")
    comments = []
    for given, author in feedback:
        intro = by_id[given.introduction_id]
        side = "student" if author.id == intro.student_id else "mentor"
        profile = intro.mentor.mentor_profile
        kind = profile.mentor_type.label if profile and profile.mentor_type else "Not given"
        specialty = profile.specialty.name if profile and profile.specialty else "Not given"
        for table, key in ((types, kind), (specialties, specialty)):
            table.setdefault(key, Ratings(key)).add(given.stage, side, given.rating)
        everyone.add(given.stage, side, given.rating)
        counts[given.stage][given.rating] += 1
        if given.comment:
            comments.append(
                GivenRating(intro, author, side, given.stage, given.rating, given.comment)
            )
    return Report(
        total=len(intros),
        by_status=[Step(status.label, by_status[status]) for status in IntroStatus],
        answered=answered,
        accepted=accepted,
        meetings=len(waits),
        days_to_meeting_median=round(median(waits), 1) if waits else None,
        days_to_meeting_mean=round(mean(waits), 1) if waits else None,
        funnel=funnel(intros),
        rating_counts=[
            Balance(
                f"Rated {value}",
                counts[RatingStage.EARLY][value],
                counts[RatingStage.CLOSING][value],
            )
            for value in SCALE
        ],
        stages=[
            StageSummary(
                stage,
                Cell.of([v for side in SIDES for v in everyone.given.get((stage, side), [])]),
                {side: everyone.cell(stage, side) for side in SIDES},
            )
            for stage in RatingStage
        ],
        by_mentor_type=sorted(types.values(), key=lambda r: r.label),
        by_specialty=sorted(specialties.values(), key=lambda r: r.label),
        comments=comments,
    )


# --- the figures as CSV ---------------------------------------------------------------------

CSV_HEADER = ("Section", "Item", "Stage", "Given by", "Value", "Count")


def _figure(value: float | int | None) -> str:
    return "" if value is None else str(value)


def csv_rows(report: Report) -> list[tuple[str, ...]]:
    """Every figure of the report, one per row, under :data:`CSV_HEADER`."""
    rows: list[tuple[str, ...]] = []
    rows += [("Funnel", step.label, "", "", str(step.value), "") for step in report.funnel]
    rows += [("Status", step.label, "", "", str(step.value), "") for step in report.by_status]
    rows.append(
        (
            "Acceptance",
            "Accepted, % of answered or expired requests",
            "",
            "",
            _figure(report.acceptance_percent),
            str(report.answered),
        )
    )
    for label, value in (
        ("Median", report.days_to_meeting_median),
        ("Mean", report.days_to_meeting_mean),
    ):
        rows.append(
            (
                "Days from acceptance to first meeting",
                label,
                "",
                "",
                _figure(value),
                str(report.meetings),
            )
        )
    for row in report.rating_counts:
        for stage, count in ((RatingStage.EARLY, row.supply), (RatingStage.CLOSING, row.demand)):
            rows.append(("Ratings given", row.label, stage.label, "", str(count), ""))
    for summary in report.stages:
        rows.append(
            (
                "Average rating",
                "All introductions",
                summary.stage.label,
                "Both sides",
                _figure(summary.overall.average),
                str(summary.overall.count),
            )
        )
    for section, table in (
        ("Average rating by kind of mentor", report.by_mentor_type),
        ("Average rating by specialty", report.by_specialty),
    ):
        for ratings in table:
            for (stage, side), cell in zip(COLUMNS, ratings.cells, strict=True):
                rows.append(
                    (
                        section,
                        ratings.label,
                        stage.label,
                        SIDES[side],
                        _figure(cell.average),
                        str(cell.count),
                    )
                )
    return rows


def csv_text(report: Report) -> str:
    """The report's figures as CSV; every cell is safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in csv_rows(report):
        writer.writerow([escape_formula(cell) for cell in row])
    return out.getvalue()


def csv_filename(group: InterestGroup) -> str:
    return f"group-{group.id}-introduction-report.csv"
