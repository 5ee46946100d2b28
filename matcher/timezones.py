"""Time zones: which names are valid, converting between UTC and a person's local time, and the
Jinja filters that show every date and time in the viewer's (or an email's recipient's) zone.

Times are stored as UTC. A page shows them in the logged-in viewer's zone, named
(``14 Mar 2026, 09:00 EDT (America/New_York)``); a visitor who is not logged in sees UTC. An
email template renders with ``zone`` in its context (the recipient's), which the filters use
ahead of the viewer's.
"""

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask, has_request_context
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

from matcher import clock

DEFAULT_ZONE = "UTC"
ZONE_MAX = 64
"""The length of ``User.time_zone``."""

DAY_FORMAT = "%d %b %Y"
TIME_FORMAT = "%d %b %Y, %H:%M"
FORMATS = {
    "long": "%A {day} %B %Y, %H:%M",
    "long_day": "%A {day} %B %Y",
    "short": "%d %b %H:%M",
    "seconds": "%d %b %Y %H:%M:%S",
}
"""Named formats a template may ask for (``{{ moment|when("long") }}``); ``{day}`` is the day
of the month without a leading zero."""


def _strftime(moment: datetime | date, fmt: str) -> str:
    fmt = FORMATS.get(fmt, fmt)
    return moment.strftime(fmt.replace("{day}", str(moment.day)))


class InvalidZoneError(ValueError):
    """A name that is not an IANA time zone this machine knows."""


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone a person can choose, sorted ("UTC" among them); the legacy aliases
    ("US/Eastern", "EST5EDT", "posixrules") are left out of the list, though still accepted."""
    names = {
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix", "right/"))
    }
    return tuple(sorted(names | {DEFAULT_ZONE}))


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones()) | {DEFAULT_ZONE}


def valid_zone(name: object) -> bool:
    """Whether ``name`` is an IANA time zone name known to zoneinfo (``tzdata``)."""
    return isinstance(name, str) and 0 < len(name) <= ZONE_MAX and name in _known()


def checked_zone(name: object) -> str:
    """``name`` if valid, else :class:`InvalidZoneError` with a message a person can act on."""
    if not valid_zone(name):
        shown = str(name)[:ZONE_MAX]
        raise InvalidZoneError(
            f"“{shown}” is not a time zone we know. Choose one from the list, "
            "such as Europe/London or America/New_York."
        )
    return name


def zone_or_default(name: object, default: str = DEFAULT_ZONE) -> str:
    """``name`` if valid, else ``default`` (a stored zone later dropped from tzdata still
    shows times)."""
    return name if valid_zone(name) else default


def _tz(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone_or_default(zone))
    except ZoneInfoNotFoundError:
        return ZoneInfo(DEFAULT_ZONE)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_local(dt_utc: datetime, zone: str) -> datetime:
    """The aware local time in ``zone`` of a UTC moment (naive means UTC, as stored)."""
    return _as_utc(dt_utc).astimezone(_tz(zone))


def from_local(naive_local: datetime, zone: str) -> datetime:
    """The UTC moment (aware, as the database's columns take it) of a wall-clock time in
    ``zone``. A time the clocks skip (02:30 as spring begins in New York) is read with the
    offset before the change, so it lands an hour later; a time that happens twice (01:30 as
    autumn begins) is the first of the two."""
    local = naive_local.replace(tzinfo=_tz(zone), fold=0)
    return local.astimezone(UTC)


def _offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_abbreviation(zone: str, at: datetime | None = None) -> str:
    """The short name of ``zone`` at the moment ``at`` (UTC; default now): "EST", "BST", or
    "GMT+3" where tzdata has only a number."""
    zone = zone_or_default(zone)
    if zone == DEFAULT_ZONE:
        return "UTC"
    local = to_local(at if at is not None else clock.now(), zone)
    name = local.tzname() or ""
    if not name or name[0] in "+-" or name[0].isdigit():
        return _offset_name(local.utcoffset() or timedelta())
    return name


def zone_label(zone: str, at: datetime | None = None) -> str:
    """The name a page shows beside a time in ``zone``: the abbreviation at ``at`` with the
    IANA name ("EDT (America/New_York)"), or just "UTC"."""
    zone = zone_or_default(zone)
    abbreviation = zone_abbreviation(zone, at)
    return abbreviation if zone == DEFAULT_ZONE else f"{abbreviation} ({zone})"


def viewer_zone() -> str:
    """The zone of the logged-in person viewing the page, else UTC."""
    if has_request_context() and current_user.is_authenticated:
        return zone_or_default(getattr(current_user, "time_zone", None))
    return DEFAULT_ZONE


def format_when(moment: datetime | None, zone: str, fmt: str = TIME_FORMAT) -> str:
    """``moment`` (UTC) as local time in ``zone`` with the zone's name, or "" for none."""
    if moment is None:
        return ""
    local = to_local(moment, zone)
    return f"{_strftime(local, fmt)} {zone_label(zone, moment)}"


def format_day(moment: datetime | date | None, zone: str, fmt: str = DAY_FORMAT) -> str:
    """The local calendar day in ``zone`` of a UTC moment; a plain date is shown as it is."""
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return _strftime(moment, fmt)
    return _strftime(to_local(moment, zone), fmt)


def _context_zone(context: Context, zone: str | None) -> str:
    if zone:
        return zone_or_default(zone)
    if context.get("zone"):
        return zone_or_default(context.get("zone"))
    return viewer_zone()


@pass_context
def when_filter(
    context: Context, moment: datetime | None, fmt: str = TIME_FORMAT, zone: str | None = None
) -> str:
    """``{{ moment|when }}``: a time in the viewer's zone (an email's ``zone``), named."""
    return format_when(moment, _context_zone(context, zone), fmt)


@pass_context
def day_filter(
    context: Context, moment: datetime | date | None, fmt: str = DAY_FORMAT, zone: str | None = None
) -> str:
    """``{{ moment|day }}``: the calendar day in the viewer's zone (an email's ``zone``)."""
    return format_day(moment, _context_zone(context, zone), fmt)


@pass_context
def iso_filter(context: Context, moment: datetime | None, zone: str | None = None) -> str:
    """``{{ moment|iso }}``: the local time with its offset, for ``<time datetime=...>``."""
    if moment is None:
        return ""
    return to_local(moment, _context_zone(context, zone)).isoformat(timespec="minutes")


@pass_context
def zone_label_filter(context: Context, moment: datetime | None = None) -> str:
    """``{{ moment|zone_name }}``: the name of the zone times on this page are shown in."""
    return zone_label(_context_zone(context, None), moment)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=when_filter, day=day_filter, iso=iso_filter, zone_name=zone_label_filter
    )
    app.jinja_env.globals.update(viewer_zone=viewer_zone)
