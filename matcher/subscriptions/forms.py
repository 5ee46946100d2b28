"""Mail preference forms: the settings page's form and the unsubscribe link's confirmation."""

from wtforms import BooleanField, RadioField, SelectChoice, SubmitField
from wtforms.validators import InputRequired

from matcher.forms import SiteForm
from matcher.models import Delivery


class MailSettingsForm(SiteForm):
    delivery = RadioField(
        "Non-urgent email",
        choices=[SelectChoice(choice.value, choice.label) for choice in Delivery],
        validators=[InputRequired(message="Choose how non-urgent email reaches you.")],
        description="Check-ins, thank-you nudges, rating requests, round summaries and news of "
        "introductions that ended. Requests that need your answer, introductions and account "
        "emails always come at once.",
    )
    subscribed = BooleanField(
        "Send me non-urgent email",
        description="Untick to unsubscribe: you then get only the emails that need you.",
    )
    submit = SubmitField("Save mail settings")


class UnsubscribeForm(SiteForm):
    """The confirmation button of an unsubscribe link; the link's signed token is its only
    credential (a mail client's one-click POST carries no session and no CSRF token)."""

    class Meta(SiteForm.Meta):
        csrf = False

    submit = SubmitField("Unsubscribe")
