"""Building the agenda: add, edit, remove, restore and move items.

Each returns an `AgendaChange`: what changed, the agenda as the change left it and before."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.meetings.actions import rules
from adcmeet.meetings.actions.common import (
    MOVABLE_SECTIONS,
    AgendaChange,
    AgendaError,
    ItemChanged,
    Section,
    agenda_changed,
    agenda_items,
    by_section,
    check_item,
    check_presenter,
    claim_item,
    claim_meeting,
    ensure_editable,
    lock_meeting,
    refresh_last_focus,
    renumber,
    running_order,
    snapshot,
    touch_meeting,
)
from adcmeet.meetings.mail.uninvited import queue_uninvited
from adcmeet.meetings.models import (
    AgendaItem,
    Meeting,
)
from deliverables.models import Deliverable
from taskforces.models import OutlineItem, TaskForce


def add_item(
    *,
    meeting: Meeting,
    version: int,
    by: User | None,
    section: str,
    title: str,
    duration_minutes: int,
    presenter: User | None = None,
    presenter_name: str = "",
    presenter_email: str = "",
    presenter_affiliation: str = "",
    task_force: TaskForce | None = None,
    outline_item: OutlineItem | None = None,
    deliverable: Deliverable | None = None,
    notes: str = "",
    recurring: bool = False,
) -> AgendaChange:
    """Add an item at the end of its section."""
    if section not in Section.values:
        raise AgendaError("Unknown agenda section.")
    check_item(title=title, duration_minutes=duration_minutes)
    check_presenter(presenter, presenter_name, presenter_email)
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        current = agenda_items(meeting)
        before = snapshot(current)
        if section == Section.FOCUS:
            rules.ensure_room_for_focus(current)
        sections = by_section(current)
        item = AgendaItem(
            meeting=meeting,
            section=section,
            title=title.strip(),
            duration_minutes=duration_minutes,
            presenter=presenter,
            presenter_name=presenter_name.strip(),
            presenter_email=presenter_email.strip(),
            presenter_affiliation=presenter_affiliation.strip(),
            task_force=task_force,
            outline_item=outline_item,
            deliverable=deliverable,
            notes=notes,
            recurring=recurring,
            position=sum(len(items) for items in sections.values()),
        )
        item._history_user = by
        item.save()
        sections[section].append(item)
        renumber(sections)
        agenda_changed(meeting, by)
        rules.hold(meeting, running_order(sections), before=before)
        if section == Section.FOCUS:
            refresh_last_focus([item.task_force_id])
    return AgendaChange(
        meeting=meeting, agenda=running_order(sections), before=before, added=[item]
    )


ITEM_FIELDS = (
    "title",
    "duration_minutes",
    "presenter",
    "presenter_name",
    "presenter_email",
    "presenter_affiliation",
    "task_force",
    "outline_item",
    "deliverable",
    "notes",
    "recurring",
)


def update_item(
    *, item: AgendaItem, version: int | None, by: User | None, **changes
) -> AgendaChange:
    """Change an item's own fields (not its place: see `move_item`), based on the item's
    `version`: edits of other items, or of the agenda's order, are no conflict."""
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"update_item() cannot change {', '.join(sorted(unknown))}")
    with transaction.atomic():
        # The meeting's row first, as every agenda change takes it: no deadlock with a move.
        meeting = lock_meeting(item.meeting_id)
        ensure_editable(meeting)
        claimed = claim_item(item, version)
        current = agenda_items(meeting)
        before = snapshot(current)
        # The agenda's copy, fresh after the claim, has its presenter and topics loaded.
        item = next((other for other in current if other.pk == claimed.pk), None)
        if item is None:
            raise ItemChanged(claimed)
        old_task_force = item.task_force_id
        old_presenter = _presenter_of(item)
        for name, value in changes.items():
            if isinstance(value, str):
                value = value.strip() if name != "notes" else value
            setattr(item, name, value)
        check_item(title=item.title, duration_minutes=item.duration_minutes)
        check_presenter(item.presenter, item.presenter_name, item.presenter_email)
        item._history_user = by
        item.save()
        touch_meeting(meeting, by)
        rules.hold(meeting, current, before=before)
        if old_presenter and _presenter_of(item) != old_presenter:
            queue_uninvited(meeting, current)
        if item.section == Section.FOCUS:
            refresh_last_focus([old_task_force, item.task_force_id])
    return AgendaChange(meeting=meeting, agenda=current, before=before, edited=[item])


