"""What a meeting concluded, per agenda item: decisions and information (`Outcome`), and
actions (`ActionItem`, with an owner and a due date, through `add_action_item`).

One entry point for all three kinds, so the minutes page, live mode and any script record
them the same way. An outcome is about what its item is about: its deliverable and task force
are copied from the item when recorded, so the decisions log can filter by them even after
the agenda changes."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core import text as usertext
from adcmeet.core.versioning import Conflict, Refused, claim
from adcmeet.meetings.actions.minutes import add_action_item
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting, Outcome
from adcmeet.meetings.models.outcomes import OUTCOME_TEXT

KINDS = ("decision", "action", "information")
_LABELS = {"decision": "The decision", "action": "The action", "information": "The information"}


class OutcomeChanged(Conflict):
    """The outcome was removed or changed since the page showed it."""

    def __init__(self, outcome: Outcome | None):
        if outcome is None or outcome.deleted_at is not None:
            message = "That outcome was already removed; nothing was changed."
        else:
            message = (
                f"Someone else changed “{outcome.text[:80]}” in the meantime; it was not "
                "removed. Look at it again first."
            )
        super().__init__(outcome, message)


def record_outcome(
    *,
    meeting: Meeting,
    by: User | None,
    kind: str,
    text: str,
    agenda_item: AgendaItem | None = None,
    owner: User | None = None,
    due: datetime.date | None = None,
) -> Outcome | ActionItem:
    """A decision, a piece of information or an action of `meeting` (on `agenda_item` when
    given). An action is an `ActionItem` (owner, due date: the action items' rules apply);
    the other two are an `Outcome`."""
    if kind not in KINDS:
        raise Refused("Choose decision, action or information.", field="kind")
    label = _LABELS[kind]
    limit = 500 if kind == "action" else OUTCOME_TEXT
    text = usertext.accepted(text, label=label, field="text", max_length=limit).strip()
    if not text:
        raise Refused(f"{label} is empty: type what was concluded.", field="text")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise Refused("That agenda item belongs to another meeting.", field="agenda_item")
    if kind == "action":
        return add_action_item(
            meeting=meeting, by=by, text=text, owner=owner, due=due, agenda_item=agenda_item
        )
    return Outcome.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        kind=kind,
        text=text,
        deliverable_id=agenda_item.deliverable_id if agenda_item else None,
        task_force_id=agenda_item.task_force_id if agenda_item else None,
        by=by,
    )


def remove_outcome(*, outcome: Outcome, version: int | None, by: User | None) -> Outcome:
    """Remove a decision or information (kept, marked deleted), based on its `version`: a
    second remover, or one who saw an older text, gets a `Conflict`."""
    with transaction.atomic():
        try:
            outcome = claim(outcome, version)
        except Conflict as conflict:
            raise OutcomeChanged(conflict.current) from None
        if outcome.deleted_at is not None:
            raise OutcomeChanged(outcome)
        outcome.deleted_at = timezone.now()
        outcome.save(update_fields=["deleted_at"])
    return outcome


def restore_outcome(*, outcome: Outcome, version: int | None, by: User | None) -> Outcome:
    """Undo a removal, based on the version the removal left (the "Undo" button's)."""
    with transaction.atomic():
        try:
            outcome = claim(outcome, version)
        except Conflict as conflict:
            raise OutcomeChanged(conflict.current) from None
        if outcome.deleted_at is None:
            raise Refused("That outcome is not removed; nothing to undo.")
        outcome.deleted_at = None
        outcome.save(update_fields=["deleted_at"])
    return outcome
