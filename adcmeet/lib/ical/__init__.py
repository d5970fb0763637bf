"""iCalendar for meetings and deliverable dates: subscription feeds and mail invites.

Framework-light: the functions take model instances (or anything with the same attributes)
and plain data, and never query the database. Callers prefetch what is read: for a meeting
its `series`, for agenda items their `presenter`, for a deliverable its `period` and `roadmap`.

Public API
----------
``meeting_calendar(meetings, *, items_by_meeting, site_url, name=None, description=None,
method=None, organizer=None, attendees=(), extra_events=(), presenter_id=None, now=None)
-> bytes``
    A whole VCALENDAR with one VEVENT per meeting (and any `extra_events`), the VTIMEZONEs they
    use and, for feeds (``method=None``), X-WR-CALNAME, REFRESH-INTERVAL and X-PUBLISHED-TTL.
    `items_by_meeting` maps ``meeting.pk`` to that meeting's live agenda items (any order;
    they are put in meeting order here). With ``method="REQUEST"`` or ``"CANCEL"`` it is a
    scheduling message (RFC 5546): METHOD is set, ATTENDEEs are listed, DTSTAMP is now.

``meeting_invite(meeting, items, *, method="REQUEST", attendees, organizer, site_url,
now=None) -> bytes``
    The one-meeting invite or cancellation for mail. `attendees` is a list of
    ``(name, email)``, `organizer` one ``(name, email)`` pair: use a real, answered address
    (`default_organizer()` reads settings.DEFAULT_FROM_EMAIL), never a no-reply one. Send it
    as ``text/calendar; method=REQUEST`` (or CANCEL) and attach it as well.

``deliverable_events(deliverable, *, site_url) -> list[Event]``
    All-day events for a deliverable's due date (its hard deadline, else the end of its
    period; "Later" has none) and its start-by date; for a personal feed's `extra_events`.

``meeting_uid(meeting, site_url)``, ``vtimezone(tzid, first_year, last_year)``,
``agenda_schedule(meeting, items)`` (clock times from `adcmeet.lib.agenda.plan`),
``agenda_text(...)``, ``clean_text(text)``, ``default_organizer()``, ``webcal_url(url)``.

Decisions
---------
- UID ``meeting-<pk>@<host of SITE_URL>``: stable for the life of the meeting, the same in
  the feeds and in the mail invites so a client updates one event. A personal feed's copy
  (``presenter_id`` given) gets ``meeting-<pk>-presenter@host`` because it is a different
  event (it says what you present) in a different calendar.
- SEQUENCE is ``meeting.revision`` (grows on every published change); LAST-MODIFIED is
  ``meeting.updated_at``. In a feed (no METHOD) DTSTAMP equals LAST-MODIFIED, as RFC 5545
  asks, which also keeps a feed byte-identical until something changes.
- STATUS: published and held meetings are CONFIRMED, cancelled ones CANCELLED (Apple strikes
  them through; Google drops them from subscriptions, so cancellations also go out by mail)
  and their SUMMARY starts with "Cancelled:" for clients that show neither. Drafts ARE shown,
  as TENTATIVE, with the draft agenda marked as such: a weekly slot that blocks the calendar
  weeks ahead is worth more than an empty calendar, and the meeting page shows drafts anyway.
- VTIMEZONE: written here from the zone's own transitions as RRULE-based STANDARD and
  DAYLIGHT definitions (the form Outlook and tzurl.org publish, read by every client),
  verified against zoneinfo for every year the calendar covers and open-ended into the
  future. icalendar's `Timezone.from_tzid` writes an RDATE list valid only for a window.
- No METHOD in feeds (it makes Outlook treat a subscription as an invitation).
- Text is cleaned of control characters (only TAB and LF survive; CR and CRLF become LF)
  before the library escapes it, so no text can start a new property line.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
import email.utils
import functools
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vRecur,
    vText,
)

from adcmeet.lib.agenda import PlannedItem, plan

PRODID = "-//ATLAS Distributed Computing//adcmeet//EN"
# How often clients that honour it should poll a feed (Outlook on the web about every 3 h).
FEED_REFRESH = datetime.timedelta(hours=3)
UTC = datetime.UTC

# The order of the meeting: the focus topic first, the open floor last.
SECTION_ORDER = {"focus": 0, "hot": 1, "tracking": 2, "open_floor": 3}
SECTION_TITLES = {
    "focus": "Focus topic",
    "hot": "Hot topics",
    "tracking": "Deliverable tracking",
    "open_floor": "Open floor",
}

Person = tuple[str, str]  # (display name, email address)

# Control characters are not allowed in iCalendar TEXT; TAB and LF (written as \n) are.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Quotes cannot appear inside a quoted parameter value; line breaks nowhere in a parameter.
_PARAM_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"]")


# --- text -------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Text as it can travel in a TEXT value: CRLF and lone CR become LF, other controls go.

    The library then escapes backslash, comma, semicolon and LF, so what a parser reads back
    is exactly this string.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _param(text: str) -> str:
    return _PARAM_UNSAFE.sub(" ", text).strip()


def _address(person: Person, **params: str) -> vCalAddress:
    name, addr = person
    address = vCalAddress(f"mailto:{_param(addr)}")
    if name and _param(name):
        address.params["CN"] = _param(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


def default_organizer() -> Person:
    """The organizer address from settings.DEFAULT_FROM_EMAIL ("Name <addr>")."""
    from django.conf import settings

    name, addr = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)
    return (name or "ADC meetings", addr)


def webcal_url(url: str) -> str:
    """The webcal:// form of an http(s) feed URL, which clients open as a subscription."""
    return re.sub(r"^https?://", "webcal://", url)


