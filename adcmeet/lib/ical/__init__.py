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
    The one-meeting message for mail: ``PUBLISH`` for a mailing list (no ATTENDEE),
    ``REQUEST`` or ``CANCEL`` for named attendees. `attendees` is a list of
    ``(name, email)``, `organizer` one ``(name, email)`` pair: use a real, answered address
    (`default_organizer()` reads settings.DEFAULT_FROM_EMAIL), never a no-reply one. Send it
    as ``text/calendar; method=<the same METHOD>`` and attach it as well.

``deliverable_events(deliverable, *, site_url) -> list[Event]``
    All-day events for a deliverable's due date (its hard deadline, else the end of its
    period; "Later" has none) and its start-by date; for a personal feed's `extra_events`.

``action_event(action, *, site_url) -> Event``
    An all-day, free event "Action due: …" on an open action item's due date (its `meeting`
    and the meeting's `series` prefetched); for a personal feed's `extra_events`.

``meeting_uid(meeting, site_url)``, ``vtimezone(tzid, first_year, last_year)``,
``agenda_schedule(meeting, items)`` (clock times from `adcmeet.lib.agenda.plan`),
``agenda_text(...)``, ``clean_text(text)``, ``default_organizer()``, ``webcal_url(url)``.
Modules
-------
``values`` (TEXT, addresses, URLs, UTC), ``agenda`` (meeting order, clock times, the
DESCRIPTION text), ``events`` (VEVENTs; the UID, SEQUENCE and STATUS decisions),
``timezones`` (the RRULE-based VTIMEZONE writer), ``calendars`` (feeds and scheduling
messages). Callers use the names re-exported here: ``from adcmeet.lib import ical``.
"""

from adcmeet.lib.ical.agenda import (
    SECTION_ORDER,
    SECTION_TITLES,
    agenda_schedule,
    agenda_text,
    meeting_end,
    meeting_summary,
    ordered_items,
)
from adcmeet.lib.ical.calendars import FEED_REFRESH, PRODID, meeting_calendar, meeting_invite
from adcmeet.lib.ical.events import (
    action_event,
    deliverable_events,
    meeting_event,
    meeting_uid,
)
from adcmeet.lib.ical.timezones import VTIMEZONE_YEARS, vtimezone
from adcmeet.lib.ical.values import UTC, Person, clean_text, default_organizer, webcal_url

__all__ = [
    "FEED_REFRESH",
    "PRODID",
    "SECTION_ORDER",
    "SECTION_TITLES",
    "UTC",
    "VTIMEZONE_YEARS",
    "Person",
    "action_event",
    "agenda_schedule",
    "agenda_text",
    "clean_text",
    "default_organizer",
    "deliverable_events",
    "meeting_calendar",
    "meeting_end",
    "meeting_event",
    "meeting_invite",
    "meeting_summary",
    "meeting_uid",
    "ordered_items",
    "vtimezone",
    "webcal_url",
]
