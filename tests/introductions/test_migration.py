"""Migration 0012 makes today's ratings closing ones, lets each side give an early one beside
them, and marks introductions that had already met as asked; downgrading drops the early ones."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from matcher.extensions import db
from matcher.models import Introduction, IntroductionFeedback, RatingStage

NOW = datetime(2026, 9, 1, 12, 0)
MET = datetime(2026, 8, 20, 12, 0)

users = sa.table(
    "users",
    *(sa.column(c) for c in ("id", "email", "name", "role", "password_hash")),
    *(sa.column(c) for c in ("session_token", "active", "created_at")),
)
groups = sa.table(
    "interest_groups",
    *(sa.column(c) for c in ("id", "name", "kind", "institution", "description")),
    *(sa.column(c) for c in ("invite_code", "join_policy", "created_at")),
)
introductions = sa.table(
    "introductions",
    *(sa.column(c) for c in ("id", "group_id", "student_id", "mentor_id", "slot", "status")),
    *(sa.column(c) for c in ("link_nonce", "created_at", "updated_at", "asked_at")),
    *(sa.column(c) for c in ("responded_at", "met_at", "decline_reason", "rematched")),
)
feedback = sa.table(
    "introduction_feedback",
    *(sa.column(c) for c in ("id", "introduction_id", "user_id", "rating", "comment", "at")),
)


def _ratings_at_0011() -> None:
    """Two students and a mentor; one introduction met and completed with both sides' ratings,
    one met and still running, one only accepted."""
    for number, role in enumerate(("student", "student", "mentor"), start=1):
        db.session.execute(
            users.insert().values(
                id=number,
                email=f"p{number}@example.edu",
                name=f"Person {number}",
                role=role,
                password_hash="x",
                session_token=f"t{number}",
                active=True,
                created_at=NOW,
            )
        )
    db.session.execute(
        groups.insert().values(
            id=1,
            name="Derm Interest Group",
            kind="school",
            institution="",
            description="",
            invite_code="code-1",
            join_policy="open",
            created_at=NOW,
        )
    )
    for number, (student, status, met_at) in enumerate(
        ((1, "completed", MET), (2, "met", MET), (2, "accepted", None)), start=1
    ):
        db.session.execute(
            introductions.insert().values(
                id=number,
                group_id=1,
                student_id=student,
                mentor_id=3,
                slot="faculty",
                status=status,
                link_nonce=f"n{number}",
                created_at=NOW,
                updated_at=NOW,
                asked_at=NOW,
                responded_at=NOW,
                met_at=met_at,
                decline_reason="",
                rematched=False,
            )
        )
    for user_id, rating in ((1, 5), (3, 4)):
        db.session.execute(
            feedback.insert().values(
                introduction_id=1, user_id=user_id, rating=rating, comment="", at=NOW
            )
        )
    db.session.commit()


def _unique_sets() -> set[tuple[str, ...]]:
    found = sa.inspect(db.session.connection()).get_unique_constraints("introduction_feedback")
    return {tuple(c["column_names"]) for c in found}


def test_ratings_become_closing_ones_and_an_early_one_fits_beside_them(app):
    with app.app_context():
        db.drop_all()
        upgrade(revision="0011_listed_groups")
        _ratings_at_0011()
        upgrade(revision="0012_early_ratings")

        given = {
            (f.user_id, f.stage, f.rating)
            for f in db.session.scalars(sa.select(IntroductionFeedback))
        }
        assert given == {(1, RatingStage.CLOSING, 5), (3, RatingStage.CLOSING, 4)}
        asked = dict(
            db.session.execute(sa.select(Introduction.id, Introduction.early_rating_sent_at)).all()
        )
        assert asked[1] == asked[2] == MET.replace(tzinfo=UTC)
        assert asked[3] is None
        assert _unique_sets() == {("introduction_id", "user_id", "stage")}

        db.session.add(
            IntroductionFeedback(
                introduction_id=1, user_id=1, stage=RatingStage.EARLY, rating=3, comment="Slow"
            )
        )
        db.session.commit()
        db.session.add(
            IntroductionFeedback(
                introduction_id=1, user_id=1, stage=RatingStage.EARLY, rating=2, comment=""
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(
                sa.text(
                    "INSERT INTO introduction_feedback (introduction_id, user_id, stage, rating,"
                    " comment, at) VALUES (2, 2, 'halfway', 3, '', :at)"
                ),
                {"at": NOW},
            )
        db.session.rollback()

        downgrade(revision="0011_listed_groups")
        schema = sa.inspect(db.session.connection())
        assert "stage" not in {c["name"] for c in schema.get_columns("introduction_feedback")}
        assert "early_rating_sent_at" not in {
            c["name"] for c in schema.get_columns("introductions")
        }
        assert _unique_sets() == {("introduction_id", "user_id")}
        left = db.session.execute(
            sa.select(feedback.c.user_id, feedback.c.rating).order_by(feedback.c.id)
        ).all()
        assert [tuple(row) for row in left] == [(1, 5), (3, 4)]
        db.session.commit()

        upgrade()
        assert {f.stage for f in db.session.scalars(sa.select(IntroductionFeedback))} == {
            RatingStage.CLOSING
        }
