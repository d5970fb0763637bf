"""Minutes of the meeting and of each item; action items."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.meetings.actions.common import AgendaError, claim_meeting, save_meeting
from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Meeting,
)


def save_minutes(*, meeting: Meeting, version: int, by: User | None, text: str) -> Meeting:
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        meeting.minutes = text
        save_meeting(meeting, by, "minutes")
    return meeting


def save_item_minutes(*, item: AgendaItem, version: int, by: User | None, text: str) -> AgendaItem:
    with transaction.atomic():
        meeting = claim_meeting(item.meeting, version)
        item = AgendaItem.objects.get(pk=item.pk, meeting=meeting)
        item.minutes = text
        item._history_user = by
        item.save(update_fields=["minutes"])
    return item


def add_action_item(
    *,
    meeting: Meeting,
    version: int,
    by: User | None,
    text: str,
    owner: User | None = None,
    due: datetime.date | None = None,
    agenda_item: AgendaItem | None = None,
) -> ActionItem:
    text = " ".join(text.split())
    if not text:
        raise AgendaError("Describe the action.")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise AgendaError("That agenda item belongs to another meeting.")
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        return ActionItem.objects.create(
            meeting=meeting, text=text[:500], owner=owner, due=due, agenda_item=agenda_item
        )


def complete_action_item(
    *, action: ActionItem, version: int, by: User | None, done: bool = True
) -> ActionItem:
    with transaction.atomic():
        claim_meeting(action.meeting, version)
        action = ActionItem.objects.get(pk=action.pk)
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
