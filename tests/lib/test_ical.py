"""adcmeet.lib.ical: what calendar clients read from our feeds and invites.

Built from unsaved model instances (the library never queries) and read back by four
parsers: icalendar (the writer), vobject, the strict `ical` package and Mozilla's ical.js.
"""

import datetime
import zoneinfo

import icalendar
import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adcmeet.accounts.models import User
from adcmeet.lib import ical
from adcmeet.meetings.models import AgendaItem, Meeting, MeetingSeries
from deliverables.models import Deliverable, Period, Roadmap
from tests.lib.ical_parsers import (
    PYTHON_PARSERS,
    own_zone,
    parse_all,
    parse_icaljs,
    physical_lines,
    run_icaljs,
)

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
UTC = datetime.UTC
SITE = "https://adcmeet.example.org"
ORGANIZER = ("ADC meetings", "adc-meetings@example.org")
TRICKY = "Rucio; DDM, caching\nnext — Zürich"
ALL_PARSERS = [*PYTHON_PARSERS, "ical.js"]


def series(**fields) -> MeetingSeries:
    fields.setdefault("name", "ADC development meeting")
    fields.setdefault("slug", "adc-dev")
    fields.setdefault("location", "CERN 513-1-024")
    fields.setdefault("video_url", "https://example.org/vidyo/adc-dev")
    return MeetingSeries(pk=1, **fields)


def meeting(
    on: datetime.date = datetime.date(2031, 1, 15), *, pk: int = 1, s=None, **fields
) -> Meeting:
    s = s or series()
    fields.setdefault("state", "published")
    fields.setdefault("revision", 1)
    fields.setdefault("start", s.start_on(on))
    stamp = datetime.datetime(2030, 12, 20, 9, 30, tzinfo=UTC)
    fields.setdefault("updated_at", stamp)
    fields.setdefault("created_at", stamp)
    return Meeting(pk=pk, series=s, scheduled_for=on, **fields)


def item(m: Meeting, pk: int, title: str, *, section="hot", position=0, minutes=10, **fields):
    return AgendaItem(
        pk=pk,
        meeting=m,
        title=title,
        section=section,
        position=position,
        duration_minutes=minutes,
        **fields,
    )


def feed(meetings, items=None, **kwargs) -> bytes:
    kwargs.setdefault("organizer", ORGANIZER)
    kwargs.setdefault("name", "ADC development meeting")
    return ical.meeting_calendar(meetings, items_by_meeting=items or {}, site_url=SITE, **kwargs)


def read(parser: str, text: str, request) -> list:
    if parser == "ical.js":
        request.getfixturevalue("js_modules")
        return parse_icaljs(text, request.getfixturevalue("node"))
    return PYTHON_PARSERS[parser](text)


@pytest.fixture
def js(node, js_modules):
    return node


# --- time zones ---------------------------------------------------------------------------------


