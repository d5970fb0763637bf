"""What every agenda workflow shares: the errors, the version claims, the agenda in running
order and its renumbering, what a change returns (`AgendaChange`), the item checks.

Concurrency goes through adcmeet.core.versioning, the one mechanism: a change names the
version of the object it was based on and first *claims* it (one conditional UPDATE). What is
claimed is the object the change is about:
- the agenda's structure (adding, removing, restoring, moving items, tracking, copying,
  publishing, cancelling, moving the meeting) claims the meeting (`claim_meeting`);
- an item's own fields claim that item (`claim_item`); two conveners editing two items never
  conflict. The meeting's row is still locked first (`lock_meeting`), so rules over the whole
  agenda (its time budget) see concurrent item edits one after the other, and its
  `updated_at` moves (feeds' LAST-MODIFIED, the update mail's quiet period);
- minutes claim what they are written on: an item's minutes its `minutes_version`, the
  general minutes the meeting's `minutes_version`; action items their own `version`.

A stale version raises a `Conflict` (409) carrying the fresh object: `StaleVersion` for the
meeting, `ItemChanged` for an item. Rule violations raise `AgendaError`, a `Refused` (422),
with a message meant for the convener; the transaction (including the claim) is rolled back,
so a refused change leaves no trace.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Max, Q
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core.versioning import Conflict, Refused, claim
from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings.models import (
    MAX_ITEM_MINUTES,
    AgendaItem,
    Meeting,
)
from taskforces.models import TaskForce

Section = AgendaItem.Section
# Items may cross between these two sections; the focus topic and the open floor stay put.
MOVABLE_SECTIONS = (Section.HOT, Section.TRACKING)
TRACKING_MINUTES = 5


class AgendaError(Refused):
    """A change the agenda's rules refuse; the message is shown to the convener as is."""


class StaleVersion(Conflict):
    """The change was based on an older version of the meeting than the one stored;
    `current` (also `meeting`) is the meeting as it is now, None if it was deleted."""

    MESSAGE = (
        "Someone else changed this meeting while you were editing it. Your change was not "
        "applied; what you see now is the current state, please redo your change on it."
    )

    MINUTES_MESSAGE = (
        "Someone else changed this meeting's general minutes while you were writing them. "
        "Your text was not saved; what you see now is the current state."
    )

    def __init__(self, meeting: Meeting | None, message: str | None = None):
        super().__init__(meeting, message or self.MESSAGE)

    @property
    def meeting(self) -> Meeting | None:
        return self.current


class ItemChanged(Conflict):
    """An agenda item (its fields, or its minutes) changed since the version the change was
    based on; `current` is the item as it is now, None if it was deleted."""

    def __init__(self, item: AgendaItem | None, what: str = "this item"):
        if item is None:
            message = "That item was deleted in the meantime; your change was not applied."
        elif item.deleted_at is not None:
            message = (
                f"“{item.title}” was removed from the agenda in the meantime; your change was "
                "not applied. Restore it first if it should stay."
            )
        else:
            message = (
                f"Someone else changed {what} of “{item.title}” while you were editing it. "
                "Your change was not applied; what you see now is the current state."
            )
        super().__init__(item, message)


def fresh_meeting(meeting_id: int) -> Meeting:
    return Meeting.objects.select_related("series").get(pk=meeting_id)


def _current_meeting(meeting_id: int) -> Meeting | None:
    return Meeting.objects.select_related("series").filter(pk=meeting_id).first()


def claim_meeting(meeting: Meeting, version: int | None, *, field: str = "version") -> Meeting:
    """Claim `version` of the meeting (core.versioning.claim) and refresh `meeting` to the
    claimed row, its series kept. `field="minutes_version"` claims its general minutes."""
    try:
        return claim(meeting, version, fresh=_current_meeting, field=field)
    except Conflict as conflict:
        minutes = field == "minutes_version"
        message = StaleVersion.MINUTES_MESSAGE if minutes else None
        raise StaleVersion(conflict.current, message) from None


def lock_meeting(meeting_id: int) -> Meeting:
    """The meeting, fresh and its row locked until the transaction ends, for a change of one
    of its items: rules over the whole agenda then see item changes one after the other.
    Its version stays: nobody's agenda form goes stale because one item changed."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("series")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise StaleVersion(None)
    return meeting


def claim_item(item: AgendaItem, version: int | None, *, field: str = "version") -> AgendaItem:
    """Claim `version` of the item (or of its minutes: `field="minutes_version"`), refreshing
    `item`; a stale or deleted item is an `ItemChanged` carrying it as it is now."""
    try:
        return claim(item, version, field=field)
    except Conflict as conflict:
        what = "the minutes" if field == "minutes_version" else "the details"
        raise ItemChanged(conflict.current, what) from None


def touch_meeting(meeting: Meeting, by: User | None) -> None:
    """An item of the meeting changed: a published agenda's revision grows (`agenda_changed`);
    either way the meeting's `updated_at` moves (feeds, the quiet period of update mails)."""
    if meeting.state == Meeting.State.PUBLISHED:
        agenda_changed(meeting, by)
    else:
        meeting.updated_at = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(updated_at=meeting.updated_at)


def save_meeting(meeting: Meeting, by: User | None, *fields: str) -> None:
    # Through save() so the audit history records who changed what.
    meeting._history_user = by
    meeting.save(update_fields=[*fields, "updated_at"])


def agenda_changed(meeting: Meeting, by: User | None) -> None:
    """A published agenda stays published; its revision (the iCalendar SEQUENCE) grows."""
    if meeting.state == Meeting.State.PUBLISHED:
        meeting.revision += 1
        save_meeting(meeting, by, "revision")


