"""A round's settings: criterion weights and hard rules, with defaults and plain-language help."""

from dataclasses import asdict, dataclass
from typing import Any

from matcher.matching import CRITERIA, Rules, Weights

INSTITUTION_POLICIES = {
    "preferred": "Prefer mentors at the student's own school",
    "neutral": "No preference",
    "barred": "Only mentors at another institution",
}

CRITERION_HELP: dict[str, tuple[str, str]] = {
    "specialty": (
        "Specialty rank",
        "How high the mentor's specialty sits in the student's list (first choice counts most).",
    ),
    "focus": (
        "Focus and research overlap",
        "Share of the student's focus and research areas that the mentor works in.",
    ),
    "goals": (
        "Goals met",
        "Share of what the student wants (research, letters, mock interviews…) the mentor offers.",
    ),
    "stage": (
        "Stage fit",
        "Peer mentors 1–2 years ahead; residents for early students, faculty for MS3 and later.",
    ),
    "institution": (
        "Institution",
        "Same or other institution, as the institution rule below says; external mentors first "
        "for students whose school has no department in their specialty.",
    ),
    "student_preference": (
        "Student's ranking",
        "The mentors a student ranked before the deadline (first choice counts most).",
    ),
    "mentor_preference": (
        "Mentor's interest",
        "Students a mentor marked as someone they would like to mentor.",
    ),
    "waited": (
        "Waited before",
        "A bonus for students who went unmatched, or were declined, in an earlier round.",
    ),
}


class SettingsError(ValueError):
    """Settings that cannot be used; the message is safe to show."""


@dataclass(frozen=True)
class RoundSettings:
    """Everything the coordinator tunes, as stored in ``Round.settings``."""

    weights: Weights
    shared_specialty: bool = True
    peer_min: int = 1
    peer_max: int = 2
    same_institution: str = "preferred"
    external_for_no_home: bool = True
    min_score: float | None = None

    def rules(self, *, same_institution: str | None = None, **pairs: Any) -> Rules:
        """Engine rules for one slot solve (``pinned``/``barred`` pass through)."""
        return Rules(
            shared_specialty=self.shared_specialty,
            peer_years_ahead=(self.peer_min, self.peer_max),
            same_institution=same_institution or self.same_institution,
            external_for_no_home=self.external_for_no_home,
            min_score=self.min_score,
            **pairs,
        )

    @property
    def max_score(self) -> float:
        return float(self.weights.vector().sum())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["weights"] = {name: float(getattr(self.weights, name)) for name in CRITERIA}
        return data


def parse(data: dict[str, Any] | None) -> RoundSettings:
    """Settings from stored JSON, defaults filling anything missing."""
    data = dict(data or {})
    defaults = asdict(Weights())
    weights = {**defaults, **(data.pop("weights", None) or {})}
    try:
        settings = RoundSettings(
            weights=Weights(**{k: weights[k] for k in CRITERIA}), **_known(data)
        )
    except (TypeError, ValueError) as exc:
        raise SettingsError(str(exc)) from exc
    check(settings)
    return settings


_RULES = (
    "shared_specialty",
    "peer_min",
    "peer_max",
    "same_institution",
    "external_for_no_home",
    "min_score",
)


def _known(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in _RULES if k in data}


def check(settings: RoundSettings) -> None:
    """Refuse settings the engine cannot use or that could never match anyone."""
    if settings.peer_min < 1 or settings.peer_max > 4 or settings.peer_min > settings.peer_max:
        raise SettingsError(
            "Peer mentors must be between 1 and 4 years ahead, and the lower bound "
            "cannot exceed the upper one."
        )
    if settings.same_institution not in INSTITUTION_POLICIES:
        raise SettingsError("Choose one of the institution rules offered.")
    if settings.max_score <= 0:
        raise SettingsError("At least one criterion needs a weight above zero.")
    if settings.min_score is not None:
        if settings.min_score < 0:
            raise SettingsError("The minimum score cannot be negative.")
        if settings.min_score > settings.max_score:
            raise SettingsError(
                f"The minimum score {settings.min_score:g} is above the highest score any pair "
                f"can reach with these weights ({settings.max_score:g}); nobody could be matched."
            )
    try:
        settings.rules()
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