@pytest.mark.parametrize("parser", ALL_PARSERS)
def test_seventeen_zurich_is_sixteen_utc_in_january_and_fifteen_in_july(parser, request):
    body = feed(
        [meeting(datetime.date(2031, 1, 15), pk=1), meeting(datetime.date(2031, 7, 16), pk=2)]
    )
    # Renamed, the zone can only be understood from the VTIMEZONE the feed carries.
    events = {e.uid: e for e in read(parser, own_zone(body.decode()), request)}
    january = events["meeting-1@adcmeet.example.org"]
    july = events["meeting-2@adcmeet.example.org"]
    assert january.start == datetime.datetime(2031, 1, 15, 16, 0, tzinfo=UTC)
    assert january.end == datetime.datetime(2031, 1, 15, 17, 0, tzinfo=UTC)
    assert july.start == datetime.datetime(2031, 7, 16, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("parser", ALL_PARSERS)
def test_two_years_of_wednesdays_keep_seventeen_zurich_across_every_dst_change(parser, request):
    s = series()
    days = [datetime.date(2031, 1, 1) + datetime.timedelta(weeks=n) for n in range(105)]
    meetings = [meeting(day, pk=n + 1, s=s) for n, day in enumerate(days)]
    expected = {f"meeting-{m.pk}@adcmeet.example.org": m.start.astimezone(UTC) for m in meetings}
    events = read(parser, own_zone(feed(meetings).decode()), request)
    assert {e.uid: e.start for e in events} == expected
    assert {e.start.hour for e in events} == {15, 16}


@pytest.mark.parametrize("parser", ALL_PARSERS)
def test_times_next_to_the_switch_land_on_the_right_side(parser, request):
    # 2031: summer time from 01:00 UTC on 30 March to 01:00 UTC on 26 October.
    instants = [
        datetime.datetime(2031, 3, 30, 0, 59, tzinfo=UTC),  # 01:59 CET
        datetime.datetime(2031, 3, 30, 1, 0, tzinfo=UTC),  # 03:00 CEST
        datetime.datetime(2031, 10, 25, 23, 59, tzinfo=UTC),  # 01:59 CEST
        datetime.datetime(2031, 10, 26, 2, 0, tzinfo=UTC),  # 03:00 CET
    ]
    s = series()
    meetings = [
        meeting(at.date(), pk=n + 1, s=s, start=at.astimezone(ZURICH))
        for n, at in enumerate(instants)
    ]
    events = read(parser, own_zone(feed(meetings).decode()), request)
    assert sorted(e.start for e in events) == instants


def test_the_vtimezone_is_rrule_based_with_standard_and_daylight():
    cal = icalendar.Calendar.from_ical(feed([meeting()]))
    (zone,) = cal.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Zurich"
    parts = {part.name: part for part in zone.subcomponents}
    assert set(parts) == {"STANDARD", "DAYLIGHT"}
    for part in parts.values():
        assert "RDATE" not in part
        assert part["RRULE"]["FREQ"] == ["YEARLY"]
        assert part["RRULE"]["BYDAY"] == ["-1SU"]
        assert "UNTIL" not in part["RRULE"]
    assert parts["DAYLIGHT"]["RRULE"]["BYMONTH"] == [3]
    assert parts["STANDARD"]["RRULE"]["BYMONTH"] == [10]
    # The onsets are wall-clock times before the change: 02:00 CET and 03:00 CEST.
    assert parts["DAYLIGHT"].decoded("DTSTART") == datetime.datetime(2030, 3, 31, 2, 0)
    assert parts["STANDARD"].decoded("DTSTART") == datetime.datetime(2030, 10, 27, 3, 0)


@pytest.mark.parametrize(
    ("tzid", "first", "last"),
    [
        ("Europe/Zurich", 2011, 2040),
        ("America/New_York", 2005, 2012),  # the 2007 US rule change
        ("Australia/Sydney", 2029, 2032),  # summer time across the new year
        ("America/Santiago", 2019, 2025),  # rules that move around
        ("Europe/Dublin", 2030, 2031),  # "negative DST" in the tz data
        ("Asia/Tokyo", 2030, 2031),  # no DST at all
    ],
)
def test_the_vtimezone_agrees_with_the_tz_database_as_dateutil_reads_it(tzid, first, last):
    """vobject hands our VTIMEZONE to dateutil's own reader; it must give every instant the
    offset zoneinfo gives, in every year covered and just before and after every change."""
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + ical.vtimezone(tzid, first, last).to_ical().decode()
        + "END:VCALENDAR\r\n"
    )
    feed_zone = vobject.readOne(own_zone(text, tzid)).vtimezone.gettzinfo()
    real = zoneinfo.ZoneInfo(tzid)
    instants = []
    at = datetime.datetime(first, 1, 1, 12, tzinfo=UTC)
    while at.year <= last:
        instants.append(at)
        before, after = at.astimezone(real).utcoffset(), (at + datetime.timedelta(days=1))
        if before != after.astimezone(real).utcoffset():
            lo, hi = at, after
            while hi - lo > datetime.timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if mid.astimezone(real).utcoffset() == before else (lo, mid)
            instants += [lo, hi, hi + datetime.timedelta(hours=3)]
        at += datetime.timedelta(days=1)
    wrong = [
        t for t in instants if t.astimezone(feed_zone).utcoffset() != t.astimezone(real).utcoffset()
    ]
    assert wrong == []


# --- content --------------------------------------------------------------------------------


def _agenda_meeting():
    m = meeting(title="ADC development meeting")
    bob = User(pk=7, username="bob", name="Bob Developer")
    items = [
        item(m, 3, "Open floor", section="open_floor", position=0, minutes=5),
        item(m, 2, "PanDA pilot news", section="hot", position=1, minutes=15, presenter=bob),
        item(
            m,
            1,
            "Data carousel",
            section="focus",
            position=0,
            minutes=20,
            presenter_name="Dana Guest",
            presenter_affiliation="BNL",
        ),
        item(m, 4, "Rucio 1.25 release", section="hot", position=0, minutes=10),
        item(m, 5, "Looping job killer", section="tracking", position=0, minutes=10),
    ]
    return m, items