def ensure_editable(meeting: Meeting) -> None:
    if meeting.state == Meeting.State.CANCELLED:
        raise AgendaError("This meeting is cancelled; its agenda can no longer be changed.")


def ensure_not_held(meeting: Meeting, doing: str) -> None:
    if meeting.state == Meeting.State.HELD:
        raise AgendaError(f"This meeting has already taken place; it can no longer be {doing}.")


# --- ordering ----------------------------------------------------------------------------


def agenda_items(meeting: Meeting) -> list[AgendaItem]:
    return list(
        meeting.items.live()
        .in_agenda_order()
        .select_related("presenter", "task_force", "outline_item", "deliverable")
    )


def by_section(items: Iterable[AgendaItem]) -> dict[str, list[AgendaItem]]:
    sections: dict[str, list[AgendaItem]] = {section: [] for section in Section.values}
    for item in items:
        sections[item.section].append(item)
    return sections


def renumber(sections: dict[str, list[AgendaItem]]) -> None:
    """Positions become 0..n-1 in the order the meeting runs."""
    ordered = [item for section in Section.values for item in sections[section]]
    changed = []
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        AgendaItem.objects.bulk_update(changed, ["position"])


def snapshot(items: Iterable[AgendaItem]) -> list[AgendaItem]:
    """What the order and the clock of the agenda were, before a change mutates the items
    (and which deliverables it tracked)."""
    return [
        AgendaItem(
            pk=item.pk,
            meeting_id=item.meeting_id,
            section=item.section,
            position=item.position,
            duration_minutes=item.duration_minutes,
            deliverable_id=item.deliverable_id,
        )
        for item in items
    ]


def running_order(sections: dict[str, list[AgendaItem]]) -> list[AgendaItem]:
    return [item for section in Section.values for item in sections[section]]


@dataclass(frozen=True)
class AgendaChange:
    """What one change of the agenda did, for whoever shows it (the builder's presenter,
    adcmeet.meetings.builder): nothing needs to be read again to answer it.

    `meeting` is as the change left it (its new `version`); `agenda` the live items in running
    order with presenters, topics and deliverables loaded; `before` the agenda's order and
    clock before the change (`snapshot`s). The lists name the items the change was about."""

    meeting: Meeting
    agenda: list[AgendaItem]
    before: list[AgendaItem]
    added: list[AgendaItem] = field(default_factory=list)
    removed: list[AgendaItem] = field(default_factory=list)
    restored: list[AgendaItem] = field(default_factory=list)
    moved: list[AgendaItem] = field(default_factory=list)
    edited: list[AgendaItem] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.meeting.version

    @property
    def item(self) -> AgendaItem:
        """The one item a change of one item was about."""
        return next(iter(self.added + self.removed + self.restored + self.moved + self.edited))

    @property
    def tracking_changed(self) -> bool:
        """Whether the set of deliverables on the agenda changed (what the tracking proposals
        leave out)."""

        def tracked(items: list[AgendaItem]) -> set[int]:
            return {item.deliverable_id for item in items if item.deliverable_id}

        return tracked(self.before) != tracked(self.agenda)


def check_item(*, title: str, duration_minutes: int) -> None:
    if not title.strip():
        raise AgendaError("An agenda item needs a title.")
    if not 0 < duration_minutes <= MAX_ITEM_MINUTES:
        raise AgendaError(f"A duration is between 1 and {MAX_ITEM_MINUTES} minutes.")


def check_presenter(presenter: User | None, presenter_name: str, presenter_email: str) -> None:
    if presenter is not None and presenter_name:
        raise AgendaError(
            "Choose either a presenter with an account or an external invitee, not both."
        )
    if presenter_email and not presenter_name:
        raise AgendaError("An external invitee needs a name as well as an email address.")


def refresh_last_focus(task_force_ids: Iterable[int | None]) -> None:
    """Keep TaskForce.last_focus_on (read by the focus-topic rotation) equal to the latest
    meeting date that has the task force as a live focus topic, and last_public_focus_on to
    the latest such date in a public series (what everybody may see)."""
    for task_force_id in {pk for pk in task_force_ids if pk}:
        latest = (
            AgendaItem.objects.live()
            .filter(section=Section.FOCUS, task_force_id=task_force_id)
            .exclude(meeting__state=Meeting.State.CANCELLED)
            .aggregate(
                latest=Max("meeting__scheduled_for"),
                public=Max("meeting__scheduled_for", filter=Q(meeting__series__is_public=True)),
            )
        )
        TaskForce.objects.filter(pk=task_force_id).update(
            last_focus_on=latest["latest"], last_public_focus_on=latest["public"]
        )


# --- agenda items ------------------------------------------------------------------------


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series=meeting.series_id, start__lt=meeting.start)
        .exclude(state=Meeting.State.CANCELLED)
        .select_related("series")
        .order_by("-start")
        .first()
    )


def budget(meeting: Meeting, items: Sequence[AgendaItem] | None = None, viewer_zone=None):
    items = agenda_items(meeting) if items is None else items
    return agenda_lib.plan(
        items,
        start=meeting.start,
        zone=meeting.series.tz,
        target_minutes=meeting.series.target_minutes,
        limit_minutes=meeting.series.limit_minutes,
        viewer_zone=viewer_zone,
    )


def meeting_end(meeting: Meeting) -> datetime.datetime:
    """When a meeting is over at the latest: its start plus the series' limit."""
    return meeting.start + datetime.timedelta(minutes=meeting.series.limit_minutes)
