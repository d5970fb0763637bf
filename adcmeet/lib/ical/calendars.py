"""VCALENDARs: subscription feeds (no METHOD) and scheduling messages for mail (RFC 5546).

No METHOD in feeds: it makes Outlook treat a subscription as an invitation. A REQUEST or
CANCEL lists the ATTENDEEs and is stamped (DTSTAMP) when it is sent.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from icalendar import Calendar, Event, vText

from adcmeet.lib.ical.events import meeting_event
from adcmeet.lib.ical.timezones import vtimezone
from adcmeet.lib.ical.values import UTC, Person, clean_text, default_organizer

PRODID = "-//ATLAS Distributed Computing//adcmeet//EN"
# How often clients that honour it should poll a feed (Outlook on the web about every 3 h).
FEED_REFRESH = datetime.timedelta(hours=3)


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
    """A VCALENDAR of `meetings` (see the package docstring). Returns the serialised bytes."""
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
    """One meeting as a scheduling message for mail (RFC 5546).

    - ``PUBLISH`` goes to a mailing list: no ATTENDEE (a list cannot answer; Outlook disables
      Accept/Decline for a REQUEST to a list, some servers ignore one whose ATTENDEE is not
      the member). A cancelled meeting is published with STATUS:CANCELLED.
    - ``REQUEST`` goes to one named attendee, listed as the ATTENDEE.
    - ``CANCEL`` tells the listed attendees the event is off *for them*: the meeting was
      cancelled, or they no longer present. SEQUENCE must exceed their last REQUEST's, so the
      caller bumps the revision first.
    """
    if method not in ("PUBLISH", "REQUEST", "CANCEL"):
        raise ValueError("An invite's METHOD is PUBLISH, REQUEST or CANCEL")
    if method == "PUBLISH":
        attendees = ()
    elif not attendees:
        raise ValueError(f"A {method} names its attendees")
    return meeting_calendar(
        [meeting],
        items_by_meeting={meeting.pk: items},
        site_url=site_url,
        method=method,
        organizer=organizer,
        attendees=attendees,
        now=now,
    )