AGENDA_LINES = [
    "Focus topic",
    "17:00  Data carousel — Dana Guest (BNL) (20 min)",
    "Hot topics",
    "17:20  Rucio 1.25 release (10 min)",
    "17:30  PanDA pilot news — Bob Developer (15 min)",
    "Deliverable tracking",
    "17:45  Looping job killer (10 min)",
    "Open floor",
    "17:55  Open floor (5 min)",
]


@pytest.mark.parametrize("parser", ALL_PARSERS)
def test_the_description_lists_the_agenda_in_order_with_times_and_presenters(parser, request):
    m, items = _agenda_meeting()
    (event,) = read(parser, feed([m], {m.pk: items}).decode(), request)
    lines = event.description.split("\n")
    positions = [lines.index(line) for line in AGENDA_LINES]
    assert positions == sorted(positions)
    assert "Room: CERN 513-1-024" in lines
    assert "Video: https://example.org/vidyo/adc-dev" in lines
    assert "Meeting page: https://adcmeet.example.org/meetings/1/" in lines
    # The meeting lasts as long as its agenda: 60 minutes from 17:00 (16:00 UTC).
    assert event.end - event.start == datetime.timedelta(minutes=60)
    assert event.location == "CERN 513-1-024, https://example.org/vidyo/adc-dev"


@pytest.mark.parametrize("parser", ALL_PARSERS)
def test_a_cancelled_meeting_is_cancelled_with_a_higher_sequence(parser, request):
    before = read(parser, feed([meeting(revision=3)]).decode(), request)[0]
    cancelled = meeting(revision=4, state="cancelled", cancel_reason="CHEP week")
    after = read(parser, feed([cancelled]).decode(), request)[0]
    assert before.uid == after.uid == "meeting-1@adcmeet.example.org"
    assert (before.status, after.status) == ("CONFIRMED", "CANCELLED")
    assert after.sequence > before.sequence
    assert after.summary == "Cancelled: ADC development meeting"
    assert after.description.startswith("This meeting is cancelled: CHEP week")


@pytest.mark.parametrize("parser", ALL_PARSERS)
def test_a_title_with_commas_semicolons_newlines_and_non_ascii_survives(parser, request):
    m = meeting(title=TRICKY, location="Bat. 513; room 1-024, Genève")
    (event,) = read(parser, feed([m], {m.pk: [item(m, 1, TRICKY)]}).decode(), request)
    assert event.summary == TRICKY
    assert f"17:00  {TRICKY} (10 min)" in event.description
    assert event.location.startswith("Bat. 513; room 1-024, Genève")


def test_a_draft_is_tentative_and_says_its_agenda_may_change():
    (event,) = icalendar.Calendar.from_ical(feed([meeting(state="draft", revision=0)])).walk(
        "VEVENT"
    )
    assert event["STATUS"] == "TENTATIVE"
    assert event["SEQUENCE"] == 0
    assert str(event["DESCRIPTION"]).startswith("Draft agenda, not yet published")


def test_each_event_carries_what_clients_need_to_update_it():
    m = meeting(revision=5)
    (event,) = icalendar.Calendar.from_ical(feed([m])).walk("VEVENT")
    assert event["UID"] == "meeting-1@adcmeet.example.org"
    assert event["SEQUENCE"] == 5
    assert event.decoded("LAST-MODIFIED") == m.updated_at
    # In a feed (no METHOD) DTSTAMP is the last change, so an unchanged feed is unchanged.
    assert event.decoded("DTSTAMP") == m.updated_at
    assert event["DTSTART"].params["TZID"] == "Europe/Zurich"
    assert str(event["URL"]) == "https://adcmeet.example.org/meetings/1/"
    assert str(event["ORGANIZER"]) == "mailto:adc-meetings@example.org"
    assert event["ORGANIZER"].params["CN"] == "ADC meetings"
    assert feed([m]) == feed([m])


def test_a_feed_has_no_method_and_asks_for_a_refresh_every_three_hours():
    body = feed([meeting()], name="ADC development meeting")
    cal = icalendar.Calendar.from_ical(body)
    assert "METHOD" not in cal
    assert cal["X-WR-CALNAME"] == "ADC development meeting"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT3H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT3H\r\n" in body


def test_content_lines_are_folded_at_75_octets_without_splitting_characters():
    m = meeting(title="Zürich — " * 20)
    items = [item(m, n, "Überprüfung der Datenströme — ü" * 4, position=n) for n in range(6)]
    body = feed([m], {m.pk: items})
    lines = physical_lines(body)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        line.decode("utf-8")  # a fold never cuts a multi-byte character in two
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Zürich — " * 20