def _host(site_url: str) -> str:
    return urlsplit(site_url).hostname or "adcmeet.invalid"


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(UTC).replace(microsecond=0)


# --- agenda -------------------------------------------------------------------------------------


def ordered_items(items: Iterable[Any]) -> list[Any]:
    """Agenda items in meeting order (as `AgendaItemQuerySet.in_agenda_order`): by section,
    then position, then id, so prefetched items need no ORDER BY of their own."""
    return sorted(items, key=lambda i: (SECTION_ORDER.get(i.section, 99), i.position, i.pk or 0))


def agenda_schedule(meeting: Any, items: Iterable[Any]) -> list[PlannedItem]:
    """Planned clock times in the series' zone, from the shared time budget (lib/agenda)."""
    series = meeting.series
    return plan(
        ordered_items(items),
        start=meeting.start,
        zone=zoneinfo.ZoneInfo(series.time_zone),
        target_minutes=series.target_minutes,
        limit_minutes=series.limit_minutes,
    ).items


def meeting_end(meeting: Any, items: Sequence[Any]) -> datetime.datetime:
    """The planned end: the agenda's total length, or the series' target for an empty one."""
    minutes = sum(i.duration_minutes for i in items) or meeting.series.target_minutes
    return meeting.start + datetime.timedelta(minutes=minutes)


def _presenter(item: Any) -> str:
    return getattr(item, "presenter_display", "") or ""


def meeting_summary(meeting: Any) -> str:
    title = meeting.title or meeting.series.name
    return f"Cancelled: {title}" if meeting.state == "cancelled" else title


def _room(meeting: Any) -> str:
    return meeting.location or meeting.series.location


def _video(meeting: Any) -> str:
    return meeting.video_url or meeting.series.video_url


def agenda_text(
    meeting: Any, items: Sequence[Any], *, site_url: str, presenter_id: int | None = None
) -> str:
    """The agenda as plain text for DESCRIPTION: clock times, titles, presenters, sections."""
    lines: list[str] = []
    slots = agenda_schedule(meeting, items)
    if meeting.state == "cancelled":
        reason = f": {meeting.cancel_reason}" if meeting.cancel_reason else "."
        lines += [f"This meeting is cancelled{reason}", ""]
    elif meeting.state == "draft":
        lines += ["Draft agenda, not yet published: it may still change.", ""]
    if presenter_id is not None:
        mine = [s for s in slots if s.item.presenter_id == presenter_id]
        for slot in mine:
            lines.append(f"You present: {slot.item.title} at {slot.start:%H:%M}")
        if mine:
            lines.append("")
    if slots:
        lines.append(f"Agenda (times {meeting.series.time_zone}):")
        section = None
        for slot in slots:
            if slot.item.section != section:
                section = slot.item.section
                lines += ["", SECTION_TITLES.get(section, section)]
            who = _presenter(slot.item)
            line = f"{slot.start:%H:%M}  {slot.item.title}"
            if who:
                line += f" — {who}"
            lines.append(f"{line} ({slot.item.duration_minutes} min)")
    else:
        lines.append("No agenda items yet.")
    lines.append("")
    if _room(meeting):
        lines.append(f"Room: {_room(meeting)}")
    if _video(meeting):
        lines.append(f"Video: {_video(meeting)}")
    lines.append(f"Meeting page: {_absolute(site_url, meeting.get_absolute_url())}")
    return "\n".join(lines)


