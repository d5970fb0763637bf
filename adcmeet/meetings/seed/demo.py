"""Demo data on top of the report, so each demo account has something to do on a fresh
`make run` (``load_seed --demo-users``, DEBUG only): the developer owns deliverables (two due
in the current period, one overdue, one that slipped, one done), the demo convener convenes
the series (invites come from a person), and last week's meeting was held, with minutes and
action items.

Nothing here is in the 2011 report: without ``--demo-users`` the seed stays the faithful
report. Every step is guarded by what it leaves behind (an owners change in the history, the
held meeting), so a second run changes nothing, and a step people have undone since is not
redone behind their back.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting, MeetingSeries
from deliverables import actions as roadmap_actions
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap

DEMO_REASON = "Demo data (load_seed --demo-users)"


def current_period(roadmap: Roadmap, today: datetime.date) -> Period:
    """The period `today` falls in; else the next one to start; else the last."""
    periods = list(roadmap.periods.order_by("order"))
    for period in periods:
        if period.start <= today and (period.end is None or today <= period.end):
            return period
    upcoming = [p for p in periods if p.start > today]
    return upcoming[0] if upcoming else periods[-1]


def load_demo(*, roadmap: Roadmap, series: MeetingSeries, today: datetime.date) -> dict[str, int]:
    """Give the demo accounts (made by ensure_demo_users) work; returns what it created."""
    convener = User.objects.get(username="convener")
    developer = User.objects.get(username="developer")
    created: dict[str, int] = {}
    with transaction.atomic():
        # A series someone already gave conveners keeps them. The invites' ORGANIZER is then
        # pinned from the conveners at the first send (meetings.mail.invites.organizer_for).
        if not series.conveners.exists():
            series.conveners.add(convener)
            created["series convener"] = 1
        created["owned deliverable"] = _developer_deliverables(roadmap, developer, today)
        created["held meeting"] = int(_held_meeting(series, roadmap, convener, developer, today))
    return {what: n for what, n in created.items() if n}


def _open_items(period: Period) -> list[Deliverable]:
    return list(period.deliverables.open().order_by("position", "id"))


def _developer_deliverables(roadmap: Roadmap, developer: User, today: datetime.date) -> int:
    if DeliverableChange.objects.filter(
        deliverable__roadmap=roadmap, kind=DeliverableChange.Kind.OWNERS
    ).exists():
        return 0  # owners were set already (by an earlier run, or by people): leave them
    periods = list(roadmap.periods.order_by("order"))
    now = current_period(roadmap, today)
    earlier = [p for p in periods if p.order < now.order]
    later = [p for p in periods if p.order > now.order]
    picks: list[tuple[Deliverable, str]] = [(d, "due") for d in _open_items(now)[:2]]
    if earlier:
        picks += [(d, "overdue") for d in _open_items(earlier[-1])[:1]]
        picks += [(d, "slip") for d in _open_items(earlier[-1])[1:2]]
        if len(earlier) > 1:
            picks += [(d, "done") for d in _open_items(earlier[0])[:1]]
    elif later:
        picks += [(d, "slip") for d in _open_items(now)[2:3]]
    for item, role in picks:
        roadmap_actions.set_owners(item, owners=[developer], by=None, version=item.version)
        if role == "slip":
            target = now if earlier else later[0]
            roadmap_actions.move_to_period(
                item,
                period=target,
                by=developer,
                version=item.version,
                reason="Waiting for the AGIS schema change (demo data)",
                today=today,
            )
        elif role == "done":
            roadmap_actions.set_status(
                item, status="done", by=developer, version=item.version, today=today
            )
    return len(picks)


def _held_meeting(
    series: MeetingSeries,
    roadmap: Roadmap,
    convener: User,
    developer: User,
    today: datetime.date,
) -> bool:
    """Last week's meeting, held, its minutes published, with action items."""
    day = series.next_dates(1, after=today - datetime.timedelta(days=7))[0]
    if day >= today:
        day -= datetime.timedelta(weeks=1)
    if Meeting.objects.filter(series=series, scheduled_for=day).exists():
        return False
    start = series.start_on(day)
    now = timezone.now()
    meeting = Meeting.objects.create(
        series=series,
        scheduled_for=day,
        start=start,
        state=Meeting.State.HELD,
        revision=1,
        announced_revision=1,
        published_at=start - datetime.timedelta(days=2),
        minutes_published_at=min(now, start + datetime.timedelta(hours=3)),
        minutes_revision=1,
        minutes="Attendance: about 20 on Vidyo.\n\nNext week: the open floor first, then "
        "deliverable tracking.",
    )
    owned = roadmap.deliverables.owned_by(developer).order_by("period__order", "position")
    tracked = owned.first()
    items = [
        (
            "focus",
            "PanDA monitoring on the Dashboard infrastructure",
            developer,
            20,
            "Prototype shown; the task monitor view is still missing.",
        ),
        (
            "hot",
            "Oracle 11g validation plan",
            convener,
            10,
            "Validation database requested from CERN IT.",
        ),
        (
            "tracking",
            tracked.title if tracked else "Deliverable tracking",
            developer,
            10,
            "On track for this period.",
        ),
        ("open_floor", "Open floor", None, 10, ""),
    ]
    made = []
    for position, (section, title, presenter, minutes, notes) in enumerate(items):
        made.append(
            AgendaItem.objects.create(
                meeting=meeting,
                section=section,
                position=position,
                title=title,
                presenter=presenter,
                duration_minutes=minutes,
                minutes=notes,
                deliverable=tracked if section == "tracking" else None,
                recurring=section == "open_floor",
            )
        )
    ActionItem.objects.create(
        meeting=meeting,
        agenda_item=made[0],
        text="Circulate the task monitor mock-up before next week",
        owner=developer,
        due=today + datetime.timedelta(days=3),
    )
    ActionItem.objects.create(
        meeting=meeting,
        agenda_item=made[1],
        text="Ask CERN IT for the 11g validation schedule",
        owner=convener,
        due=today + datetime.timedelta(days=10),
    )
    return True
