"""A round's forms: its name, seats, deadline, results date and settings; students' rankings;
mentors' marks; pins and bars; publishing a draft."""

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from matcher.forms import (
    FiniteDecimalField,
    LocalDateTimeField,
    MultiCheckboxField,
    OnceForm,
    SiteForm,
    WholeNumberField,
    line_field,
    optional_int,
)
from matcher.matching import CRITERIA, Weights
from matcher.models import MAX_PREFERENCES, Round, WantedMentor
from matcher.solving.settings import CRITERION_HELP, INSTITUTION_POLICIES, RoundSettings

MAX_WEIGHT = 100


class RoundForm(OnceForm):
    name = line_field(
        "Round name",
        Round.name,
        required=True,
        description="e.g. Autumn 2026 faculty and resident round",
    )
    slots = MultiCheckboxField(
        "Mentors each student gets",
        choices=WantedMentor.choices(),
        validators=[InputRequired(message="Choose at least one kind of mentor.")],
        description="One mentor of each kind, never two of the same kind. External faculty "
        "are faculty at another institution.",
    )
    preference_deadline = LocalDateTimeField(
        "Preference deadline, in your time zone",
        validators=[Optional()],
        description="Students rank mentors and mentors mark students until then; each sees it "
        "in their own time zone. Leave empty to keep preferences open until you publish.",
    )
    results_expected_on = DateField(
        "Results expected on",
        validators=[Optional()],
        description="The day you expect to publish the results; students see it on the round's "
        "page and their board. On or after the preference deadline.",
    )
    shared_specialty = BooleanField(
        "Require a shared specialty",
        default=True,
        description="Only pair a student with mentors in a specialty on the student's list.",
    )
    peer_min = WholeNumberField(
        "Peer mentors at least this many years ahead",
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=4)],
    )
    peer_max = WholeNumberField(
        "…and at most this many years ahead",
        default=2,
        validators=[InputRequired(), NumberRange(min=1, max=4)],
    )
    same_institution = RadioField(
        "Same-institution pairs",
        choices=[SelectChoice(k, v) for k, v in INSTITUTION_POLICIES.items()],
        default="preferred",
    )
    external_for_no_home = BooleanField(
        "Students without a home department get external mentors first",
        default=True,
        description="For a student whose school has no department in their first-choice "
        "specialty, mentors at other institutions score higher on institution.",
    )
    min_score = FiniteDecimalField(
        "Minimum score",
        validators=[
            Optional(),
            NumberRange(min=0, message="The minimum score cannot be negative."),
        ],
        description="Pairs scoring below this are never made. Leave empty for no minimum.",
    )
    submit = SubmitField("Save round")

    def __init__(self, *args, zone: str, **kwargs) -> None:
        """``zone``: the coordinator's time zone, in which the deadline is typed and shown."""
        super().__init__(*args, **kwargs)
        self.preference_deadline.in_zone(zone)
        self.weight_fields = [getattr(self, f"w_{name}") for name in CRITERIA]

    def round_fields(self) -> dict:
        """Keyword arguments for ``services.create_round`` and ``services.update_round``."""
        return {
            "name": self.name.data,
            "slots": self.slots.data,
            "preference_deadline": self.preference_deadline.utc,
            "results_expected_on": self.results_expected_on.data,
            "settings": self.settings(),
        }

    def settings(self) -> dict:
        return {
            "weights": {name: float(getattr(self, f"w_{name}").data) for name in CRITERIA},
            "shared_specialty": self.shared_specialty.data,
            "peer_min": self.peer_min.data,
            "peer_max": self.peer_max.data,
            "same_institution": self.same_institution.data,
            "external_for_no_home": self.external_for_no_home.data,
            "min_score": float(self.min_score.data) if self.min_score.data is not None else None,
        }

    def load(self, stored: RoundSettings) -> None:
        for name in CRITERIA:
            getattr(self, f"w_{name}").data = getattr(stored.weights, name)
        self.shared_specialty.data = stored.shared_specialty
        self.peer_min.data = stored.peer_min
        self.peer_max.data = stored.peer_max
        self.same_institution.data = stored.same_institution
        self.external_for_no_home.data = stored.external_for_no_home
        self.min_score.data = stored.min_score

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.peer_min.data and self.peer_max.data and self.peer_min.data > self.peer_max.data:
            self.peer_max.errors.append("Must be at least the lower bound.")
            ok = False
        return ok


_default_weights = Weights()
for _name in CRITERIA:
    _label, _help = CRITERION_HELP[_name]
    setattr(
        RoundForm,
        f"w_{_name}",
        FiniteDecimalField(
            f"Weight: {_label}",
            default=getattr(_default_weights, _name),
            places=None,
            validators=[
                InputRequired(),
                NumberRange(min=0, max=MAX_WEIGHT, message=f"Use a weight from 0 to {MAX_WEIGHT}."),
            ],
            description=_help,
        ),
    )


class PreferencesForm(SiteForm):
    submit = SubmitField("Save my ranking")

    def __init__(self, mentors: list[SelectChoice], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.choice_fields = [getattr(self, f"choice_{k}") for k in range(1, MAX_PREFERENCES + 1)]
        for f in self.choice_fields:
            f.choices = [SelectChoice("", "— none —"), *mentors]

    def ranked(self) -> list[int]:
        return [f.data for f in self.choice_fields if f.data]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        seen: set[int] = set()
        for f in self.choice_fields:
            if f.data in seen:
                f.errors.append("You already ranked this mentor above.")
                ok = False
            elif f.data:
                seen.add(f.data)
        return ok


_ORDINALS = ["First", "Second", "Third", "Fourth", "Fifth"]
for _k in range(1, MAX_PREFERENCES + 1):
    setattr(
        PreferencesForm,
        f"choice_{_k}",
        SelectField(f"{_ORDINALS[_k - 1]} choice", coerce=optional_int, validate_choice=True),
    )


class LikesForm(SiteForm):
    students = MultiCheckboxField(
        "Students you would like to mentor", coerce=int, validate_choice=True
    )
    submit = SubmitField("Save")


def _id_field() -> WholeNumberField:
    return WholeNumberField(validators=[InputRequired(), NumberRange(min=1)])


class ConstraintForm(SiteForm):
    student_id = _id_field()
    mentor_id = _id_field()
    kind = HiddenField(validators=[InputRequired()])


class PublishForm(SiteForm):
    draft = _id_field()
    confirm_outdated = BooleanField(
        "Publish this draft anyway, without the changes listed above",
        description="Solving again is the safer choice: it uses the round as it is now.",
    )
