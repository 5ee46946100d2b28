"""The reminder of a student's request reads like the request itself: the student's note, and
that the student asked (not a round); a group's own wording of it is used; reminded together
with a round's proposal, the listing still carries the note."""

from matcher.extensions import db
from matcher.introductions import emails
from matcher.models import InterestGroup, User
from tests.helpers import outbox
from tests.helpers.requests import Asking

NOTE = "Your melanoma research is why I chose dermatology."


def reminder_to(asking: Asking, mentor: User):
    """The email after the requests' first ones: the reminder."""
    return outbox(asking.app, mentor.email)[-1]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_reminder_of_a_request_carries_the_student_s_note(asking: Asking, frozen_clock):
    mina = asking.mentor
    asking.ask(mina, note=NOTE)
    frozen_clock.advance(days=7, minutes=1)
    assert asking.tick().reminded == 1

    reminder = reminder_to(asking, mina)
    assert reminder.subject == (
        "Reminder: Sam Student asked you to be their Faculty mentor (Derm Interest Group)"
    )
    body = flat(reminder.body_text)
    assert NOTE in body
    assert "This is the student's own request, not a proposal from a matching round." in body
    assert "the request expires and Sam Student can ask another mentor" in body
    assert "/introductions/answer/" in body
    assert "{" not in body


def test_a_group_s_own_wording_of_the_request_reminder_is_used(asking: Asking, frozen_clock):
    with asking.app.app_context():
        emails.save_template(
            db.session.get(InterestGroup, asking.group_id),
            "request_reminder",
            "Still there, {recipient_name}?",
            "{student_name} wrote: {request_note}\nYes: {accept_link}\nBy {respond_by}",
        )
        db.session.commit()
    asking.ask(asking.mentor, note=NOTE)
    frozen_clock.advance(days=7, minutes=1)
    asking.tick()

    reminder = reminder_to(asking, asking.mentor)
    assert reminder.subject == "Still there, Dr. Mina Mentor?"
    assert f"Sam Student wrote: {NOTE}" in reminder.body_text


def test_a_request_reminded_with_a_round_s_proposal_keeps_its_note(asking: Asking, frozen_clock):
    mina = asking.mentor
    tess = asking.students[1]
    asking.ask(mina, note=NOTE)
    asking.propose((tess, mina))
    frozen_clock.advance(days=7, minutes=1)
    assert asking.tick().reminded == 2

    body = flat(reminder_to(asking, mina).body_text)
    assert body.count("Please answer by") == 2
    assert f"They asked you themselves, with this note: {NOTE}" in body
    assert body.count("They asked you themselves") == 1
