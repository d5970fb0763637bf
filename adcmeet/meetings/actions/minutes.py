"""Minutes of the meeting and of each item; action items.

Each is versioned on its own (core.versioning): the general minutes by the meeting's
`minutes_version`, an item's minutes by the item's `minutes_version`, an action item by its
`version`. Two people minuting different items, or ticking off different actions, never
conflict; the same text or action does."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core import text as usertext
from adcmeet.core.versioning import Conflict, claim
from adcmeet.meetings.actions.common import AgendaError, claim_item, claim_meeting, save_meeting
from adcmeet.meetings.mail import minutes_mail
from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Meeting,
)


class ActionChanged(Conflict):
    """The action item was ticked off, reopened or deleted since the page showed it."""

    def __init__(self, action: ActionItem | None):
        if action is None:
            message = "That action item was deleted in the meantime."
        else:
            state = "done" if action.done else "open"
            message = (
                f"Someone else changed the action “{action.text}” in the meantime (it is "
                f"{state} now); your change was not applied."
            )
        super().__init__(action, message)


def save_minutes(*, meeting: Meeting, version: int | None, by: User | None, text: str) -> Meeting:
    """The general minutes, based on their `minutes_version`."""
    text = usertext.accepted(
        text, label="The minutes", field="text", max_length=usertext.MEETING_MINUTES
    )
    with transaction.atomic():
        meeting = claim_meeting(meeting, version, field="minutes_version")
        meeting.minutes = text
        save_meeting(meeting, by, "minutes")
    return meeting


def save_item_minutes(
    *, item: AgendaItem, version: int | None, by: User | None, text: str
) -> AgendaItem:
    """An item's minutes, based on the item's `minutes_version`."""
    text = usertext.accepted(
        text, label="The item's minutes", field="text", max_length=usertext.ITEM_TEXT
    )
    with transaction.atomic():
        item = claim_item(item, version, field="minutes_version")
        item.minutes = text
        item._history_user = by
        item.save(update_fields=["minutes"])
    return item


class DueBeforeMeeting(AgendaError):
    """An action cannot be due before the meeting that decided it: a typo in the year (2020
    for 2026) would otherwise file it as long overdue, silently."""


def check_due(meeting: Meeting, due: datetime.date | None) -> None:
    """A due date on or after the meeting's day (on the series' wall clock). Minutes written
    after the meeting may still give a date that has passed since: the meeting's day is the
    bound, not today."""
    day = meeting.local_start.date()
    if due is not None and due < day:
        raise DueBeforeMeeting(
            f"An action decided on {day:%-d %B %Y} cannot be due on {due:%-d %B %Y}, before "
            "the meeting: check the date (the year?)."
        )


def add_action_item(
    *,
    meeting: Meeting,
    by: User | None,
    text: str,
    owner: User | None = None,
    due: datetime.date | None = None,
    agenda_item: AgendaItem | None = None,
) -> ActionItem:
    """A new action item (at version 1): it changes nothing anybody else was editing."""
    text = " ".join(text.split())
    if not text:
        raise AgendaError("Describe the action.")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise AgendaError("That agenda item belongs to another meeting.")
    check_due(meeting, due)
    return ActionItem.objects.create(
        meeting=meeting, text=text[:500], owner=owner, due=due, agenda_item=agenda_item
    )


def complete_action_item(
    *, action: ActionItem, version: int | None, by: User | None, done: bool = True
) -> ActionItem:
    """Tick an action off (or reopen it), based on its `version`."""
    with transaction.atomic():
        try:
            action = claim(action, version)
        except Conflict as conflict:
            raise ActionChanged(conflict.current) from None
        action.done = done
        action.done_at = timezone.now() if done else None
        action.save(update_fields=["done", "done_at"])
    return action


def open_action_items(user: User):
    """An owner's open action items, oldest due first, for their own page."""
    return (
        ActionItem.objects.filter(owner=user, done=False)
        .select_related("meeting__series", "agenda_item")
        .order_by(F("due").asc(nulls_last=True), "id")
    )


def minutes_status(meeting: Meeting) -> str:
    """Where the minutes stand against what was mailed: "unpublished", "changed" (saved
    since they were published: "Publish the correction" would send the note) or "unchanged"
    (publishing them again is refused)."""
    if not meeting.minutes_published_at:
        return "unpublished"
    items = minutes_mail.minutes_items(meeting)
    actions = minutes_mail.meeting_actions(meeting)
    digest = minutes_mail.content_digest(meeting, items, actions)
    return "unchanged" if digest == meeting.minutes_digest else "changed"


def publish_minutes(*, meeting: Meeting, by: User | None) -> str:
    """Publish (close) the minutes: the first time they are mailed to the list with the
    decisions and the actions by owner, and each owner is told of theirs; publishing them again
    after a correction sends a short "minutes corrected" note (and owners whose actions
    changed their new list). Unchanged minutes are refused. Returns what was done, for the
    page: "published" or "corrected"."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("series").get(pk=meeting.pk)
        if meeting.state in (Meeting.State.DRAFT, Meeting.State.CANCELLED):
            raise AgendaError(
                "Only the minutes of a meeting that took place are published; this one is "
                f"{meeting.get_state_display().lower()}."
            )
        if meeting.start > timezone.now():
            raise AgendaError("The meeting has not started yet: publish its minutes afterwards.")
        items = minutes_mail.minutes_items(meeting)
        actions = minutes_mail.meeting_actions(meeting)
        if (
            not meeting.minutes.strip()
            and not actions
            and not any(i.minutes for i in items)
            and not minutes_mail.has_outcomes(meeting)
        ):
            raise AgendaError("The minutes are empty: write them before publishing.")
        digest = minutes_mail.content_digest(meeting, items, actions)
        if digest == meeting.minutes_digest:
            raise AgendaError("The minutes are already published and unchanged since.")
        meeting.minutes_revision += 1
        meeting.minutes_digest = digest
        meeting.minutes_published_at = timezone.now()
        save_meeting(meeting, by, "minutes_revision", "minutes_digest", "minutes_published_at")
        minutes_mail.queue_minutes_mail(meeting)
    return "published" if meeting.minutes_revision == 1 else "corrected"
