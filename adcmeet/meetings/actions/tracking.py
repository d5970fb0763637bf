"""Deliverable tracking proposals and copying last week's recurring items."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

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
from adcmeet.meetings.actions.status_reports import reports_in_window, reports_since
from adcmeet.meetings.models import (
    AgendaItem,
    Meeting,
)
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap

Health = DeliverableChange.Health
# Reported so, an item passes by consent: listed in one line, no airtime unless ticked.
CONSENT = frozenset({Health.ON_TRACK, Health.DONE})
# Proposed for discussion in this order: what its owner flags first, then what nobody
# reported on (silence is not consent), then what passes by consent.
HEALTH_ORDER = {Health.OFF_TRACK: 0, Health.AT_RISK: 1, "": 2, Health.ON_TRACK: 3, Health.DONE: 3}


@dataclass
class TrackingProposal:
    deliverable: Deliverable
    reasons: list[str] = field(default_factory=list)
    # The convener took this deliverable's item off this agenda: offered, never ticked again.
    removed_here: bool = False
    # Ticked when the builder shows it (`tick_within_objective`).
    ticked: bool = False
    # 0 slipped, 1 start-by passed, 2 due this period.
    urgency: int = 2
    # The owner's newest report since the last meeting (`reports_since`), if any.
    report: DeliverableChange | None = None

    @property
    def owners(self) -> list[User]:
        return list(self.deliverable.owners.all())

    @property
    def health(self) -> str:
        return self.report.health if self.report else ""

    @property
    def health_label(self) -> str:
        return self.report.get_health_display() if self.report else "not reported"

    @property
    def line(self) -> str:
        return self.report.line if self.report else ""

    @property
    def consent(self) -> bool:
        """Reported on track or done: passes by consent unless the convener ticks it."""
        return self.health in CONSENT


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


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


# A condition no row meets that still runs its query (an empty `pk__in` would skip it).
NEVER = Q(pk__isnull=True)


def tracking_conditions(day: datetime.date, period: Period | None) -> dict[str, Q]:
    """Why a deliverable is worth tracking at a meeting on `day` (`period` the one it falls
    in): slipped, overdue, start-by passed, due. One definition for `tracking_candidates` and
    for who is asked for a status (mail.asked)."""
    is_open = ~Q(status__in=Deliverable.CLOSED_STATUSES)
    return {
        "slipped": is_open & Q(pk__in=Deliverable.objects.slipped(on=day).values("pk")),
        "overdue": is_open & Q(period__end__lt=day),
        "start_by": is_open & Q(start_by__lte=day),
        "due": is_open & Q(period=period) if period else NEVER,
    }


def tracking_candidates(
    *,
    meeting: Meeting,
    roadmap: Roadmap | None = None,
    exclude_agenda: bool = True,
    reported_done: tuple[datetime.datetime, datetime.datetime] | None = None,
    with_owners: bool = True,
) -> list[TrackingProposal]:
    """Deliverables worth tracking at this meeting and why, in urgency order, without their
    reports: what `propose_tracking_items` ranks, and what the status request asks owners
    about (there with the ones already on the agenda: their status line is shown too).

    `reported_done` (since, until): also the deliverables reported done in that window (a
    report of done closes the item, so the open ones no longer hold it), last, to pass by
    consent. One query for the lot, one for their owners (`with_owners`: the consent agenda
    shows none, and the meeting page's cache then need not watch them)."""
    roadmap = roadmap or Roadmap.objects.current()
    if roadmap is None:
        return []
    day = meeting.local_start.date()
    period = current_period(roadmap, day)
    # An item carried into a newer roadmap is tracked there, through its copy.
    base = Deliverable.objects.live().filter(roadmap=roadmap).without_successor()
    if exclude_agenda:
        on_agenda = meeting.items.live().filter(deliverable__isnull=False)
        base = base.exclude(pk__in=on_agenda.values("deliverable_id"))
    conditions = tracking_conditions(day, period)
    slipped, overdue = conditions["slipped"], conditions["overdue"]
    start_by, due = conditions["start_by"], conditions["due"]
    done = NEVER
    if reported_done is not None:
        since, until = reported_done
        done_reports = DeliverableChange.objects.filter(
            kind=DeliverableChange.Kind.REPORT, health=Health.DONE, at__gte=since, at__lt=until
        )
        done = Q(status=Deliverable.Status.DONE) & Q(pk__in=done_reports.values("deliverable_id"))
    removed_here = AgendaItem.objects.filter(
        meeting=meeting, deleted_at__isnull=False, deliverable=OuterRef("pk")
    )
    deliverables = (
        base.filter(slipped | overdue | start_by | due | done)
        .annotate(
            removed_here=Exists(removed_here),
            is_slipped=_flag(slipped),
            is_overdue=_flag(overdue),
            is_start_by=_flag(start_by),
            is_due=_flag(due),
        )
        .select_related("period", "task_force")
        .order_by("period__order", "position", "id")
    )
    if with_owners:
        deliverables = deliverables.prefetch_related("owners")
    proposals = []
    for deliverable in deliverables:
        reasons = []
        if deliverable.is_overdue:
            reasons.append(f"slipped: {deliverable.period.label} has ended")
        elif deliverable.is_slipped:
            reasons.append("slipped: moved to a later period")
        if deliverable.is_start_by:
            reasons.append(f"start-by date {deliverable.start_by:%d %b} has passed")
        if deliverable.is_due:
            reasons.append(f"due in {deliverable.period.label}")
        if deliverable.is_slipped or deliverable.is_overdue:
            urgency = 0
        elif deliverable.is_start_by:
            urgency = 1
        elif deliverable.is_due:
            urgency = 2
        else:
            urgency, reasons = 3, ["reported done"]
        proposals.append(
            TrackingProposal(
                deliverable=deliverable,
                reasons=reasons,
                removed_here=deliverable.removed_here,
                urgency=urgency,
            )
        )
    proposals.sort(key=lambda proposal: proposal.urgency)  # stable: keeps the roadmap order
    return proposals


def _ranked(
    meeting: Meeting, roadmap: Roadmap | None, *, also: Sequence[int] = (), with_owners: bool = True
) -> tuple[list[TrackingProposal], dict[int, DeliverableChange]]:
    """The proposals with their reports, ranked; and the reports of the deliverables `also`
    names (the agenda's own), read in the same query."""
    window = (reports_since(meeting), meeting.start)
    proposals = tracking_candidates(
        meeting=meeting, roadmap=roadmap, reported_done=window, with_owners=with_owners
    )
    wanted = [proposal.deliverable.pk for proposal in proposals] + list(also)
    reports = reports_in_window(wanted, *window)
    for proposal in proposals:
        proposal.report = reports.get(proposal.deliverable.pk)
    proposals.sort(key=lambda p: (HEALTH_ORDER[p.health], p.urgency))  # stable
    return proposals, reports


def propose_tracking_items(
    *, meeting: Meeting, roadmap: Roadmap | None = None
) -> list[TrackingProposal]:
    """Deliverables worth tracking at this meeting and why: those that slipped (the period
    ended with the work open, or it was moved to a later period), those whose start-by date
    has passed, and those due in the period the meeting falls in. Items already on the agenda
    are left out.

    Each carries its owner's newest report since the previous meeting (`reports_since`).
    Order: reported off track, at risk, then not reported, and within each slips first, then
    start-by passed, then due this period; last the ones reported on track or done, which
    pass by consent (`consent`), with the deliverables reported done since (closed by it)."""
    return _ranked(meeting, roadmap)[0]


def tick_within_objective(
    proposals: Sequence[TrackingProposal], *, minutes_left: int, minutes_each: int
) -> int:
    """Tick by default, in ranking order, the proposals that fit in the `minutes_left` to the
    series' objective at `minutes_each`: one click on "Add" never plans past the objective
    (an empty agenda with twenty proposals at 5 min each would otherwise plan 100 min). A
    proposal the convener removed from this agenda is never ticked again. The most urgent
    come first, so when time is short the slips are what is ticked. A proposal reported on
    track or done passes by consent: never ticked by default either (the convener may tick it
    to discuss it all the same). Returns the ticked sum."""
    ticked = 0
    for proposal in proposals:
        proposal.ticked = (
            not proposal.removed_here
            and not proposal.consent
            and minutes_each > 0
            and ticked + minutes_each <= minutes_left
        )
        if proposal.ticked:
            ticked += minutes_each
    return ticked


@dataclass
class ConsentAgenda:
    """What the agenda mail and the meeting page add to the agenda: the items passed by
    consent (reported on track or done, not on the agenda) and the status line of each
    deliverable the agenda tracks, by deliverable id."""

    passed: list[TrackingProposal]
    reports: dict[int, DeliverableChange]

    def __bool__(self) -> bool:
        return bool(self.passed or self.reports)

    def status_of(self, deliverable_id: int | None) -> str:
        """The owner's report as the agenda shows it: "At risk: waiting for the new pilot"."""
        report = self.reports.get(deliverable_id) if deliverable_id else None
        if report is None:
            return ""
        label = report.get_health_display()
        return f"{label}: {report.line}" if report.line else label


def consent_agenda(meeting: Meeting, items: Sequence[AgendaItem]) -> ConsentAgenda:
    """Computed when shown, from the reports as they stand: a late report still counts until
    the meeting, and the convener's ticking a consent item onto the agenda moves it there."""
    tracked = [item.deliverable_id for item in items if item.deliverable_id]
    proposals, reports = _ranked(meeting, None, also=tracked, with_owners=False)
    return ConsentAgenda(
        passed=[proposal for proposal in proposals if proposal.consent],
        reports={pk: reports[pk] for pk in tracked if pk in reports},
    )


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