def _presenter_of(item: AgendaItem) -> str:
    """Who an item's invite goes to ("" for nobody); when it changes on a published agenda,
    the one it went to may be owed a CANCEL at once (`mail.uninvited`)."""
    if item.presenter_id:
        return f"user:{item.presenter_id}"
    return f"mail:{item.presenter_email.strip().lower()}" if item.presenter_email else ""


def remove_item(*, item: AgendaItem, version: int | None, by: User | None) -> AgendaChange:
    """Soft delete: the item leaves the agenda and can be restored (`restore_item`)."""
    return remove_items(meeting=item.meeting, item_ids=[item.pk], version=version, by=by)


def remove_items(
    *, meeting: Meeting, item_ids: Sequence[int], version: int | None, by: User | None
) -> AgendaChange:
    """Soft delete several items at once (the builder's "Remove selected"), one change of the
    agenda: one claim of its version, one undo (`restore_items`). Items removed already (a
    second click) are reported as removed and change nothing."""
    wanted = set(item_ids)
    if not wanted:
        raise AgendaError("Nothing was removed: tick the items to remove.")
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        current = agenda_items(meeting)
        before = snapshot(current)
        live = [item for item in current if item.pk in wanted]
        if not live:
            gone = list(
                AgendaItem.objects.filter(
                    meeting=meeting, pk__in=wanted, deleted_at__isnull=False
                ).order_by("section", "position")
            )
            if not gone:
                raise AgendaError("Nothing was removed: those items are not on this agenda.")
            return AgendaChange(meeting=meeting, agenda=current, before=before, removed=gone)
        now = timezone.now()
        for item in live:
            item.deleted_at = now
            item._history_user = by
            item.save(update_fields=["deleted_at"])
            current.remove(item)
        renumber(by_section(current))
        agenda_changed(meeting, by)
        rules.hold(meeting, current, before=before)
        if any(_presenter_of(item) for item in live):
            queue_uninvited(meeting, current)
        focus = [item.task_force_id for item in live if item.section == Section.FOCUS]
        if focus:
            refresh_last_focus(focus)
    return AgendaChange(meeting=meeting, agenda=current, before=before, removed=live)


def restore_item(*, item: AgendaItem, version: int | None, by: User | None) -> AgendaChange:
    """Undo a removal: the item goes back where it was, as near as the agenda now allows."""
    return restore_items(meeting=item.meeting, item_ids=[item.pk], version=version, by=by)


