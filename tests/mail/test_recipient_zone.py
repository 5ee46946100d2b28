"""An email states its times in its recipient's zone, named, also when the caller has only a
``Recipient`` (a bulk queue reads ids, addresses and zones, not accounts): one message at a
time and many with one renderer alike; a recipient with no zone reads UTC."""

from datetime import UTC, datetime
from types import SimpleNamespace

from matcher.mail import MailRenderer, Recipient, recipient, render_mail

UNTIL = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
CONTEXT = {
    "user": SimpleNamespace(name="Ken Tanaka"),
    "token": "token",
    "link": SimpleNamespace(words="one hour", until=UNTIL),
}
TOKYO = "(by Tuesday 1 September 2026, 19:00 JST (Asia/Tokyo))"


def test_a_recipient_s_zone_names_the_times_of_its_email(app):
    with app.app_context():
        one = render_mail(
            Recipient(7, "ken@example.org", "Asia/Tokyo"), "auth/reset_password", **CONTEXT
        )
        many = MailRenderer("auth/reset_password")(
            Recipient(7, "ken@example.org", "Asia/Tokyo"), **CONTEXT
        )
        plain = render_mail(Recipient(8, "ana@example.org"), "auth/reset_password", **CONTEXT)
    assert TOKYO in one["body_text"]
    assert TOKYO in many["body_text"]
    assert "(by Tuesday 1 September 2026, 10:00 UTC)" in plain["body_text"]


def test_an_account_becomes_a_recipient_with_its_zone(student):
    student.time_zone = "Asia/Tokyo"
    assert recipient(student) == Recipient(student.id, student.email, "Asia/Tokyo")
    assert recipient("new@example.org") == Recipient(None, "new@example.org")
