"""The meetings domain: series, meetings, their agendas, minutes, action items and outbox.

Knows both task forces and deliverables; neither of them knows this package. One concept a
module; everything is importable from here (`from adcmeet.meetings.models import Meeting`).
"""

from adcmeet.meetings.models.agenda import (
    MAX_ITEM_MINUTES,
    ActionItem,
    AgendaItem,
    AgendaItemQuerySet,
)
from adcmeet.meetings.models.live import LiveSession
from adcmeet.meetings.models.mail import Heartbeat, OutboundMail, OutboundMailQuerySet
from adcmeet.meetings.models.meeting import Meeting, MeetingQuerySet
from adcmeet.meetings.models.outcomes import Attendance, Outcome, OutcomeQuerySet
from adcmeet.meetings.models.series import MeetingSeries, new_feed_token

__all__ = [
    "MAX_ITEM_MINUTES",
    "ActionItem",
    "AgendaItem",
    "AgendaItemQuerySet",
    "Attendance",
    "Heartbeat",
    "LiveSession",
    "Meeting",
    "MeetingQuerySet",
    "MeetingSeries",
    "OutboundMail",
    "OutboundMailQuerySet",
    "Outcome",
    "OutcomeQuerySet",
    "new_feed_token",
]
