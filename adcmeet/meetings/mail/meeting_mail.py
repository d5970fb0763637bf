"""The meeting's own mails: the agenda, the updated agenda and the cancellation, as iCalendar
scheduling messages — PUBLISH to the series' list, REQUEST or CANCEL to each named attendee
(`invites` says who and why).

CONTRACT (used by adcmeet.meetings.actions and the rotation):

    queue_meeting_mail(meeting, kind, moved_from=None)
        # kind: OutboundMail.Kind.AGENDA / AGENDA_UPDATE / CANCELLATION; call it inside the
        # transaction that publishes, updates, moves or cancels. `moved_from` (the old start)
        # makes the update say "Moved from … to …".

The content is rendered and frozen in the outbox rows when queued; `meeting_context` is also
what the reminders show.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from adcmeet.lib import ical, mail
from adcmeet.meetings.actions.tracking import ConsentAgenda, consent_agenda
from adcmeet.meetings.mail import invites, outbox, when
from adcmeet.meetings.mail.invites import Attendee, convener_people, organizer_for
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail

Kind = OutboundMail.Kind
INVITE_KINDS = {Kind.AGENDA, Kind.AGENDA_UPDATE, Kind.CANCELLATION}

__all__ = ["convener_people", "meeting_context", "organizer_for", "queue_meeting_mail"]


def meeting_context(
    meeting: Meeting,
    items: Sequence[AgendaItem],
    *,
    reader_zone: str = "",
    moved_from: datetime.datetime | None = None,
    consent: ConsentAgenda | None = None,
) -> dict[str, Any]:
    """What the agenda, update, cancellation and reminder mails show, all times pre-formatted
    (the series' zone, UTC, and the reader's zone when given; see `when`), with the owners'
    status lines beside the tracking items and what passes by consent (`consent`, computed
    here when not given)."""
    slots = ical.agenda_schedule(meeting, items)
    consent = consent_agenda(meeting, items) if consent is None else consent
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
                "status": consent.status_of(slot.item.deliverable_id),
            }
        )
    end = slots[-1].end if slots else None
    return {
        **when.times(
            meeting.start,
            series_zone=meeting.series.time_zone,
            reader=reader_zone,
            moved_from=moved_from,
        ),
        "meeting": meeting,
        "series": meeting.series,
        "title": meeting.title or meeting.series.name,
        "ends": f"{end:%H:%M}" if end else "",
        "time_zone": meeting.series.time_zone,
        "sections": sections,
        "consent": [
            {"title": str(p.deliverable), "health": p.health_label.lower(), "line": p.line}
            for p in consent.passed
        ],
        "room": meeting.location or meeting.series.location,
        "video_url": meeting.video_url or meeting.series.video_url,
        "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
        "revision": meeting.revision,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }


def live_items(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.items.live().select_related("presenter"))


def queue_meeting_mail(
    meeting: Meeting,
    kind: str,
    *,
    now: datetime.datetime | None = None,
    moved_from: datetime.datetime | None = None,
):
    """Queue the agenda (or updated agenda, or cancellation) of `meeting` at its current
    revision: PUBLISH to the list, REQUEST or CANCEL to each attendee, CANCEL to whoever no
    longer presents. Call it inside the transaction that causes it; the content is frozen as
    it is now. Calling it again for the same revision adds nothing. Returns new rows' ids."""
    return outbox.queue(meeting_mail_drafts(meeting, kind, now=now, moved_from=moved_from))


class _Sender:
    """Renders and stamps the drafts of one meeting at one revision."""

    def __init__(self, meeting, kind, items, *, now, moved_from):
        self.meeting, self.kind, self.items = meeting, kind, items
        self.now, self.moved_from = now, moved_from
        # Read once for every recipient's copy.
        self.consent = consent_agenda(meeting, items)
        self.organizer = organizer_for(meeting.series)
        self.headers = mail.list_headers(
            list_id=settings.MAIL_LIST_ID, list_name=meeting.series.name
        )
        replies = invites.reply_to(meeting.series)
        if replies:
            self.headers["Reply-To"] = ", ".join(mail.format_address(*p) for p in replies)

    def draft(
        self,
        *,
        to: outbox.Person,
        method: str,
        template: str,
        kind: str,
        family: str,
        attendee: Attendee | None = None,
        extra: dict[str, Any] | None = None,
    ) -> outbox.Draft:
        meeting = self.meeting
        ics = ical.meeting_invite(
            meeting,
            self.items,
            method=method,
            attendees=[attendee.person] if attendee else [],
            organizer=self.organizer,
            site_url=settings.SITE_URL,
            now=self.now,
        ).decode()
        context = {
            **meeting_context(
                meeting,
                self.items,
                reader_zone=attendee.time_zone if attendee else "",
                moved_from=self.moved_from,
                consent=self.consent,
            ),
            "kind": kind,
            "is_update": kind == Kind.AGENDA_UPDATE,
            "is_cancellation": kind == Kind.CANCELLATION,
            "recipient_name": attendee.name if attendee else "",
            "my_items": attendee.items if attendee else [],
            "organizer_name": self.organizer[0],
            **(extra or {}),
        }
        return outbox.Draft(
            key=f"{family}:meeting:{meeting.pk}:rev{meeting.revision}:{to[1].lower()}",
            kind=kind,
            meeting=meeting,
            recipient=to,
            rendered=mail.render(template, context),
            headers=dict(self.headers),
            ics=ics,
            ics_method=method,
        )


def meeting_mail_drafts(
    meeting: Meeting,
    kind: str,
    *,
    now: datetime.datetime | None = None,
    moved_from: datetime.datetime | None = None,
) -> list[outbox.Draft]:
    """The rendered mails `queue_meeting_mail` would queue, one per recipient (also what
    `send_agenda_mails --dry-run` lists)."""
    if kind not in INVITE_KINDS:
        raise ValueError(f"{kind!r} is not a meeting mail kind")
    items = live_items(meeting)
    if kind == Kind.AGENDA and meeting.revision > 1:
        # People already have an earlier revision of this agenda.
        kind = Kind.AGENDA_UPDATE
    cancelled = kind == Kind.CANCELLATION
    current = invites.attendees(meeting, items)
    gone = invites.uninvited(meeting, current)
    the_list = invites.list_address(meeting.series)
    if not (the_list or current or gone):
        return []
    send = _Sender(meeting, kind, items, now=now, moved_from=moved_from)
    # One key family for the agenda and its updates (a second call for the same revision
    # sends nothing, however the caller labelled it), another for every CANCEL.
    family = "cancellation" if cancelled else "agenda"
    template = "cancellation" if cancelled else "agenda"
    drafts = [
        send.draft(to=person, method="PUBLISH", template=template, kind=kind, family=family)
        for person in the_list
    ]
    for attendee in current:
        drafts.append(
            send.draft(
                to=attendee.person,
                method="CANCEL" if cancelled else "REQUEST",
                template=template,
                kind=kind,
                family=family,
                attendee=attendee,
            )
        )
    for attendee in gone:
        # Cancelled: they are told like everyone else. Otherwise the meeting goes ahead
        # without them, and the CANCEL names only them.
        drafts.append(
            send.draft(
                to=attendee.person,
                method="CANCEL",
                template="cancellation" if cancelled else "uninvited",
                kind=Kind.CANCELLATION,
                family="cancellation",
                attendee=attendee,
            )
        )
    return drafts
