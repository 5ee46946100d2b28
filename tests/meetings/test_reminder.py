"""The reminder the day before a meeting: sent by the introductions tick to both, once, in each
one's zone; a moved meeting is reminded again before its new time; a cancelled one never."""

from tests.helpers import outbox, post_form
from tests.helpers.meetings import Pair


def reminders(pair: Pair, address: str):
    return [m for m in outbox(pair.app, address) if m.subject.startswith("Reminder: meeting")]


def test_the_reminder_goes_to_both_once_the_day_before(pair: Pair, frozen_clock):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    assert pair.world.tick().meetings_reminded == 0
    frozen_clock.advance(hours=28, minutes=59)
    assert pair.world.tick().meetings_reminded == 0
    frozen_clock.advance(minutes=2)
    assert pair.world.tick().meetings_reminded == 1
    assert pair.world.tick().meetings_reminded == 0
    frozen_clock.advance(hours=12)
    assert pair.world.tick().meetings_reminded == 0
    [student] = reminders(pair, "sam@example.edu")
    [mentor] = reminders(pair, "mina@example.org")
    assert "03 Sep 2026, 15:00 BST (Europe/London), for 45 minutes" in student.body_text
    assert "03 Sep 2026, 10:00 EDT (America/New_York), for 45 minutes" in mentor.body_text
    assert "Meeting reminder sent to both" in pair.student.get(pair.page).get_data(as_text=True)


def test_a_moved_meeting_is_reminded_again_and_a_cancelled_one_not(pair: Pair, frozen_clock):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    frozen_clock.advance(hours=30)
    assert pair.world.tick().meetings_reminded == 1
    pair.post(pair.mentor, "move", {"day": "2026-09-10", "at": "10:00", "minutes": "45"})
    assert pair.world.tick().meetings_reminded == 0
    frozen_clock.advance(days=7)
    assert pair.world.tick().meetings_reminded == 1
    assert len(reminders(pair, "sam@example.edu")) == 2
    pair.post(pair.student, "cancel")
    assert pair.world.tick().meetings_reminded == 0


def test_a_cancelled_meeting_gets_no_reminder(pair: Pair, frozen_clock):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    pair.post(pair.student, "cancel")
    frozen_clock.advance(hours=30)
    assert pair.world.tick().meetings_reminded == 0
    assert reminders(pair, "sam@example.edu") == []


def test_a_withdrawn_introductions_meeting_is_called_off_and_never_reminded(
    pair: Pair, frozen_clock
):
    pair.propose(("2026-09-03", "10:00", 45), ("2026-09-04", "16:30", 30))
    pair.pick(0)
    assert post_form(pair.student, f"{pair.page}/withdraw", {}, page=pair.page).status_code == 302
    frozen_clock.advance(hours=30)
    assert pair.world.tick().meetings_reminded == 0
    page = pair.mentor.get(pair.page).get_data(as_text=True)
    assert "Cancel the meeting" not in page
    assert "Move the meeting" not in page
    assert "METHOD:CANCEL" in outbox(pair.app, "sam@example.edu")[-1].calendar
    assert reminders(pair, "sam@example.edu") == []
