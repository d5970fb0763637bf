"""Carry-forward: what earlier meetings of the series left open comes back as proposals on the
next agenda, like deliverable tracking (adcmeet.meetings.actions.tracking).

Two kinds of proposal:
- an item the meeting ran out of time for (`AgendaItem.not_reached`) that no live item
  anywhere takes up yet (`carried_from`): offered with its section, presenter, duration, task
  force and deliverable;
- an open action item (`ActionItem.done` false) of an earlier meeting not yet reviewed on this
  agenda: offered as a short hot topic presented by its owner (`ACTION_MINUTES`), so the room
  hears where it stands. Ticking it done in this meeting's minutes closes the same row.

Ranking: overdue actions first (their due date is before this meeting), then the items not
reached, then the other open actions. What is ticked by default fits in the time left to the
objective: the builder ticks these first, on the minutes the agenda leaves, and the tracking
proposals on what these leave after them (`tick_carried`), so the two lists together never
plan past the objective. One the convener removed from this agenda is offered, never ticked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef

from adcmeet.accounts.models import User
from adcmeet.meetings.actions import rules
from adcmeet.meetings.actions.common import (
    AgendaChange,
    AgendaError,
    Section,
    agenda_changed,
    agenda_items,
    by_section,
    claim_meeting,
    ensure_editable,
    renumber,
    running_order,
    snapshot,
)
from adcmeet.meetings.actions.tracking import tick_within_objective
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting

# An open action is a status check in the room, not a presentation.
ACTION_MINUTES = 3
# An item not reached is proposed from this many of the series' latest meetings: one nobody
# took up in a month has been dropped in all but name (an open action stays open until done).
CARRY_MEETINGS = 4


@dataclass
class CarryProposal:
    """One thing an earlier meeting left open. `key` names it in the builder's form
    ("item-12", "action-7")."""

    key: str
    title: str
    section: str
    duration_minutes: int
    label: str
    source: AgendaItem | None = None
    action: ActionItem | None = None
    overdue: bool = False
    removed_here: bool = False
    ticked: bool = False

    @property
    def consent(self) -> bool:
        """What an earlier meeting left open is discussed: it never passes by consent (what
        `tick_within_objective` leaves unticked for tracking items reported on track)."""
        return False

    @property
    def presenter(self) -> User | None:
        if self.action is not None:
            return self.action.owner
        return self.source.presenter if self.source is not None else None

    @property
    def presenter_display(self) -> str:
        if self.action is not None:
            return self.action.owner.display_name if self.action.owner_id else "no owner"
        return self.source.presenter_display if self.source is not None else ""


def earlier_meetings(meeting: Meeting):
    return Meeting.objects.filter(series=meeting.series_id, start__lt=meeting.start).exclude(
        state=Meeting.State.CANCELLED
    )


def _day(meeting: Meeting) -> str:
    return f"{meeting.local_start.day} {meeting.local_start:%b}"


def action_title(action: ActionItem) -> str:
    return f"Action: {action.text}"[:300]


def propose_carried_items(*, meeting: Meeting) -> list[CarryProposal]:
    """What earlier meetings of the series left open, most pressing first (see the module)."""
    earlier = earlier_meetings(meeting)
    day = meeting.local_start.date()
    carried = AgendaItem.objects.live().filter(carried_from=OuterRef("pk"))
    removed_item = AgendaItem.objects.filter(
        meeting=meeting, deleted_at__isnull=False, carried_from=OuterRef("pk")
    )
    items = (
        AgendaItem.objects.live()
        .filter(
            meeting__in=earlier.order_by("-start").values("pk")[:CARRY_MEETINGS],
            not_reached=True,
        )
        .exclude(Exists(carried))
        .annotate(removed_here=Exists(removed_item))
        .select_related("meeting__series", "presenter", "task_force", "deliverable")
        .order_by("meeting__start", "position", "id")
    )
    reviewed = AgendaItem.objects.live().filter(meeting=meeting, action_item=OuterRef("pk"))
    removed_review = AgendaItem.objects.filter(
        meeting=meeting, deleted_at__isnull=False, action_item=OuterRef("pk")
    )
    open_actions = (
        ActionItem.objects.filter(meeting__in=earlier, done=False)
        .exclude(Exists(reviewed))
        .annotate(removed_here=Exists(removed_review))
        .select_related("meeting__series", "owner")
        .order_by(F("due").asc(nulls_last=True), "meeting__start", "id")
    )
    overdue, others = [], []
    for action in open_actions:
        late = action.due is not None and action.due < day
        owner = action.owner.display_name if action.owner_id else "no owner"
        due = f"due {action.due.day} {action.due:%b}" if action.due else "no due date"
        proposal = CarryProposal(
            key=f"action-{action.pk}",
            title=action_title(action),
            section=Section.HOT,
            duration_minutes=ACTION_MINUTES,
            label=f"action from {_day(action.meeting)}, owner {owner}, {due}",
            action=action,
            overdue=late,
            removed_here=action.removed_here,
        )
        (overdue if late else others).append(proposal)
    not_reached = [
        CarryProposal(
            key=f"item-{item.pk}",
            title=item.title,
            section=item.section,
            duration_minutes=item.duration_minutes,
            label=f"carried from {_day(item.meeting)}",
            source=item,
            removed_here=item.removed_here,
        )
        for item in items
    ]
    return overdue + not_reached + others


def tick_carried(proposals: Sequence[CarryProposal], *, minutes_left: int) -> int:
    """Tick, in ranking order, the proposals that fit in `minutes_left` (the time the agenda
    leaves to the objective), each at its own duration; returns the minutes ticked, which the
    tracking proposals then do without. A long item that does not fit leaves room for a shorter
    one after it."""
    ticked = 0
    for proposal in proposals:
        ticked += tick_within_objective(
            [proposal], minutes_left=minutes_left - ticked, minutes_each=proposal.duration_minutes
        )
    return ticked


def accept_carried_items(
    *,
    meeting: Meeting,
    version: int | None,
    by: User | None,
    carried: Sequence[AgendaItem | ActionItem],
) -> AgendaChange:
    """Put the chosen items of earlier meetings (not reached there) and open actions on this
    agenda, in the order given (the proposals' ranking). An item some live item already
    carries, or an action already reviewed on this agenda, is skipped: accepting twice adds
    nothing twice. A carried focus topic joins the hot topics when this meeting has its own."""
    items = [source for source in carried if isinstance(source, AgendaItem)]
    action_items = [source for source in carried if isinstance(source, ActionItem)]
    if not carried:
        raise AgendaError("Choose at least one carried item or action to add.")
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        earlier = set(earlier_meetings(meeting).values_list("pk", flat=True))
        if any(item.meeting_id not in earlier or not item.not_reached for item in items) or any(
            action.meeting_id not in earlier or action.done for action in action_items
        ):
            raise AgendaError(
                "Only items an earlier meeting of this series did not reach, and its open "
                "actions, can be carried to this agenda."
            )
        current = agenda_items(meeting)
        before = snapshot(current)
        sections = by_section(current)
        # Two agendas taking up one item at once: the later waits on this lock, then sees the
        # item taken by the first (a fresh statement reads what committed meanwhile).
        locked = AgendaItem.objects.select_for_update().filter(pk__in=[item.pk for item in items])
        list(locked.values_list("pk", flat=True))
        taken = set(
            AgendaItem.objects.live()
            .filter(carried_from__in=[item.pk for item in items])
            .values_list("carried_from_id", flat=True)
        )
        reviewed = {item.action_item_id for item in current if item.action_item_id}
        created = []
        for source in carried:
            item = _carry(meeting, source, sections, taken=taken, reviewed=reviewed)
            if item is None:
                continue
            item._history_user = by
            item.save()
            sections[item.section].append(item)
            created.append(item)
        renumber(sections)
        if created:
            agenda_changed(meeting, by)
        rules.hold(meeting, running_order(sections), before=before)
    return AgendaChange(
        meeting=meeting, agenda=running_order(sections), before=before, added=created
    )


def _carry(
    meeting: Meeting, source, sections: dict, *, taken: set[int], reviewed: set[int]
) -> AgendaItem | None:
    """The new item taking up `source` (an item not reached, or an open action), unsaved;
    None if it is taken up already (`taken`, `reviewed` are updated)."""
    if isinstance(source, ActionItem):
        if source.pk in reviewed:
            return None
        reviewed.add(source.pk)
        return AgendaItem(
            meeting=meeting,
            section=Section.HOT,
            title=action_title(source),
            duration_minutes=ACTION_MINUTES,
            presenter=source.owner,
            action_item=source,
        )
    if source.pk in taken:
        return None
    taken.add(source.pk)
    section = source.section
    if section == Section.FOCUS and sections[Section.FOCUS]:
        section = Section.HOT  # one focus topic a meeting: this week's stays
    return AgendaItem(
        meeting=meeting,
        section=section,
        title=source.title,
        duration_minutes=source.duration_minutes,
        presenter=source.presenter,
        presenter_name=source.presenter_name,
        presenter_email=source.presenter_email,
        presenter_affiliation=source.presenter_affiliation,
        task_force=source.task_force,
        outline_item=source.outline_item,
        deliverable=source.deliverable,
        notes=source.notes,
        carried_from=source,
    )
