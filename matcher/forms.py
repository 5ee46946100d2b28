"""Form fields shared by several blueprints, and the base of forms that create something.

Every text field a form saves is made by ``line_field`` (one line: names, places, subjects) or
``text_area`` (several lines: bios, statements, reasons), so it is never longer than its column
and carries no control characters; every number field is a ``WholeNumberField`` or a
``FiniteDecimalField``, so it is never beyond what the database holds, nor NaN or infinite.
"""

import secrets
from decimal import Decimal

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto
from markupsafe import Markup
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from matcher import timezones
from matcher.text import has_controls
from matcher.urls import WHOLE_NUMBER, whole_number

EXPIRED_FORM = "This form has expired. Reload the page and send it again."
ONE_LINE = "Write this on one line, without line breaks, tabs or other control characters."
PLAIN_TEXT = "Line breaks are fine here, but not tabs or other control characters."
NOT_A_NUMBER = "Give a whole number, written with the digits 0-9."
NUMBER_TOO_LARGE = "That number is too large."
NOT_FINITE = "Give a number (not NaN or infinity)."


def single_line(form, field) -> None:
    """Refuse line breaks (CR, LF, U+2028, U+2029), tabs and other C0/C1 control characters:
    a name or subject may reach an email header, a CSV cell or a log line."""
    if isinstance(field.data, str) and has_controls(field.data):
        raise ValidationError(ONE_LINE)


def plain_text(form, field) -> None:
    """Refuse control characters other than the line breaks a text area sends (CR, LF)."""
    if isinstance(field.data, str) and has_controls(field.data, frozenset("\r\n")):
        raise ValidationError(PLAIN_TEXT)


def column_length(column) -> int:
    """The length of a ``String(N)`` model column."""
    length = getattr(column.type, "length", None)
    if not length:
        raise TypeError(f"{column} has no length")
    return length


def line_field(label: str, column, *, required: bool = False, **kwargs) -> StringField:
    """A one-line text field saved to ``column``: stripped, at most the column's length, no
    control characters."""
    return StringField(
        label,
        validators=[
            InputRequired() if required else Optional(),
            Length(max=column_length(column)),
            single_line,
        ],
        filters=[strip],
        **kwargs,
    )


def pick_many(label: str, **kwargs) -> SelectMultipleField:
    """A list box of ids from which several may be chosen."""
    return SelectMultipleField(
        label,
        coerce=int,
        description="Hold Ctrl (Cmd on a Mac) to choose several.",
        render_kw={"size": 8},
        **kwargs,
    )


def text_area(label: str, max_length: int, *, required: bool = False, **kwargs) -> TextAreaField:
    """A several-line text field of at most ``max_length`` characters, no control characters
    but line breaks."""
    return TextAreaField(
        label,
        validators=[
            InputRequired() if required else Optional(),
            Length(max=max_length),
            plain_text,
        ],
        **kwargs,
    )


def known_zone(form, field) -> None:
    """Refuse a name that is not an IANA time zone, saying what to do instead. A form sent
    without the field at all keeps the field's default (UTC)."""
    if not field.raw_data:
        return
    if not field.data:
        raise ValidationError("Choose a time zone.")
    try:
        timezones.checked_zone(field.data)
    except timezones.InvalidZoneError as exc:
        raise ValidationError(str(exc)) from None


