"""VEVENTs: one per meeting, and all-day ones for a deliverable's due and start-by dates.

- UID ``meeting-<pk>@<host of SITE_URL>``: stable for the life of the meeting, the same in
  the feeds and in the mail invites so a client updates one event. A personal feed's copy
  (``presenter_id`` given) gets ``meeting-<pk>-presenter@host`` because it is a different
  event (it says what you present) in a different calendar.
- ORGANIZER is the series' stored organizer (``series.organizer_name``/``organizer_email``)
  when it has one, else the `organizer` passed.
- SEQUENCE is ``meeting.revision`` (grows on every published change); LAST-MODIFIED is
  ``meeting.updated_at``. In a feed (no METHOD) DTSTAMP equals LAST-MODIFIED, as RFC 5545
  asks, which also keeps a feed byte-identical until something changes.
- STATUS: published and held meetings are CONFIRMED, cancelled ones CANCELLED (Apple strikes
  them through; Google drops them from subscriptions, so cancellations also go out by mail)
  and their SUMMARY starts with "Cancelled:" for clients that show neither. Drafts ARE shown,
  as TENTATIVE, with the draft agenda marked as such: a weekly slot that blocks the calendar
  weeks ahead is worth more than an empty calendar, and the meeting page shows drafts anyway.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any

from icalendar import Event, vText

from adcmeet.lib.ical.agenda import (
    _room,
    _video,
    agenda_text,
    meeting_end,
    meeting_summary,
    ordered_items,
)
from adcmeet.lib.ical.values import Person, _absolute, _address, _host, _utc, clean_text


def series_organizer(meeting: Any) -> Person | None:
    """The series' stored organizer, when it has one: feeds, downloads and mail invites of a
    meeting then name the same ORGANIZER for the same UID (clients compare them)."""
    series = meeting.series
    addr = getattr(series, "organizer_email", "")
    return (getattr(series, "organizer_name", "") or addr, addr) if addr else None


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
    event.add("organizer", _address(series_organizer(meeting) or organizer))
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


def action_event(action: Any, *, site_url: str) -> Event:
    """An all-day event on an open action item's due date, "Action due: …", marked free
    (TRANSPARENT): a reminder on the day, not time taken. A VEVENT rather than a VTODO because
    Outlook's subscriptions do not show VTODOs; the owner's feed drops it once it is done.
    `action.meeting` (with its `series`) is the meeting that recorded it."""
    meeting = action.meeting
    host = _host(site_url)
    url = _absolute(site_url, meeting.get_absolute_url())
    text = clean_text(action.text)
    day = meeting.local_start
    event = Event()
    event.add("uid", f"action-{action.pk}-due@{host}")
    # Stable until the action changes, so an unchanged feed stays byte-identical.
    stamp = _utc(action.created_at)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", action.version)
    event.add("dtstart", action.due)
    event.add("dtend", action.due + datetime.timedelta(days=1))
    event.add("summary", vText(f"Action due: {text}"))
    lead = f"{text}\n\nAgreed at {meeting.series.name}, {day.day} {day:%b %Y}.\nMeeting: {url}"
    event.add("description", vText(clean_text(lead)))
    event.add("url", url, parameters={"VALUE": "URI"})
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("class", "PRIVATE")
    return event
