"""Workflows on meetings, one concept a module (zulip's zerver/actions): the agenda
(`agenda`), deliverable tracking and copies (`tracking`), publishing and scheduling
(`schedule`), minutes and action items (`minutes`), decisions and information
(`outcomes`); what they share is in `common`.

The package exports each workflow, so callers write `actions.publish_meeting(...)`. Running a
meeting live (`live`: the clock's steps, notes, end and close) keeps its names in its module,
`from adcmeet.meetings.actions import live` then `live.step(...)`: its verbs (start, step,
pause, end) would be ambiguous among the others.
"""

from adcmeet.meetings.actions.agenda import (
    ITEM_FIELDS,
    add_item,
    move_item,
    remove_item,
    remove_items,
    restore_item,
    restore_items,
    update_item,
)
from adcmeet.meetings.actions.attendance import remove_attendance, set_attendance
from adcmeet.meetings.actions.common import (
    MOVABLE_SECTIONS,
    TRACKING_MINUTES,
    AgendaChange,
    AgendaError,
    ItemChanged,
    Section,
    StaleVersion,
    agenda_items,
    budget,
    claim_meeting,
    fresh_meeting,
    meeting_end,
    previous_meeting,
)
from adcmeet.meetings.actions.minutes import (
    ActionChanged,
    add_action_item,
    complete_action_item,
    minutes_status,
    open_action_items,
    save_item_minutes,
    save_minutes,
)
from adcmeet.meetings.actions.outcomes import (
    OutcomeChanged,
    record_outcome,
    remove_outcome,
    restore_outcome,
)
from adcmeet.meetings.actions.schedule import (
    PublishResult,
    cancel_meeting,
    change_place,
    create_upcoming_meetings,
    mark_meetings_held,
    move_meeting,
    publish_meeting,
)
from adcmeet.meetings.actions.tracking import (
    TrackingProposal,
    accept_tracking_items,
    copy_from_last_week,
    current_period,
    propose_tracking_items,
    tick_within_objective,
)

__all__ = [
    "ITEM_FIELDS",
    "MOVABLE_SECTIONS",
    "TRACKING_MINUTES",
    "ActionChanged",
    "AgendaChange",
    "AgendaError",
    "ItemChanged",
    "OutcomeChanged",
    "PublishResult",
    "Section",
    "StaleVersion",
    "TrackingProposal",
    "accept_tracking_items",
    "add_action_item",
    "add_item",
    "agenda_items",
    "budget",
    "cancel_meeting",
    "change_place",
    "claim_meeting",
    "complete_action_item",
    "copy_from_last_week",
    "create_upcoming_meetings",
    "current_period",
    "fresh_meeting",
    "mark_meetings_held",
    "meeting_end",
    "minutes_status",
    "move_item",
    "move_meeting",
    "open_action_items",
    "previous_meeting",
    "propose_tracking_items",
    "publish_meeting",
    "record_outcome",
    "remove_attendance",
    "remove_item",
    "remove_items",
    "remove_outcome",
    "restore_item",
    "restore_items",
    "restore_outcome",
    "save_item_minutes",
    "save_minutes",
    "set_attendance",
    "tick_within_objective",
    "update_item",
]