def restore_items(
    *, meeting: Meeting, item_ids: Sequence[int], version: int | None, by: User | None
) -> AgendaChange:
    """Undo a removal of one item or several: each goes back where it was, as near as the
    agenda now allows. Items live already (a second click) change nothing."""
    wanted = set(item_ids)
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        current = agenda_items(meeting)
        before = snapshot(current)
        live = [other for other in current if other.pk in wanted]
        if live and len(live) == len(wanted):  # restored already (a second click)
            return AgendaChange(meeting=meeting, agenda=current, before=before, restored=live)
        items = list(
            AgendaItem.objects.select_related(
                "presenter", "task_force", "outline_item", "deliverable"
            )
            .filter(pk__in=wanted, meeting=meeting, deleted_at__isnull=False)
            .order_by("position", "id")
        )
        if not items:
            raise AgendaError("Nothing was restored: those items are not in the removed list.")
        for item in items:
            if item.section == Section.FOCUS:
                rules.ensure_room_for_focus(current)
            item.deleted_at = None
            item._history_user = by
            item.save(update_fields=["deleted_at"])
            current.append(item)
        # Their old positions still say where they stood; on a tie a restored item goes
        # before the item that moved up into its place.
        restored = {item.pk for item in items}
        ordered = sorted(
            current,
            key=lambda other: (
                AgendaItem.SECTION_ORDER[other.section],
                other.position,
                0 if other.pk in restored else 1,
            ),
        )
        sections = by_section(ordered)
        renumber(sections)
        agenda_changed(meeting, by)
        rules.hold(meeting, running_order(sections), before=before)
        focus = [item.task_force_id for item in items if item.section == Section.FOCUS]
        if focus:
            refresh_last_focus(focus)
    return AgendaChange(
        meeting=meeting, agenda=running_order(sections), before=before, restored=items
    )


def _target_for_direction(
    sections: dict[str, list[AgendaItem]], item: AgendaItem, direction: str
) -> tuple[str, int]:
    """Where one step up or down leads: within the section, or across the hot/tracking
    boundary (the last hot topic steps down into tracking, the first tracking item up into
    the hot topics)."""
    current = sections[item.section]
    index = next(i for i, other in enumerate(current) if other.pk == item.pk)
    if direction == "up":
        if index > 0:
            return item.section, index - 1
        if item.section == Section.TRACKING:
            return Section.HOT, len(sections[Section.HOT])
        return item.section, index
    if direction == "down":
        if index < len(current) - 1:
            return item.section, index + 1
        if item.section == Section.HOT:
            return Section.TRACKING, 0
        return item.section, index
    raise AgendaError("Move an item up or down.")


def move_item(
    *,
    item: AgendaItem,
    version: int | None,
    by: User | None,
    direction: str | None = None,
    section: str | None = None,
    index: int | None = None,
) -> AgendaChange:
    """Move one step (`direction` "up"/"down", the keyboard way) or to `index` within
    `section` (drag and drop). Hot topics and tracking items move freely within and across
    their two sections; the focus topic stays first and the open floor last."""
    with transaction.atomic():
        meeting = claim_meeting(item.meeting, version)
        ensure_editable(meeting)
        items = agenda_items(meeting)
        item = next((other for other in items if other.pk == item.pk), None)
        if item is None:
            raise AgendaError("That item was removed from the agenda in the meantime.")
        earlier = snapshot(items)
        sections = by_section(items)
        if direction is not None:
            target_section, target_index = _target_for_direction(sections, item, direction)
        else:
            target_section = section or item.section
            target_index = len(sections[target_section]) if index is None else index
        if target_section not in Section.values:
            raise AgendaError("Unknown agenda section.")
        if target_section != item.section and not (
            item.section in MOVABLE_SECTIONS and target_section in MOVABLE_SECTIONS
        ):
            if Section.FOCUS in (item.section, target_section):
                raise AgendaError("The focus topic always opens the meeting; it cannot move.")
            raise AgendaError("The open floor always closes the meeting; it cannot move.")
        before = [other.pk for other in items]
        crossed = item.section != target_section
        sections[item.section].remove(item)
        destination = sections[target_section]
        destination.insert(max(0, min(target_index, len(destination))), item)
        if crossed:
            item.section = target_section
            item._history_user = by
            item.save(update_fields=["section"])
        renumber(sections)
        after = [other.pk for section_items in sections.values() for other in section_items]
        # The last hot topic stepping into tracking keeps its place in the running order,
        # yet the agenda changed.
        if before != after or crossed:
            agenda_changed(meeting, by)
        rules.hold(meeting, running_order(sections), before=earlier)
    return AgendaChange(
        meeting=meeting, agenda=running_order(sections), before=earlier, moved=[item]
    )


# --- proposals and copies ----------------------------------------------------------------