def test_a_line_break_in_a_title_cannot_inject_a_property():
    hostile = "Agenda\r\nATTENDEE:mailto:evil@example.org\r\nEND:VEVENT\nX-EVIL:1"
    m = meeting(title=hostile)
    body = feed([m])
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert "ATTENDEE" not in event
    assert "X-EVIL" not in event
    assert str(event["SUMMARY"]) == "Agenda\nATTENDEE:mailto:evil@example.org\nEND:VEVENT\nX-EVIL:1"
    assert body.count(b"\r\nEND:VEVENT\r\n") == 1


def test_a_personal_copy_says_what_you_present_under_its_own_uid():
    m, items = _agenda_meeting()
    body = feed([m], {m.pk: items}, presenter_id=7)
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert event["UID"] == "meeting-1-presenter@adcmeet.example.org"
    assert str(event["DESCRIPTION"]).startswith("You present: PanDA pilot news at 17:30")


# --- invites ---------------------------------------------------------------------------------


def test_an_invite_is_a_request_with_organizer_and_attendees(js):
    m, items = _agenda_meeting()
    now = datetime.datetime(2031, 1, 10, 8, 0, tzinfo=UTC)
    body = ical.meeting_invite(
        m,
        items,
        attendees=[("ADC developers", "atlas-adc-dev@example.org"), ("Bob", "bob@example.org")],
        organizer=("Alice Convener", "alice@example.org"),
        site_url=SITE,
        now=now,
    )
    cal = icalendar.Calendar.from_ical(body)
    assert cal["METHOD"] == "REQUEST"
    assert "REFRESH-INTERVAL" not in cal
    (event,) = cal.walk("VEVENT")
    assert event.decoded("DTSTAMP") == now
    assert str(event["ORGANIZER"]) == "mailto:alice@example.org"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        "mailto:atlas-adc-dev@example.org",
        "mailto:bob@example.org",
    ]
    assert attendees[0].params["CN"] == "ADC developers"
    assert attendees[0].params["RSVP"] == "FALSE"
    parsed = run_icaljs(body.decode(), js)
    assert parsed["method"] == "REQUEST"
    assert parsed["events"][0]["organizer"] == "mailto:alice@example.org"


def test_a_cancellation_invite_is_cancelled_whatever_state_it_was_given():
    body = ical.meeting_invite(
        meeting(revision=2),
        [],
        method="CANCEL",
        attendees=[("ADC developers", "atlas-adc-dev@example.org")],
        organizer=ORGANIZER,
        site_url=SITE,
    )
    cal = icalendar.Calendar.from_ical(body)
    assert cal["METHOD"] == "CANCEL"
    assert cal.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_an_invite_with_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="PUBLISH, REQUEST or CANCEL"):
        ical.meeting_invite(
            meeting(), [], method="REPLY", attendees=[], organizer=ORGANIZER, site_url=SITE
        )


def test_a_published_agenda_for_a_list_names_no_attendee_and_every_parser_reads_it(js):
    m, items = _agenda_meeting()
    body = ical.meeting_invite(
        m,
        items,
        method="PUBLISH",
        attendees=[("Bob", "bob@example.org")],  # a list cannot answer: never listed
        organizer=("Alice Convener", "alice@example.org"),
        site_url=SITE,
    )
    cal = icalendar.Calendar.from_ical(body)
    assert cal["METHOD"] == "PUBLISH"
    (event,) = cal.walk("VEVENT")
    assert event.get("ATTENDEE") is None
    assert str(event["ORGANIZER"]) == "mailto:alice@example.org"
    assert event["STATUS"] == "CONFIRMED"
    parsed = run_icaljs(body.decode(), js)
    assert parsed["method"] == "PUBLISH"
    assert parsed["events"][0]["uid"] == str(event["UID"])
    assert vobject.readOne(body.decode()).vevent.uid.value == str(event["UID"])


def test_a_request_or_cancel_without_attendees_is_refused():
    for method in ("REQUEST", "CANCEL"):
        with pytest.raises(ValueError, match="names its attendees"):
            ical.meeting_invite(
                meeting(), [], method=method, attendees=[], organizer=ORGANIZER, site_url=SITE
            )


def test_the_default_organizer_is_the_sending_address(settings):
    settings.DEFAULT_FROM_EMAIL = "ADC meetings <adc-meetings@cern.example>"
    assert ical.default_organizer() == ("ADC meetings", "adc-meetings@cern.example")