# --- events ------------------------------------------------------------------------------------


def meeting_uid(meeting: Any, site_url: str) -> str:
    return f"meeting-{meeting.pk}@{_host(site_url)}"


_STATUS = {"draft": "TENTATIVE", "published": "CONFIRMED", "held": "CONFIRMED"}


def meeting_event(
    meeting: Any,
    items: Iterable[Any],
    *,
    site_url: str,
    organizer: Person,
    attendees: Sequence[Person] = (),
    dtstamp: datetime.datetime | None = None,
    presenter_id: int | None = None,
) -> Event:
    """One VEVENT for a meeting (see the module docstring for what each property means)."""
    items = ordered_items(items)
    tz = zoneinfo.ZoneInfo(meeting.series.time_zone)
    event = Event()
    uid = meeting_uid(meeting, site_url)
    if presenter_id is not None:
        uid = uid.replace("@", "-presenter@", 1)
    event.add("uid", uid)
    modified = _utc(meeting.updated_at)
    event.add("dtstamp", _utc(dtstamp) if dtstamp else modified)
    event.add("last-modified", modified)
    if getattr(meeting, "created_at", None):
        event.add("created", _utc(meeting.created_at))
    event.add("sequence", meeting.revision)
    event.add("dtstart", meeting.start.astimezone(tz).replace(microsecond=0))
    event.add("dtend", meeting_end(meeting, items).astimezone(tz).replace(microsecond=0))
    event.add("summary", vText(clean_text(meeting_summary(meeting))))
    event.add(
        "description",
        vText(
            clean_text(agenda_text(meeting, items, site_url=site_url, presenter_id=presenter_id))
        ),
    )
    event.add("url", _absolute(site_url, meeting.get_absolute_url()), parameters={"VALUE": "URI"})
    where = [part for part in (_room(meeting), _video(meeting)) if part]
    if where:
        event.add("location", vText(clean_text(", ".join(where))))
    event.add("organizer", _address(organizer))
    for attendee in attendees:
        event.add(
            "attendee",
            _address(attendee, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="FALSE"),
        )
    event.add("status", "CANCELLED" if meeting.state == "cancelled" else _STATUS[meeting.state])
    event.add("transp", "TRANSPARENT" if meeting.state == "cancelled" else "OPAQUE")
    event.add("class", "PUBLIC")
    return event


def deliverable_events(deliverable: Any, *, site_url: str) -> list[Event]:
    """All-day events on a deliverable's due date and start-by date (none for "Later")."""
    url = _absolute(site_url, deliverable.get_absolute_url())
    host = _host(site_url)
    title = clean_text(deliverable.title + ("?" if deliverable.tentative else ""))
    due = deliverable.deadline or deliverable.period.end
    context = [
        f"Roadmap: {deliverable.roadmap}",
        f"Period: {deliverable.period.label}",
        f"Status: {deliverable.get_status_display()}",
    ]
    if deliverable.deadline:
        context.append(f"Hard deadline: {deliverable.deadline:%d %b %Y}")
    context.append(f"Deliverable page: {url}")
    days: list[tuple[str, str, datetime.date, str]] = []
    if due is not None:
        what = "Deadline" if deliverable.deadline else f"End of {deliverable.period.label}"
        days.append(("due", f"Due: {title}", due, f"{what}: {title} is due."))
    if deliverable.start_by is not None:
        days.append(
            (
                "start-by",
                f"Start by: {title}",
                deliverable.start_by,
                f"Start {title} today to meet its deadline ({deliverable.lead_time_days or 0} "
                "days of work).",
            )
        )
    events = []
    modified = _utc(deliverable.updated_at)
    for kind, summary, day, lead in days:
        event = Event()
        event.add("uid", f"deliverable-{deliverable.pk}-{kind}@{host}")
        event.add("dtstamp", modified)
        event.add("last-modified", modified)
        event.add("sequence", deliverable.version)
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))
        event.add("summary", vText(summary))
        event.add("description", vText(clean_text("\n".join([lead, "", *context]))))
        event.add("url", url, parameters={"VALUE": "URI"})
        event.add("status", "TENTATIVE" if deliverable.tentative else "CONFIRMED")
        # A due date is a marker on the day, not time that is taken.
        event.add("transp", "TRANSPARENT")
        event.add("class", "PUBLIC")
        events.append(event)
    return events


