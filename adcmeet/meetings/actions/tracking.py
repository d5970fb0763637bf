"""Deliverable tracking proposals and copying last week's recurring items."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef

from adcmeet.accounts.models import User
from adcmeet.meetings.actions import rules
from adcmeet.meetings.actions.common import (
    TRACKING_MINUTES,
    AgendaChange,
    AgendaError,
    Section,
    agenda_changed,
    agenda_items,
    by_section,
    check_item,
    claim_meeting,
    ensure_editable,
    previous_meeting,
    renumber,
    running_order,
    snapshot,
)
from adcmeet.meetings.models import (
    AgendaItem,
    Meeting,
)
from deliverables.models import Deliverable, Period, Roadmap


@dataclass
class TrackingProposal:
    deliverable: Deliverable
    reasons: list[str] = field(default_factory=list)
    # The convener took this deliverable's item off this agenda: offered, never ticked again.
    removed_here: bool = False
    # Ticked when the builder shows it (`tick_within_objective`).
    ticked: bool = False

    @property
    def owners(self) -> list[User]:
        return list(self.deliverable.owners.all())


def current_period(roadmap: Roadmap, day: datetime.date) -> Period | None:
    """The bucket `day` falls in; among overlapping ones the narrowest (April before Later)."""
    periods = [
        period
        for period in roadmap.periods.all()
        if period.start <= day and (period.end is None or day <= period.end)
    ]
    bounded = [period for period in periods if period.end is not None]
    if bounded:
        return min(bounded, key=lambda period: period.end - period.start)
    return periods[0] if periods else None


def propose_tracking_items(
    *, meeting: Meeting, roadmap: Roadmap | None = None
) -> list[TrackingProposal]:
    """Deliverables worth tracking at this meeting and why: those that slipped (the period
    ended with the work open, or it was moved to a later period), those whose start-by date
    has passed, and those due in the period the meeting falls in. Items already on the agenda
    are left out. Order: slips first, then start-by passed, then due this period."""
    roadmap = roadmap or Roadmap.objects.current()
    if roadmap is None:
        return []
    day = meeting.local_start.date()
    period = current_period(roadmap, day)
    on_agenda = meeting.items.live().filter(deliverable__isnull=False).values("deliverable_id")
    # An item carried into a newer roadmap is tracked there, through its copy.
    base = (
        Deliverable.objects.open()
        .filter(roadmap=roadmap)
        .without_successor()
        .exclude(pk__in=on_agenda)
    )
    slipped = set(
        base.filter(pk__in=Deliverable.objects.slipped(on=day).values("pk")).values_list(
            "pk", flat=True
        )
    )
    overdue = set(base.overdue(today=day).values_list("pk", flat=True))
    start_by = set(base.start_by_passed(today=day).values_list("pk", flat=True))
    due = set(base.filter(period=period).values_list("pk", flat=True)) if period else set()
    wanted = slipped | overdue | start_by | due
    removed_here = AgendaItem.objects.filter(
        meeting=meeting, deleted_at__isnull=False, deliverable=OuterRef("pk")
    )
    deliverables = (
        Deliverable.objects.filter(pk__in=wanted)
        .annotate(removed_here=Exists(removed_here))
        .select_related("period", "task_force")
        .prefetch_related("owners")
        .order_by("period__order", "position", "id")
    )
    proposals = []
    for deliverable in deliverables:
        reasons = []
        if deliverable.pk in overdue:
            reasons.append(f"slipped: {deliverable.period.label} has ended")
        elif deliverable.pk in slipped:
            reasons.append("slipped: moved to a later period")
        if deliverable.pk in start_by:
            reasons.append(f"start-by date {deliverable.start_by:%d %b} has passed")
        if deliverable.pk in due:
            reasons.append(f"due in {deliverable.period.label}")
        proposals.append(
            TrackingProposal(
                deliverable=deliverable, reasons=reasons, removed_here=deliverable.removed_here
            )
        )

    def urgency(proposal: TrackingProposal) -> int:
        pk = proposal.deliverable.pk
        return 0 if pk in slipped or pk in overdue else 1 if pk in start_by else 2

    proposals.sort(key=urgency)  # stable: keeps the roadmap order within each group
    return proposals


def tick_within_objective(
    proposals: Sequence[TrackingProposal], *, minutes_left: int, minutes_each: int
) -> int:
    """Tick by default, in ranking order, the proposals that fit in the `minutes_left` to the
    series' objective at `minutes_each`: one click on "Add" never plans past the objective
    (an empty agenda with twenty proposals at 5 min each would otherwise plan 100 min). A
    proposal the convener removed from this agenda is never ticked again. The most urgent
    come first, so when time is short the slips are what is ticked. Returns the ticked sum."""
    ticked = 0
    for proposal in proposals:
        proposal.ticked = (
            not proposal.removed_here and minutes_each > 0 and ticked + minutes_each <= minutes_left
        )
        if proposal.ticked:
            ticked += minutes_each
    return ticked


def accept_tracking_items(
    *,
    meeting: Meeting,
    version: int | None,
    by: User | None,
    deliverables: Sequence[Deliverable],
    duration_minutes: int = TRACKING_MINUTES,
) -> AgendaChange:
    """Put the chosen deliverables on the agenda as tracking items, in the order given, each
    presented by its first owner. Ones already on the agenda are skipped."""
    if not deliverables:
        raise AgendaError("Choose at least one deliverable to track.")
    check_item(title="x", duration_minutes=duration_minutes)
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        current = agenda_items(meeting)
        before = snapshot(current)
        sections = by_section(current)
        present = {item.deliverable_id for item in sections[Section.TRACKING]} | {
            item.deliverable_id for item in sections[Section.HOT]
        }
        created = []
        for deliverable in deliverables:
            if deliverable.pk in present:
                continue
            present.add(deliverable.pk)
            owners = list(deliverable.owners.all())
            item = AgendaItem(
                meeting=meeting,
                section=Section.TRACKING,
                title=str(deliverable)[:300],
                duration_minutes=duration_minutes,
                presenter=owners[0] if owners else None,
                deliverable=deliverable,
                # The instance, not its id: the answer shows it without reading it again.
                task_force=deliverable.task_force,
            )
            item._history_user = by
            item.save()
            sections[Section.TRACKING].append(item)
            created.append(item)
        renumber(sections)
        if created:
            agenda_changed(meeting, by)
        rules.hold(meeting, running_order(sections), before=before)
    return AgendaChange(
        meeting=meeting, agenda=running_order(sections), before=before, added=created
    )


def copy_from_last_week(*, meeting: Meeting, version: int | None, by: User | None) -> AgendaChange:
    """Bring the recurring items (open floor, standing hot topics) of the previous meeting
    of the series, unless an item of that title is already in that section."""
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        last = previous_meeting(meeting)
        if last is None:
            raise AgendaError("There is no earlier meeting in this series to copy from.")
        current = agenda_items(meeting)
        before = snapshot(current)
        sections = by_section(current)
        present = {(item.section, item.title.casefold()) for item in current}
        created = []
        sources = (
            last.items.live()
            .filter(recurring=True)
            .in_agenda_order()
            .select_related("presenter", "task_force", "deliverable")
        )
        for source in sources:
            if (source.section, source.title.casefold()) in present:
                continue
            if source.section == Section.FOCUS and sections[Section.FOCUS]:
                continue  # one focus topic a meeting: this week's stays
            item = AgendaItem(
                meeting=meeting,
                section=source.section,
                title=source.title,
                duration_minutes=source.duration_minutes,
                presenter=source.presenter,
                presenter_name=source.presenter_name,
                presenter_email=source.presenter_email,
                presenter_affiliation=source.presenter_affiliation,
                task_force=source.task_force,
                deliverable=source.deliverable,
                notes=source.notes,
                recurring=True,
            )
            item._history_user = by
            item.save()
            sections[item.section].append(item)
            created.append(item)
        if not created:
            raise AgendaError(
                f"Nothing to copy: the meeting of {last.local_start:%d %b} has no recurring "
                "items that are not already on this agenda."
            )
        renumber(sections)
        agenda_changed(meeting, by)
        rules.hold(meeting, running_order(sections), before=before)
    return AgendaChange(
        meeting=meeting, agenda=running_order(sections), before=before, added=created
    )


# --- publishing and scheduling -----------------------------------------------------------
