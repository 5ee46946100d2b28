"""Introduction forms: answers, meetings, withdrawals, ratings and the coordinators' settings."""

from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from matcher import clock, timezones
from matcher.forms import (
    OnceForm,
    QueryForm,
    SiteForm,
    WholeNumberField,
    line_field,
    search_box,
    strip,
    text_area,
)
from matcher.models import GroupEmailTemplate, IntroStatus, RematchPolicy, WantedMentor


def _reason(label: str, description: str, rows: int):
    """An optional reason for a step of the introduction, kept with it."""
    return text_area(
        label, 1000, filters=[strip], description=description, render_kw={"rows": rows}
    )


class ActionForm(SiteForm):
    """A CSRF-checked button."""

    submit = SubmitField("Confirm")


class AcceptForm(SiteForm):
    submit = SubmitField("Accept this student")


class DeclineForm(SiteForm):
    reason = _reason(
        "Reason (optional)", "Seen by the coordinators only, to find a better match next time.", 3
    )
    submit = SubmitField("Decline")


class MetForm(SiteForm):
    met_on = DateField(
        "When did you meet?",
        validators=[InputRequired(message="Give the date of your first meeting.")],
        default=lambda: timezones.to_local(clock.now(), timezones.viewer_zone()).date(),
    )
    submit = SubmitField("We met")


class WithdrawForm(SiteForm):
    reason = _reason("Why (optional)", "Shown in the introduction's history.", 2)
    submit = SubmitField("Withdraw")


def _rating(question: str, *labels: str) -> RadioField:
    """A rating from 5 down to 1, each with its word."""
    return RadioField(
        question,
        choices=[SelectChoice(str(5 - k), f"{5 - k} — {label}") for k, label in enumerate(labels)],
        coerce=int,
        validators=[InputRequired(message="Choose a rating from 1 to 5.")],
    )


class FeedbackForm(OnceForm):
    """The closing rating, at the end of the cycle."""

    rating = _rating("How was the mentorship?", "excellent", "good", "fair", "poor", "did not work")
    comment = text_area("Comment", 2000, filters=[strip], render_kw={"rows": 4})
    submit = SubmitField("Send")


class EarlyFeedbackForm(OnceForm):
    """The short early rating, after the first meeting."""

    rating = _rating(
        "How did the first meeting go?",
        "very well",
        "well",
        "all right",
        "not so well",
        "badly",
    )
    comment = text_area(
        "Anything the coordinators should know? (optional)",
        500,
        filters=[strip],
        render_kw={"rows": 2},
    )
    submit = SubmitField("Send")


def _days(label: str, low: int, high: int, description: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[
            InputRequired(message=f"Give a number of days from {low} to {high}."),
            NumberRange(low, high, message=f"Give a number of days from {low} to {high}."),
        ],
        description=description,
    )


MOST_REQUESTS = 10
"""The most open requests a group may let one student have."""


class SettingsForm(SiteForm):
    response_days = _days(
        "Days a mentor has to answer",
        1,
        30,
        "After this many days without an answer, one reminder; after as many again, the "
        "request expires.",
    )
    rematch_policy = RadioField(
        "When a mentor declines or does not answer",
        choices=[SelectChoice(p.value, p.label) for p in RematchPolicy],
    )
    checkin_days = _days(
        "Days after acceptance to ask the student whether they met",
        1,
        60,
        "An accepted introduction with no meeting after twice this many days shows as stalled.",
    )
    cycle_days = _days(
        "Length of a mentorship cycle (days from acceptance)",
        14,
        730,
        "At the end, the introduction is completed and both sides are asked for a rating.",
    )
    requests_open = BooleanField(
        "Students may ask mentors directly between rounds",
        description=(
            "From the mentor directory, for an empty seat of their board, with a short note; the "
            "mentor answers as for a round's introduction. Turning this off stops new requests "
            "(during a round, say); open ones run their course."
        ),
    )
    requests_per_student = WholeNumberField(
        "Most open requests per student",
        validators=[
            InputRequired(message=f"Give a number from 1 to {MOST_REQUESTS}."),
            NumberRange(1, MOST_REQUESTS, message=f"Give a number from 1 to {MOST_REQUESTS}."),
        ],
        description="Requests waiting for a mentor's answer that one student may have at once.",
    )
    submit = SubmitField("Save settings")


class TemplateForm(SiteForm):
    subject = line_field("Subject", GroupEmailTemplate.subject, required=True)
    body = text_area("Text", 10000, required=True, render_kw={"rows": 18})
    preview = SubmitField("Preview")
    submit = SubmitField("Save")


class OfferForm(OnceForm):
    mentor = SelectField("Mentor", coerce=int, validators=[InputRequired()])
    submit = SubmitField("Offer")


class FilterForm(QueryForm):
    """The coordinator's filters (GET, no CSRF); a refused filter is ignored with a message."""

    q = search_box("Search a name")
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(s.value, s.value.capitalize()) for s in IntroStatus],
        validators=[Optional()],
    )
    slot = SelectField(
        "Mentor kind",
        choices=[SelectChoice("", "Any kind"), *WantedMentor.choices()],
        validators=[Optional()],
    )
    origin = SelectField(
        "Made by",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("round", "A round"),
            SelectChoice("request", "A student's request"),
            SelectChoice("other", "A re-match or an offer"),
        ],
        validators=[Optional()],
    )
    attention = SelectField(
        "Needs attention",
        choices=[
            SelectChoice("", "All"),
            SelectChoice("stalled", "Stalled (accepted, no meeting)"),
            SelectChoice("rematch", "Waiting for another mentor"),
        ],
        validators=[Optional()],
    )

    def value(self, name: str) -> str:
        """The filter's chosen value; "" when left empty (or blank) or not one of its choices."""
        f = self[name]
        return "" if f.errors or not f.data else f.data.strip()

    def query_args(self) -> dict[str, str]:
        """The applied filters as query-string arguments, for the pager."""
        return {
            name: self.value(name)
            for name in ("q", "status", "slot", "origin", "attention")
            if self.value(name)
        }