# --- time zones ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Onset:
    at: datetime.datetime  # UTC instant of the change
    local: datetime.datetime  # naive wall-clock time just before it (what DTSTART says)
    offset_from: datetime.timedelta
    offset_to: datetime.timedelta
    name: str
    dst: bool

    @property
    def key(self) -> tuple:
        local = self.local
        return (
            self.dst,
            self.offset_from,
            self.offset_to,
            self.name,
            local.month,
            local.weekday(),
            local.time(),
        )

    @property
    def bydays(self) -> set[int]:
        """Which "nth weekday of the month" descriptions fit: 1..4 and -1 (the last)."""
        day = self.local.day
        fits = {(day - 1) // 7 + 1}
        if day + 7 > _calendar.monthrange(self.local.year, self.local.month)[1]:
            fits.add(-1)
        return fits - {5}


def _state(tz: zoneinfo.ZoneInfo, at: datetime.datetime) -> tuple:
    local = at.astimezone(tz)
    return (local.utcoffset(), local.dst(), local.tzname())


def _onsets(tz: zoneinfo.ZoneInfo, first_year: int, last_year: int) -> list[_Onset]:
    """Every change of offset or name in the years, found by a daily scan and bisection."""
    onsets = []
    day = datetime.timedelta(days=1)
    zero = datetime.timedelta(0)
    at = datetime.datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime.datetime(last_year + 1, 1, 1, tzinfo=UTC)
    before = _state(tz, at)
    while at < end:
        after = _state(tz, at + day)
        if after != before:
            lo, hi = at, at + day
            while hi - lo > datetime.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if _state(tz, mid) == before:
                    lo = mid
                else:
                    hi = mid
            hi = hi.replace(microsecond=0)
            onsets.append(
                _Onset(
                    at=hi,
                    local=(hi + before[0]).replace(tzinfo=None),
                    offset_from=before[0],
                    offset_to=after[0],
                    name=after[2],
                    # By the offsets, not dst(): Europe/Dublin's tz data calls winter "DST".
                    dst=after[0] > before[0] if after[0] != before[0] else after[1] > zero,
                )
            )
            before = after
        at += day
    return onsets


def _runs(onsets: list[_Onset]) -> list[tuple[list[_Onset], int | None]]:
    """Group onsets into yearly rules: same kind, month, weekday and time, consecutive years,
    one "nth weekday" that fits all. Returns (onsets, byday or None for a single onset)."""
    by_key: dict[tuple, list[_Onset]] = {}
    for onset in onsets:
        by_key.setdefault(onset.key, []).append(onset)
    runs = []
    for group in by_key.values():
        run = [group[0]]
        fits = group[0].bydays
        for onset in group[1:]:
            narrowed = fits & onset.bydays
            if onset.local.year == run[-1].local.year + 1 and narrowed:
                run.append(onset)
                fits = narrowed
            else:
                runs.append((run, _pick(fits) if len(run) > 1 else None))
                run, fits = [onset], onset.bydays
        runs.append((run, _pick(fits) if len(run) > 1 else None))
    return sorted(runs, key=lambda r: r[0][0].at)


def _pick(fits: set[int]) -> int:
    # "Last Sunday" survives the years better than "5th Sunday" or "4th Sunday".
    return -1 if -1 in fits else min(fits)


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@functools.lru_cache(maxsize=64)
def _vtimezone_ical(tzid: str, first_year: int, last_year: int) -> bytes:
    tz = zoneinfo.ZoneInfo(tzid)
    # From the year before, so the first weeks of `first_year` have an onset before them
    # (summer time in the southern hemisphere spans the new year).
    onsets = _onsets(tz, first_year - 1, last_year)
    zone = Timezone()
    zone.add("tzid", tzid)
    if not onsets:
        # No changes in the years covered: one standard time from the start.
        offset, _, name = _state(tz, datetime.datetime(first_year, 1, 1, tzinfo=UTC))
        part = TimezoneStandard()
        part.add("dtstart", datetime.datetime(1970, 1, 1))
        part.add("tzoffsetfrom", offset)
        part.add("tzoffsetto", offset)
        part.add("tzname", name)
        zone.add_component(part)
        return zone.to_ical()
    last_by_key = {}
    for onset in onsets:
        last_by_key[onset.key] = onset
    for run, byday in _runs(onsets):
        first, last = run[0], run[-1]
        part = TimezoneDaylight() if first.dst else TimezoneStandard()
        part.add("dtstart", first.local)
        if byday is not None:
            rule = {
                "FREQ": "YEARLY",
                "BYMONTH": first.local.month,
                "BYDAY": f"{byday}{_WEEKDAYS[first.local.weekday()]}",
            }
            # The newest rule of each kind runs on into the future; older ones stop.
            if last is not last_by_key[first.key] or last.local.year < last_year:
                rule["UNTIL"] = last.at
            part.add("rrule", vRecur(rule))
        part.add("tzoffsetfrom", first.offset_from)
        part.add("tzoffsetto", first.offset_to)
        part.add("tzname", first.name)
        zone.add_component(part)
    return zone.to_ical()


# Beyond these years the zone's last rules stand for all time anyway (1970 is where tzdata's
# guarantees start); clamping keeps a stray year 1 or 9999 from overflowing datetime or
# scanning millennia day by day.
VTIMEZONE_YEARS = (1970, 2100)


def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """An RRULE-based VTIMEZONE for `tzid`, exact for the years given and open-ended after."""
    low, high = VTIMEZONE_YEARS
    first = min(max(first_year, low), high)
    last = min(max(last_year, first), high)
    return Timezone.from_ical(_vtimezone_ical(tzid, first, last))


# --- calendars ----------------------------------------------------------------------------------


def _calendar_shell(
    *, name: str | None, description: str | None, method: str | None, tzid: str | None
) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("name", vText(clean_text(name)))
        cal.add("x-wr-calname", vText(clean_text(name)))
    if description:
        cal.add("x-wr-caldesc", vText(clean_text(description)))
    if tzid:
        cal.add("x-wr-timezone", tzid)
    if method is None:
        cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT3H")
    return cal


def meeting_calendar(
    meetings: Iterable[Any],
    *,
    items_by_meeting: Mapping[int, Sequence[Any]],
    site_url: str,
    name: str | None = None,
    description: str | None = None,
    method: str | None = None,
    organizer: Person | None = None,
    attendees: Sequence[Person] = (),
    extra_events: Iterable[Event] = (),
    presenter_id: int | None = None,
    now: datetime.datetime | None = None,
) -> bytes:
    """A VCALENDAR of `meetings` (see the module docstring). Returns the serialised bytes."""
    if method not in (None, "PUBLISH", "REQUEST", "CANCEL"):
        raise ValueError(f"Unsupported METHOD {method!r}")
    meetings = list(meetings)
    organizer = organizer or default_organizer()
    # A scheduling message is stamped when it is sent; a feed when its content changed.
    stamp = (now or datetime.datetime.now(UTC)) if method else None
    tzids: dict[str, list[int]] = {}
    for meeting in meetings:
        years = tzids.setdefault(meeting.series.time_zone, [])
        years.append(meeting.start.year)
    cal = _calendar_shell(
        name=name,
        description=description,
        method=method,
        tzid=next(iter(tzids)) if len(tzids) == 1 else None,
    )
    for tzid, years in sorted(tzids.items()):
        cal.add_component(vtimezone(tzid, min(years), max(years) + 1))
    for meeting in meetings:
        event = meeting_event(
            meeting,
            items_by_meeting.get(meeting.pk, ()),
            site_url=site_url,
            organizer=organizer,
            attendees=attendees,
            dtstamp=stamp,
            presenter_id=presenter_id,
        )
        if method == "CANCEL":
            # RFC 5546: a CANCEL carries STATUS:CANCELLED whatever state the caller passed.
            event["status"] = "CANCELLED"
        cal.add_component(event)
    for event in extra_events:
        cal.add_component(event)
    return cal.to_ical()


def meeting_invite(
    meeting: Any,
    items: Sequence[Any],
    *,
    method: str = "REQUEST",
    attendees: Sequence[Person],
    organizer: Person,
    site_url: str,
    now: datetime.datetime | None = None,
) -> bytes:
    """The invite (METHOD:REQUEST) or cancellation (METHOD:CANCEL) of one meeting for mail.

    For CANCEL the meeting should already be in the cancelled state with its revision bumped,
    so STATUS is CANCELLED and SEQUENCE is higher than the last REQUEST's.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError("An invite's METHOD is REQUEST or CANCEL")
    return meeting_calendar(
        [meeting],
        items_by_meeting={meeting.pk: items},
        site_url=site_url,
        method=method,
        organizer=organizer,
        attendees=attendees,
        now=now,
    )