def test_webcal_urls():
    assert ical.webcal_url("https://a.example/calendar/x.ics?token=1") == (
        "webcal://a.example/calendar/x.ics?token=1"
    )
    assert ical.webcal_url("http://127.0.0.1:8000/c.ics") == "webcal://127.0.0.1:8000/c.ics"


# --- deliverables -------------------------------------------------------------------------------


def _deliverable(period_label="April", end=datetime.date(2031, 4, 30), **fields):
    roadmap = Roadmap(pk=1, name="PanDA+Prodsys", year=2031)
    period = Period(pk=1, roadmap=roadmap, label=period_label, order=0, end=end)
    fields.setdefault("updated_at", datetime.datetime(2031, 2, 1, tzinfo=UTC))
    fields.setdefault("version", 3)
    return Deliverable(pk=9, roadmap=roadmap, period=period, title=TRICKY, **fields)


def _all_day(events):
    text = icalendar.Calendar.from_ical(
        ical.meeting_calendar([], items_by_meeting={}, site_url=SITE, extra_events=events)
    ).walk("VEVENT")
    return {str(e["UID"]): e for e in text}


def test_a_deliverable_with_a_deadline_gets_due_and_start_by_days():
    d = _deliverable(
        deadline=datetime.date(2031, 6, 15),
        lead_time_days=30,
        start_by=datetime.date(2031, 5, 16),
    )
    events = _all_day(ical.deliverable_events(d, site_url=SITE))
    due = events["deliverable-9-due@adcmeet.example.org"]
    start = events["deliverable-9-start-by@adcmeet.example.org"]
    assert due.decoded("DTSTART") == datetime.date(2031, 6, 15)
    assert due.decoded("DTEND") == datetime.date(2031, 6, 16)
    assert str(due["SUMMARY"]) == f"Due: {TRICKY}"
    assert due["TRANSP"] == "TRANSPARENT"
    assert due["SEQUENCE"] == 3
    assert start.decoded("DTSTART") == datetime.date(2031, 5, 16)
    assert str(start["SUMMARY"]) == f"Start by: {TRICKY}"
    assert "https://adcmeet.example.org/deliverables/9/" in str(due["DESCRIPTION"])


def test_without_a_deadline_the_end_of_the_period_is_the_due_day_and_later_has_none():
    (due,) = _all_day(ical.deliverable_events(_deliverable(), site_url=SITE)).values()
    assert due.decoded("DTSTART") == datetime.date(2031, 4, 30)
    assert ical.deliverable_events(_deliverable("Later", end=None), site_url=SITE) == []


def test_a_tentative_deliverable_is_tentative(js):
    body = ical.meeting_calendar(
        [],
        items_by_meeting={},
        site_url=SITE,
        extra_events=ical.deliverable_events(_deliverable(tentative=True), site_url=SITE),
    )
    (event,) = run_icaljs(body.decode(), js)["events"]
    assert event["allDay"] is True
    assert event["start"] == "2031-04-30"
    assert event["status"] == "TENTATIVE"
    assert event["summary"] == f"Due: {TRICKY}?"


# --- text, for any text at all ------------------------------------------------------------------


def test_clean_text_keeps_tabs_and_line_feeds_and_drops_other_controls():
    assert ical.clean_text("a\r\nb\rc\td\x00e\x1bf\x7fg") == "a\nb\nc\tdefg"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1), item_title=st.text(min_size=1), room=st.text())
def test_any_text_survives_the_round_trip_and_never_adds_a_property(title, item_title, room):
    m = meeting(title=title, location=room)
    body = ical.meeting_calendar(
        [m],
        items_by_meeting={m.pk: [item(m, 1, item_title)]},
        site_url=SITE,
        organizer=(title, "adc@example.org"),
    )
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == ical.clean_text(title)
    assert f"17:00  {ical.clean_text(item_title)} (10 min)" in str(event["DESCRIPTION"])
    expected = {
        "UID", "DTSTAMP", "LAST-MODIFIED", "CREATED", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY",
        "DESCRIPTION", "URL", "LOCATION", "ORGANIZER", "STATUS", "TRANSP", "CLASS",
    }  # fmt: skip
    assert set(event.keys()) == expected
    assert max(len(line) for line in physical_lines(body)) <= 75


def test_every_parser_reads_the_same_events(js):
    m, items = _agenda_meeting()
    meetings = [m, meeting(datetime.date(2031, 7, 16), pk=2, title=TRICKY)]
    readings = parse_all(feed(meetings, {m.pk: items}).decode(), js)
    assert len(readings["icalendar"]) == 2
    for name, events in readings.items():
        assert events == readings["icalendar"], name
