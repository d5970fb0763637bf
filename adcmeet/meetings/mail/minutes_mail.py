"""The minutes, mailed when the convener publishes them.

- To the series' list, once: the general minutes and each item's notes, the decisions and
  information recorded per item (Outcome), the action items grouped by owner with their due
  dates, and the attendance (present, regrets, invitees). Key
  ``minutes:meeting:<id>:<address>``.
- A later publication of changed minutes is a short "minutes corrected" note to the list,
  never a second copy: key ``minutes_correction:meeting:<id>:rev<n>:<address>``.
- Each action's owner gets their own actions. The key carries a digest of what they were
  told (``actions:meeting:<id>:user<id>:<digest>``), so a correction tells only owners whose
  actions changed, and republishing tells nobody twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse

from adcmeet.lib import ical, mail
from adcmeet.meetings.mail import invites, outbox, when
from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Meeting,
    OutboundMail,
    Outcome,
)

Kind = OutboundMail.Kind


def minutes_items(meeting: Meeting) -> list[AgendaItem]:
    return ical.ordered_items(meeting.items.live().select_related("presenter"))


def meeting_actions(meeting: Meeting) -> list[ActionItem]:
    rows = meeting.action_items.select_related("owner", "agenda_item")
    return list(rows.order_by("owner_id", "due", "id"))


def meeting_outcomes(meeting: Meeting) -> list[Outcome]:
    """Decisions and information, in the agenda's order of their items, then as recorded."""
    rows = Outcome.objects.live().filter(meeting=meeting).select_related("agenda_item")
    return sorted(
        rows,
        key=lambda o: (
            (0, AgendaItem.SECTION_ORDER[o.agenda_item.section], o.agenda_item.position)
            if o.agenda_item
            else (1,),
            o.pk,
        ),
    )


def meeting_attendance(meeting: Meeting) -> list[Attendance]:
    return list(meeting.attendance.select_related("user").order_by("invitee", "name", "id"))


def _attendee(row: Attendance) -> str:
    if row.user_id:
        return row.user.display_name
    return f"{row.name} ({row.affiliation})" if row.affiliation else row.name


def attendance_lists(rows: Sequence[Attendance]) -> dict[str, list[str]]:
    """Present members, invitees present, and regrets (members and invitees), by name."""
    present = sorted(_attendee(r) for r in rows if r.status == "present" and not r.invitee)
    invitees = sorted(_attendee(r) for r in rows if r.status == "present" and r.invitee)
    regrets = sorted(_attendee(r) for r in rows if r.status == "regrets")
    return {"present": present, "invitees": invitees, "regrets": regrets}


def _action_row(action: ActionItem) -> dict[str, Any]:
    return {
        "text": action.text,
        "due": f"{action.due:%a %d %b %Y}" if action.due else "",
        "item": action.agenda_item.title if action.agenda_item_id else "",
        "done": action.done,
    }


def action_groups(actions: Sequence[ActionItem]) -> list[dict[str, Any]]:
    """Actions by owner, owners by name, the unowned last."""
    groups: dict[int | None, dict[str, Any]] = {}
    for action in actions:
        owner = action.owner
        group = groups.setdefault(
            action.owner_id,
            {"owner": owner.display_name if owner else "No owner yet", "actions": []},
        )
        group["actions"].append(_action_row(action))
    owned = sorted((g for k, g in groups.items() if k is not None), key=lambda g: g["owner"])
    return owned + ([groups[None]] if None in groups else [])


