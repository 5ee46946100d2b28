"""Meeting forms: the mentor's proposal (two or three times, or a booking link), the student's
choice, a booked or moved time, and the buttons that cancel or record a meeting."""

from urllib.parse import urlsplit

from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from matcher.forms import (
    OnceForm,
    SiteForm,
    column_length,
    line_field,
    single_line,
    strip,
    text_area,
)
from matcher.meetings.services import LENGTHS, MAX_OPTIONS, Slot
from matcher.models import Meeting

NOT_A_WEB_ADDRESS = "Give a web address that starts with https:// (or http://)."


def _length_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minutes"
    return f"{hours} hour{'s' if hours > 1 else ''}" + (f" {rest} minutes" if rest else "")


LENGTH_CHOICES = [SelectChoice(minutes, _length_label(minutes)) for minutes in LENGTHS]


def web_address(form, field) -> None:
    """Refuse anything but an http or https address with a host."""
    if not field.data:
        return
    try:
        parts = urlsplit(field.data)
    except ValueError as exc:
        raise ValidationError(NOT_A_WEB_ADDRESS) from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in field.data:
        raise ValidationError(NOT_A_WEB_ADDRESS)


def url_field(label: str, column, **kwargs) -> StringField:
    """An optional web address saved to ``column``: http or https, one line, within its length."""
    return StringField(
        label,
        validators=[Optional(), Length(max=column_length(column)), single_line, web_address],
        filters=[strip],
        render_kw={"inputmode": "url", "autocomplete": "url"},
        **kwargs,
    )


def _length(label: str = "Length") -> SelectField:
    return SelectField(label, choices=LENGTH_CHOICES, coerce=int, default=30)


class ProposeMeetingForm(OnceForm):
    """Two or three times for the student to choose from, or a booking link instead."""

    day_1 = DateField("Date", validators=[Optional()])
    time_1 = TimeField("Time", validators=[Optional()])
    minutes_1 = _length()
    day_2 = DateField("Date", validators=[Optional()])
    time_2 = TimeField("Time", validators=[Optional()])
    minutes_2 = _length()
    day_3 = DateField("Date", validators=[Optional()])
    time_3 = TimeField("Time", validators=[Optional()])
    minutes_3 = _length()
    booking_url = url_field(
        "Booking link",
        Meeting.booking_url,
        description="Instead of times: a page where the student books a time with you "
        "(Calendly, Microsoft Bookings, a Google Calendar booking page).",
    )
    place = line_field(
        "Place", Meeting.place, description="A room, a café or a phone number (optional)."
    )
    video_url = url_field("Video link", Meeting.video_url, description="Optional.")
    note = text_area(
        "Note for the student",
        2000,
        filters=[strip],
        description="Optional: what to bring, an agenda.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Send to the student")

    def times(self) -> list[tuple]:
        return [
            (getattr(self, f"day_{n}"), getattr(self, f"time_{n}"), getattr(self, f"minutes_{n}"))
            for n in range(1, MAX_OPTIONS + 1)
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for day, at, _ in self.times():
            if bool(day.data) != bool(at.data) and not (day.errors or at.errors):
                (at if day.data else day).errors.append(
                    "Give both a date and a time, or leave both empty."
                )
                valid = False
        return valid

    def slots(self) -> list[Slot]:
        return [
            Slot(day.data, at.data, minutes.data)
            for day, at, minutes in self.times()
            if day.data and at.data
        ]


class PickForm(SiteForm):
    """The student's choice among the offered times (its choices are the meeting's options)."""

    option = RadioField(
        "Choose a time",
        coerce=int,
        validators=[InputRequired(message="Choose one of the times.")],
    )
    submit = SubmitField("Choose this time")


class MeetingTimeForm(SiteForm):
    """A time in the sender's own zone: the one booked, or the one a meeting moves to."""

    day = DateField("Date", validators=[InputRequired(message="Give the date.")])
    at = TimeField("Time", validators=[InputRequired(message="Give the time.")])
    minutes = _length()
    submit = SubmitField("Save the time")

    def slot(self) -> Slot:
        return Slot(self.day.data, self.at.data, self.minutes.data)


class CancelMeetingForm(SiteForm):
    submit = SubmitField("Cancel the meeting")


class HeldForm(SiteForm):
    submit = SubmitField("We met")
