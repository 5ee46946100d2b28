"""The iCalendar (RFC 5545) invitation of a meeting, made with the ``icalendar`` library.

One VEVENT per meeting, with the meeting's stable UID and its SEQUENCE (raised by every change
sent to calendars); METHOD:REQUEST for an invitation or an update, METHOD:CANCEL (and
STATUS:CANCELLED) once it is called off. DTSTART and DTEND carry the TZID of the zone the
invitation is written for, with that zone's VTIMEZONE, so each person's calendar shows the
meeting at the same instant in their own local time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT = "-//matcher//Mentorship meetings//EN"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Invitation:
    """What the .ics says: every value already decided by the meetings service."""

    uid: str
    sequence: int
    method: str
    starts_at: datetime
    minutes: int
    zone: str
    organizer_address: str
    mentor: Person
    student: Person
    summary: str
    description: str
    place: str = ""
    video_url: str = ""
    stamp: datetime | None = None


def _address(person: Person, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    if role:
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("ACCEPTED")
        address.params["RSVP"] = vText("FALSE")
    return address


def sender_address(sender: str) -> str:
    """The plain address of a ``From`` setting such as ``matcher <no-reply@example.org>``."""
    return parseaddr(sender)[1] or sender


def build(invitation: Invitation) -> str:
    """The invitation as iCalendar text (CRLF line ends, folded as RFC 5545 asks)."""
    zone = ZoneInfo(invitation.zone)
    start = invitation.starts_at.astimezone(zone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invitation.method)
    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", invitation.stamp or datetime.now(ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=invitation.minutes))
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    organizer = vCalAddress(f"mailto:{sender_address(invitation.organizer_address)}")
    organizer.params["CN"] = vText(invitation.mentor.name)
    event.add("organizer", organizer)
    event.add("attendee", _address(invitation.mentor, "CHAIR"))
    event.add("attendee", _address(invitation.student, "REQ-PARTICIPANT"))
    location = invitation.place or invitation.video_url
    if location:
        event.add("location", location)
    if invitation.video_url:
        event.add("url", invitation.video_url)
    cancelled = invitation.method == CANCEL
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=start.date() - timedelta(days=366), last_date=start.date() + timedelta(days=732)
    )
    return calendar.to_ical().decode("utf-8")
