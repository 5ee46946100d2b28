"""The invitations parsed back with icalendar: the same instant for both, each in their own
zone with its VTIMEZONE; one UID across changes, a higher SEQUENCE with each, CANCEL at the end;
and the ``.ics`` download for the pair and the group's coordinators."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.helpers import logged_in
from tests.helpers.meetings import (
    MENTOR_ZONE,
    STUDENT_ZONE,
    Pair,
    calendars,
    event_of,
    start_of,
)

STUDENT, MENTOR = "sam@example.edu", "mina@example.org"


def picked(pair: Pair) -> None:
    pair.propose(
        ("2026-09-03", "10:00", 45),
        ("2026-09-04", "16:30", 30),
        place="Room 4, Clinic B",
        note="Bring your CV.",
    )
    pair.pick(0)


def test_both_invitations_hold_the_same_instant_in_each_persons_zone(pair: Pair):
    picked(pair)
    [student_cal] = calendars(pair.app, STUDENT)
    [mentor_cal] = calendars(pair.app, MENTOR)
    instant = datetime(2026, 9, 3, 14, 0, tzinfo=UTC)
    for cal, zone, wall in ((student_cal, STUDENT_ZONE, 15), (mentor_cal, MENTOR_ZONE, 10)):
        assert cal["method"] == "REQUEST"
        event = event_of(cal)
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert start == instant
        assert end - start == timedelta(minutes=45)
        assert event["dtstart"].params["TZID"] == zone
        assert (start.hour, start.minute) == (wall, 0)
        assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == [zone]
        assert start.utcoffset() == instant.astimezone(ZoneInfo(zone)).utcoffset()
        assert event["sequence"] == 0
        assert event["location"] == "Room 4, Clinic B"
        assert event["summary"] == "Mentorship meeting: Sam Student and Dr. Mina Mentor"
        assert "Bring your CV." in event["description"]
        assert f"/introductions/{pair.intro_id}" in event["description"]
        assert event["status"] == "CONFIRMED"
    assert event_of(student_cal)["uid"] == event_of(mentor_cal)["uid"]


def test_the_organizer_is_the_sites_address_named_for_the_mentor_and_both_attend(pair: Pair):
    picked(pair)
    event = event_of(calendars(pair.app, STUDENT)[0])
    organizer = event["organizer"]
    assert str(organizer) == "mailto:no-reply@localhost"
    assert organizer.params["CN"] == "Dr. Mina Mentor"
    attendees = {str(a): a.params["CN"] for a in event["attendee"]}
    assert attendees == {f"mailto:{MENTOR}": "Dr. Mina Mentor", f"mailto:{STUDENT}": "Sam Student"}


def test_a_move_keeps_the_uid_and_raises_the_sequence_and_a_cancel_ends_it(pair: Pair):
    picked(pair)
    pair.post(pair.mentor, "move", {"day": "2026-09-05", "at": "11:00", "minutes": "60"})
    pair.post(pair.student, "cancel")
    for address in (STUDENT, MENTOR):
        first, moved, cancelled = calendars(pair.app, address)
        uids = {str(event_of(c)["uid"]) for c in (first, moved, cancelled)}
        assert len(uids) == 1
        assert [event_of(c)["sequence"] for c in (first, moved, cancelled)] == [0, 1, 2]
        assert [str(c["method"]) for c in (first, moved, cancelled)] == [
            "REQUEST",
            "REQUEST",
            "CANCEL",
        ]
        assert start_of(moved) == datetime(2026, 9, 5, 15, 0, tzinfo=UTC)
        assert event_of(moved)["dtend"].dt - start_of(moved) == timedelta(hours=1)
        assert event_of(cancelled)["status"] == "CANCELLED"
        assert start_of(cancelled) == start_of(moved)


def test_a_video_link_goes_in_the_url_and_the_location(pair: Pair):
    pair.propose(
        ("2026-09-03", "10:00", 30),
        ("2026-09-04", "10:00", 30),
        video_url="https://meet.example.org/abc-defg",
    )
    pair.pick(1)
    event = event_of(calendars(pair.app, MENTOR)[0])
    assert str(event["url"]) == "https://meet.example.org/abc-defg"
    assert event["location"] == "https://meet.example.org/abc-defg"


def test_the_download_is_for_the_pair_and_the_coordinators_each_in_their_zone(pair: Pair):
    picked(pair)
    path = f"/meetings/{pair.meeting().id}/invite.ics"
    world = pair.world
    seen = {}
    for name, client in (
        ("student", pair.student),
        ("mentor", pair.mentor),
        ("coordinator", logged_in(pair.app, world.coordinator)),
    ):
        response = client.get(path)
        assert response.status_code == 200, name
        assert response.mimetype == "text/calendar"
        assert "attachment" in response.headers["Content-Disposition"]
        cal = Calendar.from_ical(response.get_data())
        seen[name] = event_of(cal)
    assert {str(e["uid"]) for e in seen.values()} == {str(seen["student"]["uid"])}
    assert seen["student"]["dtstart"].params["TZID"] == STUDENT_ZONE
    assert seen["mentor"]["dtstart"].params["TZID"] == MENTOR_ZONE
    assert {e.decoded("dtstart") for e in seen.values()} == {datetime(2026, 9, 3, 14, tzinfo=UTC)}
    for outsider in (world.students[1], world.mentors[1]):
        assert logged_in(pair.app, outsider).get(path).status_code == 404
