"""The meeting's own mails: the agenda, the updated agenda and the cancellation (iCalendar
invites), to the series' list and every external invitee presenting.

CONTRACT (used by adcmeet.meetings.actions and the rotation):

    queue_meeting_mail(meeting, kind)  # kind: OutboundMail.Kind.AGENDA / AGENDA_UPDATE /
                                       # CANCELLATION; call inside the publishing transaction.

The content is rendered and frozen in the outbox row when queued; `meeting_context` is also
what the reminders show.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from adcmeet.lib import ical, mail
from adcmeet.meetings.mail import outbox
from adcmeet.meetings.mail.outbox import Person
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail

Kind = OutboundMail.Kind
INVITE_KINDS = {Kind.AGENDA, Kind.AGENDA_UPDATE, Kind.CANCELLATION}


def meeting_audience(meeting: Meeting, items: Sequence[AgendaItem]) -> list[Person]:
    """The series' mailing list and every external invitee presenting, each address once."""
    people: list[Person] = []
    if meeting.series.mailing_list:
        people.append((meeting.series.name, meeting.series.mailing_list))
    for item in items:
        if item.presenter_id and not item.presenter.is_adc_member and item.presenter.email:
            people.append((item.presenter.display_name, item.presenter.email))
        elif not item.presenter_id and item.presenter_email:
            people.append((item.presenter_name, item.presenter_email))
    return outbox.unique_valid(people)


def convener_people(series) -> list[Person]:
    return outbox.unique_valid(
        (user.display_name, user.email)
        for user in series.conveners.order_by("name", "username")
        if user.email
    )


def organizer_for(series) -> Person:
    """A real person answers replies to an invite (a no-reply organizer makes them bounce)."""
    conveners = convener_people(series)
    return conveners[0] if conveners else ical.default_organizer()


def meeting_context(meeting: Meeting, items: Sequence[AgendaItem]) -> dict[str, Any]:
    """What the agenda, update, cancellation and reminder mails show, all times pre-formatted
    in the series' zone (templates would otherwise convert to the site's zone)."""
    local = meeting.local_start
    slots = ical.agenda_schedule(meeting, items)
    sections: list[dict[str, Any]] = []
    for slot in slots:
        if not sections or sections[-1]["key"] != slot.item.section:
            sections.append(
                {
                    "key": slot.item.section,
                    "title": ical.SECTION_TITLES.get(slot.item.section, slot.item.section),
                    "slots": [],
                }
            )
        sections[-1]["slots"].append(
            {
                "time": f"{slot.start:%H:%M}",
                "end": f"{slot.end:%H:%M}",
                "title": slot.item.title,
                "presenter": slot.item.presenter_display,
                "minutes": slot.item.duration_minutes,
            }
        )
    end = slots[-1].end if slots else None
    return {
        "meeting": meeting,
        "series": meeting.series,
        "title": meeting.title or meeting.series.name,
        "when": f"{local:%A %d %B %Y, %H:%M} {local:%Z}",
        "when_short": f"{local:%a %d %b %Y %H:%M}",
        "ends": f"{end:%H:%M}" if end else "",
        "time_zone": meeting.series.time_zone,
        "sections": sections,
        "room": meeting.location or meeting.series.location,
        "video_url": meeting.video_url or meeting.series.video_url,
        "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
        "revision": meeting.revision,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }


def live_items(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.items.live().select_related("presenter"))


def queue_meeting_mail(meeting: Meeting, kind: str, *, now: datetime.datetime | None = None):
    """Queue the agenda (or updated agenda, or cancellation) of `meeting` at its current
    revision to the series' list and the external invitees presenting. Call it inside the
    transaction that publishes or cancels; the content is frozen as it is now. Calling it
    again for the same revision adds nothing. Returns the new rows' ids."""
    return outbox.queue(meeting_mail_drafts(meeting, kind, now=now))


def meeting_mail_drafts(
    meeting: Meeting, kind: str, *, now: datetime.datetime | None = None
) -> list[outbox.Draft]:
    """The rendered mails `queue_meeting_mail` would queue, one per recipient (also what
    `send_agenda_mails --dry-run` lists)."""
    if kind not in INVITE_KINDS:
        raise ValueError(f"{kind!r} is not a meeting mail kind")
    items = live_items(meeting)
    audience = meeting_audience(meeting, items)
    if not audience:
        return []
    if kind == Kind.AGENDA and meeting.revision > 1:
        # People already have an earlier revision of this agenda.
        kind = Kind.AGENDA_UPDATE
    method = "CANCEL" if kind == Kind.CANCELLATION else "REQUEST"
    ics = ical.meeting_invite(
        meeting,
        items,
        method=method,
        attendees=audience,
        organizer=organizer_for(meeting.series),
        site_url=settings.SITE_URL,
        now=now,
    ).decode()
    context = {
        **meeting_context(meeting, items),
        "kind": kind,
        "is_update": kind == Kind.AGENDA_UPDATE,
        "is_cancellation": kind == Kind.CANCELLATION,
    }
    rendered = mail.render("cancellation" if kind == Kind.CANCELLATION else "agenda", context)
    headers = mail.list_headers(list_id=settings.MAIL_LIST_ID, list_name=meeting.series.name)
    reply_to = convener_people(meeting.series)
    if reply_to:
        headers["Reply-To"] = ", ".join(mail.format_address(*p) for p in reply_to)
    # One key family for the agenda and its updates: a second call for the same revision
    # sends nothing, however the caller labelled it.
    family = "cancellation" if kind == Kind.CANCELLATION else "agenda"
    return [
        outbox.Draft(
            key=f"{family}:meeting:{meeting.pk}:rev{meeting.revision}:{addr.lower()}",
            kind=kind,
            meeting=meeting,
            recipient=(name, addr),
            rendered=rendered,
            headers=headers,
            ics=ics,
            ics_method=method,
        )
        for name, addr in audience
    ]
