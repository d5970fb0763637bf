"""Demo data on top of the report, so each demo account has something to do on a fresh
`make run` (``load_seed --demo-users``, DEBUG only): the developer owns deliverables (two due
in the current period, one overdue, one that slipped, one done), the demo convener convenes
the series (invites come from a person), last week's meeting was held (minutes, action
items, decisions, attendance, how long each item ran and one item it did not reach, which the
next builder offers to carry forward), and the developer has reported a status on two of the
items asked about for the next meeting (one on track, one at risk; one left unreported), so the
consent agenda and the manager's health view have something to show.

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
from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingSeries,
    Outcome,
)
from deliverables import actions as roadmap_actions
from deliverables.actions import status as status_actions
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
        created["status report"] = _status_reports(series, roadmap, developer, today)
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
    # (section, title, presenter, planned, minutes it ran or None when not reached, notes)
    items = [
        (
            "focus",
            "PanDA monitoring on the Dashboard infrastructure",
            developer,
            20,
            27,
            "Prototype shown; the task monitor view is still missing.",
        ),
        (
            "hot",
            "Oracle 11g validation plan",
            convener,
            10,
            12,
            "Validation database requested from CERN IT.",
        ),
        ("hot", "Multicore queues at the Tier-1s", developer, 10, None, ""),
        (
            "tracking",
            tracked.title if tracked else "Deliverable tracking",
            developer,
            10,
            8,
            "On track for this period.",
        ),
        ("open_floor", "Open floor", None, 10, 6, ""),
    ]
    made = []
    clock = start
    for position, (section, title, presenter, minutes, ran, notes) in enumerate(items):
        item = AgendaItem(
            meeting=meeting,
            section=section,
            position=position,
            title=title,
            presenter=presenter,
            duration_minutes=minutes,
            minutes=notes,
            deliverable=tracked if section == "tracking" else None,
            recurring=section == "open_floor",
            not_reached=ran is None,
        )
        if ran is not None:
            item.started_at = clock
            clock += datetime.timedelta(minutes=ran)
            item.ended_at, item.actual_seconds = clock, ran * 60
        item.save()
        made.append(item)
    _outcomes(meeting, made, convener, developer)
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


def _outcomes(meeting: Meeting, items: list[AgendaItem], convener: User, developer: User) -> None:
    focus, oracle, _, tracking, _ = items
    decisions = [
        (oracle, Outcome.Kind.DECISION, "Validate Oracle 11g on the integration cluster first."),
        (focus, Outcome.Kind.INFORMATION, "The Dashboard team joins the next PanDA sprint."),
    ]
    if tracking.deliverable_id:
        decisions.append(
            (tracking, Outcome.Kind.DECISION, "Keep it in this period; review again in June.")
        )
    for item, kind, text in decisions:
        Outcome.objects.create(
            meeting=meeting,
            agenda_item=item,
            kind=kind,
            text=text,
            deliverable_id=item.deliverable_id,
            task_force_id=item.task_force_id,
            by=convener,
        )
    for user in (convener, developer):
        Attendance.objects.create(meeting=meeting, user=user)
    manager = User.objects.filter(username="manager").first()
    if manager is not None:
        Attendance.objects.create(meeting=meeting, user=manager, status="regrets")
    Attendance.objects.create(
        meeting=meeting, name="Julia Andreeva", affiliation="CERN IT-ES", invitee=True
    )


def _status_reports(
    series: MeetingSeries, roadmap: Roadmap, developer: User, today: datetime.date
) -> int:
    """The developer asked about their open items for the next meeting and answering for two:
    one on track (passes by consent), one at risk (discussed first), the rest unreported."""
    if DeliverableChange.objects.filter(
        deliverable__roadmap=roadmap, kind=DeliverableChange.Kind.REPORT
    ).exists():
        return 0
    items = list(
        roadmap.deliverables.owned_by(developer).open().order_by("period__order", "position")
    )
    if len(items) < 2:
        return 0
    status_actions.request_status(
        owner=developer, for_date=series.next_dates(1, after=today)[0], deliverables=items
    )
    # A report from two weeks ago gives the health view a trend, not a single point.
    DeliverableChange.objects.create(
        deliverable=items[1],
        kind=DeliverableChange.Kind.REPORT,
        at=timezone.now() - datetime.timedelta(days=14),
        by=developer,
        health=DeliverableChange.Health.ON_TRACK,
        line="Schema agreed with the AGIS team.",
    )
    answers = [
        (
            items[0],
            DeliverableChange.Health.ON_TRACK,
            "Release candidate in testing at two Tier-1s.",
        ),
        (items[1], DeliverableChange.Health.AT_RISK, "Waiting for the AGIS schema change."),
    ]
    for item, health, line in answers:
        status_actions.report_status(deliverable=item, by=developer, health=health, line=line)
    return len(answers) + 1
