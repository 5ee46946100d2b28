"""The request form: the seat of the student's board, and a short note to the mentor."""

from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

from matcher.forms import OnceForm, SiteForm, column_length, strip, text_area
from matcher.models import Introduction


class RequestForm(OnceForm):
    """The seat is checked by the request's rules, which say why a seat cannot be asked for
    (filled, asked already, not one the mentor can fill), not only that it is not listed."""

    seat = SelectField(
        "Seat on your board",
        validators=[InputRequired(message="Choose the seat you are asking for.")],
        validate_choice=False,
    )
    note = text_area(
        "A short note to the mentor",
        column_length(Introduction.request_note),
        required=True,
        filters=[strip],
        render_kw={"rows": 5},
        description=(
            "Why you are asking them in particular and what you hope for; the mentor reads it "
            "with your profile."
        ),
    )
    submit = SubmitField("Send the request")


class WithdrawRequestForm(SiteForm):
    """A CSRF-checked button withdrawing one open request."""

    submit = SubmitField("Withdraw the request")