def content_digest(meeting: Meeting, items, actions) -> str:
    """What the minutes say, as one digest: publishing them unchanged is refused."""
    parts = [meeting.minutes]
    parts += [f"{i.pk}\x1e{i.title}\x1e{i.minutes}" for i in items]
    parts += [f"{a.pk}\x1e{a.text}\x1e{a.owner_id}\x1e{a.due}\x1e{a.done}" for a in actions]
    # Only when there are any: minutes published before outcomes existed keep their digest.
    parts += [f"o{o.pk}\x1e{o.kind}\x1e{o.text}" for o in meeting_outcomes(meeting)]
    parts += [
        f"p{r.pk}\x1e{r.user_id}\x1e{r.name}\x1e{r.affiliation}\x1e{r.status}"
        for r in meeting_attendance(meeting)
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _context(meeting: Meeting, items, actions) -> dict[str, Any]:
    return {
        **when.times(meeting.start, series_zone=meeting.series.time_zone),
        "meeting": meeting,
        "title": meeting.title or meeting.series.name,
        "general": meeting.minutes.strip(),
        "decisions": [
            {"title": i.title, "presenter": i.presenter_display, "minutes": i.minutes.strip()}
            for i in items
            if i.minutes.strip()
        ],
        "groups": action_groups(actions),
        **_outcome_context(meeting),
        "revision": meeting.minutes_revision,
        "minutes_url": settings.SITE_URL + reverse("meeting-minutes", args=[meeting.pk]),
        "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }


def _outcome_context(meeting: Meeting) -> dict[str, Any]:
    outcomes = meeting_outcomes(meeting)

    def rows(kind: str) -> list[dict[str, str]]:
        return [
            {"text": o.text, "item": o.agenda_item.title if o.agenda_item else ""}
            for o in outcomes
            if o.kind == kind
        ]

    attendance = attendance_lists(meeting_attendance(meeting))
    return {
        "outcome_decisions": rows(Outcome.Kind.DECISION),
        "information": rows(Outcome.Kind.INFORMATION),
        "attendance": attendance if any(attendance.values()) else None,
    }


def has_outcomes(meeting: Meeting) -> bool:
    """Decisions, information or attendance recorded: minutes worth publishing."""
    return Outcome.objects.live().filter(meeting=meeting).exists() or meeting.attendance.exists()


def _headers(meeting: Meeting) -> dict[str, str]:
    headers = mail.list_headers(list_id=settings.MAIL_LIST_ID, list_name=meeting.series.name)
    replies = invites.reply_to(meeting.series)
    if replies:
        headers["Reply-To"] = ", ".join(mail.format_address(*p) for p in replies)
    return headers


def minutes_drafts(meeting: Meeting) -> list[outbox.Draft]:
    """The mails of the minutes at `meeting.minutes_revision` (1 = first publication)."""
    items = minutes_items(meeting)
    actions = meeting_actions(meeting)
    context = _context(meeting, items, actions)
    headers = _headers(meeting)
    first = meeting.minutes_revision == 1
    kind = Kind.MINUTES if first else Kind.MINUTES_CORRECTION
    rendered = mail.render("minutes" if first else "minutes_correction", context)
    drafts = []
    for name, addr in invites.list_address(meeting.series):
        key = (
            f"minutes:meeting:{meeting.pk}:{addr.lower()}"
            if first
            else f"minutes_correction:meeting:{meeting.pk}:rev{meeting.minutes_revision}:"
            f"{addr.lower()}"
        )
        drafts.append(
            outbox.Draft(
                key=key,
                kind=kind,
                meeting=meeting,
                recipient=(name, addr),
                rendered=rendered,
                headers=headers,
            )
        )
    drafts += owner_drafts(meeting, actions, context, headers)
    return drafts


def owner_drafts(meeting, actions, context, headers) -> list[outbox.Draft]:
    """Each owner's open actions of this meeting, to them; unchanged ones are not re-sent."""
    by_owner: dict[int, list[ActionItem]] = {}
    for action in actions:
        if action.owner_id and not action.done:
            by_owner.setdefault(action.owner_id, []).append(action)
    drafts = []
    for mine in by_owner.values():
        owner = mine[0].owner
        person = outbox.unique_valid([(owner.display_name, owner.email)] if owner.email else [])
        if not person:
            continue
        rows = [_action_row(a) for a in mine]
        told = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        rendered = mail.render(
            "actions",
            {
                **context,
                **when.times(
                    meeting.start,
                    series_zone=meeting.series.time_zone,
                    reader=getattr(owner, "time_zone", "") or "",
                ),
                "recipient_name": owner.display_name,
                "mine": rows,
                "my_page_url": settings.SITE_URL + reverse("me"),
            },
        )
        drafts.append(
            outbox.Draft(
                key=f"actions:meeting:{meeting.pk}:user{owner.pk}:{told}",
                kind=Kind.ACTIONS,
                meeting=meeting,
                recipient=person[0],
                rendered=rendered,
                headers=headers,
            )
        )
    return drafts


def queue_minutes_mail(meeting: Meeting) -> list[int]:
    """Queue the minutes' mails in the caller's (publishing) transaction."""
    return outbox.queue(minutes_drafts(meeting))
