"""What every round action checks first, and the refusal it raises."""

from matcher.models import (
    Round,
)


class RoundError(ValueError):
    """A round action the rules refuse; the message is safe to show."""


class AlreadyPublishedError(RoundError):
    """Someone published the round first."""


def require_open(round_: Round) -> None:
    if not round_.is_open:
        raise RoundError("This round is published and locked; start a follow-up round instead.")


def require_preferences_open(round_: Round) -> None:
    require_open(round_)
    if not round_.preferences_open():
        raise RoundError("The preference deadline has passed.")