class TimeZoneField(SelectField):
    """A select of time zones. With ``browser_zone`` the site's script starts it at the
    browser's zone, unless the form came back with a choice already made (marked
    ``data-chosen``)."""

    def __init__(self, *args, browser_zone: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.browser_zone = browser_zone

    def __call__(self, **kwargs) -> str:
        if self.browser_zone:
            kwargs["data-browser-zone"] = ""
            if self.raw_data:
                kwargs["data-chosen"] = ""
        return super().__call__(**kwargs)


def time_zone_field(label: str = "Time zone", **kwargs) -> TimeZoneField:
    """A choice of IANA time zone ("Europe/London"), at most ``User.time_zone``'s length;
    ``browser_zone=True`` starts it at the browser's zone where script runs (else UTC)."""
    return TimeZoneField(
        label,
        choices=[SelectChoice(name, name.replace("_", " ")) for name in timezones.zone_names()],
        default=timezones.DEFAULT_ZONE,
        validate_choice=False,
        validators=[Length(max=timezones.ZONE_MAX), known_zone],
        **kwargs,
    )


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed as wall-clock time in a person's zone (``in_zone``, which also
    names the zone in the label), read back as an aware UTC moment (``utc``)."""

    zone = timezones.DEFAULT_ZONE
    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
    """Shown as the first (what ``datetime-local`` inputs take); any of them is read."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("format", list(self.FORMATS))
        super().__init__(*args, **kwargs)

    def in_zone(self, zone: str) -> None:
        self.zone = timezones.zone_or_default(zone)
        self.label.text = f"{self.label.text} ({timezones.zone_label(self.zone)})"

    @property
    def utc(self):
        """The moment typed, aware UTC (``None`` when empty)."""
        return None if self.data is None else timezones.from_local(self.data, self.zone)

    def show(self, moment) -> None:
        """Fill the field with ``moment`` (UTC) as wall-clock time in the field's zone."""
        self.data = (
            None if moment is None else timezones.to_local(moment, self.zone).replace(tzinfo=None)
        )


class WholeNumberField(IntegerField):
    """An integer field that reads ASCII digits only and refuses a number beyond what an
    ``Integer`` column holds (see ``matcher.urls``) as a field error, never a server error."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        raw = valuelist[0]
        self.data = whole_number(raw)
        if self.data is None:
            written = isinstance(raw, str) and WHOLE_NUMBER.fullmatch(raw.strip())
            raise ValueError(NUMBER_TOO_LARGE if written else NOT_A_NUMBER)


class FiniteDecimalField(DecimalField):
    """A decimal field that refuses NaN, sNaN and infinity as a field error."""

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(NOT_FINITE)


class OptionCheckbox(CheckboxInput):
    """The checkbox of one choice, written out directly when nothing but the choice shapes it:
    the same markup as WTForms' ``CheckboxInput``, which a profile page with a few hundred focus
    areas spent much of its time on (``html_params`` and a scan of every flag per box)."""

    def __call__(self, field, **kwargs) -> Markup:
        if kwargs or field.flags.required or field.flags.disabled:
            return super().__call__(field, **kwargs)
        checked = " checked" if field.checked else ""
        return Markup('<input%s id="%s" name="%s" type="checkbox" value="%s">') % (
            checked,
            field.id,
            field.name,
            field._value(),
        )


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (rendered as a fieldset by ``_forms.html``)."""

    widget = ListWidget(prefix_label=False)
    option_widget = OptionCheckbox()


def new_once_token() -> str:
    return secrets.token_urlsafe(24)


class SiteForm(FlaskForm):
    """The base of every form. A submitted form reads the posted form fields only, and an
    uploaded file only in a file field: a file or a JSON body sent in place of text would
    otherwise reach validators that expect a string."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is not _Auto:
                return formdata
            if not form.is_submitted():
                return None
            uploads = {field.name for field in form if isinstance(field, FileField)}
            files = MultiDict(
                (name, file) for name, file in request.files.items(multi=True) if name in uploads
            )
            if files:
                return CombinedMultiDict((files, request.form))
            return request.form or None


class QueryForm(SiteForm):
    """A form of filters read from the query string: it changes nothing, so it carries no
    CSRF token."""

    class Meta:
        csrf = False


def search_box(label: str, max_length: int = 120, **kwargs) -> StringField:
    """An optional search field of at most ``max_length`` characters."""
    return StringField(label, validators=[Optional(), Length(max=max_length)], **kwargs)


class OnceForm(SiteForm):
    """A form that makes something: it carries a one-time token, issued with the form and
    claimed by ``matcher.submissions.claim`` in the transaction that acts on it, so sending
    it twice (a double click, a resent request) acts once."""

    once_token = HiddenField(
        default=new_once_token, validators=[InputRequired(), Length(min=16, max=64)]
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.once_token.errors and EXPIRED_FORM not in self.form_errors:
            self.form_errors.append(EXPIRED_FORM)
        return valid


def optional_int(value) -> int | None:
    """Coerce a select's value to an int, with the empty choice as ``None``."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    number = whole_number(value)
    if number is None:
        raise ValueError(NOT_A_NUMBER)
    return number


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value
