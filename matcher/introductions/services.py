"""The introduction life cycle."""

import secrets
from dataclasses import dataclass

from matcher.extensions import db
from matcher.models import Introduction, IntroductionEvent, IntroStatus, Round, User


@dataclass(frozen=True)
class ProposedPair:
    student_id: int
    mentor_id: int
    slot: str
    score: float | None = None


def propose(round_: Round, pairs: list[ProposedPair], actor: User | None) -> list[Introduction]:
    """Create one proposed introduction per published pair; the caller commits."""
    intros = []
    for pair in pairs:
        intro = Introduction(
            group_id=round_.group_id,
            round_id=round_.id,
            student_id=pair.student_id,
            mentor_id=pair.mentor_id,
            slot=pair.slot,
            score=pair.score,
            status=IntroStatus.PROPOSED,
            link_nonce=secrets.token_urlsafe(16),
        )
        intro.events.append(
            IntroductionEvent(
                status=IntroStatus.PROPOSED,
                actor_id=actor.id if actor else None,
                note=f"Proposed by {round_.name}",
            )
        )
        intros.append(intro)
    db.session.add_all(intros)
    return intros
