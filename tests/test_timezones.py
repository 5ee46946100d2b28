"""The time zone helpers: valid names, UTC to local and back across daylight-saving changes in
New York and London, the names shown beside times, and the filters pages and emails use."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template_string

from matcher import timezones
from matcher.timezones import (
    InvalidZoneError,
    checked_zone,
    format_day,
    format_when,
    from_local,
    to_local,
    valid_zone,
    zone_label,
    zone_names,
)

NEW_YORK = "America/New_York"
LONDON = "Europe/London"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_valid_names_are_the_iana_zones():
    for name in ("UTC", NEW_YORK, LONDON, "Asia/Kolkata", "Australia/Lord_Howe"):
        assert valid_zone(name), name
    for name in ("", "Mars/Olympus_Mons", "america/new_york", "EST ", "X" * 65, None, 5):
        assert not valid_zone(name), name


def test_an_invalid_name_is_refused_with_a_clear_message():
    with pytest.raises(InvalidZoneError, match="“Mars/Base” is not a time zone we know"):
        checked_zone("Mars/Base")
    with pytest.raises(InvalidZoneError, match="such as Europe/London or America/New_York"):
        checked_zone("../../etc/passwd")
    assert checked_zone(LONDON) == LONDON


def test_the_list_people_choose_from():
    names = zone_names()
    assert list(names) == sorted(names)
    assert {"UTC", NEW_YORK, LONDON, "Asia/Tokyo"} <= set(names)
    assert not any(n.startswith(("US/", "Etc/", "posix", "right/")) for n in names)
    assert all(valid_zone(n) and len(n) <= timezones.ZONE_MAX for n in names)


def test_new_york_spring_forward():
    assert to_local(utc(2026, 3, 8, 6, 59), NEW_YORK).strftime("%H:%M %Z") == "01:59 EST"
    assert to_local(utc(2026, 3, 8, 7, 0), NEW_YORK).strftime("%H:%M %Z") == "03:00 EDT"
    assert from_local(datetime(2026, 3, 8, 1, 59), NEW_YORK) == utc(2026, 3, 8, 6, 59)
    assert from_local(datetime(2026, 3, 8, 3, 0), NEW_YORK) == utc(2026, 3, 8, 7, 0)
    # 02:30 never happens that night: read with the offset before the change, an hour on.
    assert from_local(datetime(2026, 3, 8, 2, 30), NEW_YORK) == utc(2026, 3, 8, 7, 30)
    assert to_local(utc(2026, 3, 8, 7, 30), NEW_YORK).strftime("%H:%M") == "03:30"


def test_new_york_fall_back():
    first = from_local(datetime(2026, 11, 1, 1, 30), NEW_YORK)
    assert first == utc(2026, 11, 1, 5, 30)
    assert to_local(first, NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"
    assert to_local(utc(2026, 11, 1, 6, 30), NEW_YORK).strftime("%H:%M %Z") == "01:30 EST"
    assert from_local(datetime(2026, 11, 1, 2, 0), NEW_YORK) == utc(2026, 11, 1, 7, 0)


def test_london_summer_time_edges():
    assert to_local(utc(2026, 3, 29, 0, 59), LONDON).strftime("%H:%M %Z") == "00:59 GMT"
    assert to_local(utc(2026, 3, 29, 1, 0), LONDON).strftime("%H:%M %Z") == "02:00 BST"
    assert from_local(datetime(2026, 3, 29, 1, 30), LONDON) == utc(2026, 3, 29, 1, 30)
    assert from_local(datetime(2026, 10, 25, 1, 30), LONDON) == utc(2026, 10, 25, 0, 30)
    assert to_local(utc(2026, 10, 25, 1, 30), LONDON).strftime("%H:%M %Z") == "01:30 GMT"
    assert from_local(datetime(2026, 7, 1, 12, 0), LONDON) == utc(2026, 7, 1, 11, 0)


def test_naive_input_to_to_local_is_utc_and_from_local_gives_aware_utc():
    assert to_local(datetime(2026, 1, 15, 17, 0), NEW_YORK).hour == 12
    moment = from_local(datetime(2026, 1, 15, 12, 0), NEW_YORK)
    assert moment.tzinfo is UTC
    assert moment.hour == 17


def test_round_trips_every_quarter_hour_of_a_year():
    """Local time back to UTC gives the same moment, but for the repeated hour as clocks go
    back, which reads as its first occurrence."""
    for zone in (NEW_YORK, LONDON, "Australia/Lord_Howe", "Asia/Kathmandu"):
        for step in range(365 * 24 * 4):
            moment = utc(2026, 1, 1) + timedelta(minutes=15 * step)
            local = to_local(moment, zone)
            back = from_local(local.replace(tzinfo=None), zone)
            if local.fold:
                assert back < moment
                assert to_local(back, zone).replace(tzinfo=None) == (local.replace(tzinfo=None))
            else:
                assert back == moment, (zone, moment)


def test_labels_name_the_zone_as_it_is_at_that_moment():
    assert zone_label("UTC") == "UTC"
    assert zone_label(NEW_YORK, utc(2026, 1, 15)) == "EST (America/New_York)"
    assert zone_label(NEW_YORK, utc(2026, 7, 15)) == "EDT (America/New_York)"
    assert zone_label(LONDON, utc(2026, 1, 15)) == "GMT (Europe/London)"
    assert zone_label(LONDON, utc(2026, 7, 15)) == "BST (Europe/London)"
    assert zone_label("Asia/Dubai", utc(2026, 7, 15)) == "GMT+4 (Asia/Dubai)"
    assert zone_label("Asia/Kathmandu", utc(2026, 7, 15)) == "GMT+5:45 (Asia/Kathmandu)"
    assert zone_label("America/Noronha", utc(2026, 7, 15)) == "GMT-2 (America/Noronha)"
    assert zone_label("Mars/Base") == "UTC"


def test_formatting_keeps_the_site_s_wording():
    deadline = utc(2026, 9, 10, 17, 0)
    assert format_when(deadline, "UTC") == "10 Sep 2026, 17:00 UTC"
    assert format_when(deadline, NEW_YORK) == "10 Sep 2026, 13:00 EDT (America/New_York)"
    assert format_when(deadline, "Asia/Tokyo") == "11 Sep 2026, 02:00 JST (Asia/Tokyo)"
    assert format_when(deadline, LONDON, "long") == (
        "Thursday 10 September 2026, 18:00 BST (Europe/London)"
    )
    assert format_day(deadline, "Asia/Tokyo") == "11 Sep 2026"
    assert format_day(deadline, "UTC", "long_day") == "Thursday 10 September 2026"
    assert format_day(date(2026, 9, 30), "Asia/Tokyo") == "30 Sep 2026"
    assert format_when(None, NEW_YORK) == ""
    assert format_day(None, NEW_YORK) == ""


def test_filters_use_the_template_s_zone_else_utc_for_a_visitor(app):
    moment = utc(2026, 12, 1, 15, 30)
    with app.test_request_context("/"):
        assert render_template_string("{{ m|when }}", m=moment) == "01 Dec 2026, 15:30 UTC"
        shown = render_template_string("{{ m|when }} · {{ m|day }}", m=moment, zone=NEW_YORK)
        assert shown == "01 Dec 2026, 10:30 EST (America/New_York) · 01 Dec 2026"
        assert render_template_string('{{ m|when("short") }}', m=moment, zone=LONDON) == (
            "01 Dec 15:30 GMT (Europe/London)"
        )
        assert render_template_string("{{ m|iso }}", m=moment, zone=NEW_YORK) == (
            "2026-12-01T10:30-05:00"
        )
        assert render_template_string("{{ m|day }}", m=utc(2026, 12, 1, 2), zone=NEW_YORK) == (
            "30 Nov 2026"
        )
