"""Forms of the meetings pages: they validate and normalise; adcmeet.meetings.actions applies.

Choice lists that every form on a page shares (people, focus topics) are built once per
request by the view and handed in, so a builder with many forms costs one query each. They
are `SharedChoices`: their `<option>`s are written once per request and reused by every
`<select>` that shows them (the builder has one presenter select per section and per edited
item; Django's per-option widget templates made that 58 % of a builder response, issue 7).

Modules: ``choices`` (the shared choice lists and their widget), ``base`` (the base form and
shared fields), ``agenda``, ``tracking``, ``schedule``, ``minutes``, ``outcomes``. Callers use
``from adcmeet.meetings import forms; forms.ItemForm``.
"""

from adcmeet.meetings.forms.agenda import ItemForm, Section
from adcmeet.meetings.forms.base import DateInput, DurationField, Form
from adcmeet.meetings.forms.choices import (
    FastSelect,
    SharedChoices,
    people_choices,
    share_choices,
    topic_choices,
)
from adcmeet.meetings.forms.minutes import ActionItemForm, MinutesForm
from adcmeet.meetings.forms.outcomes import AttendanceForm, OutcomeForm
from adcmeet.meetings.forms.schedule import CancelForm, MoveMeetingForm, PlaceForm, PublishForm
from adcmeet.meetings.forms.tracking import TrackingForm

__all__ = [
    "ActionItemForm",
    "AttendanceForm",
    "CancelForm",
    "DateInput",
    "DurationField",
    "FastSelect",
    "Form",
    "ItemForm",
    "MinutesForm",
    "MoveMeetingForm",
    "OutcomeForm",
    "PlaceForm",
    "PublishForm",
    "Section",
    "SharedChoices",
    "TrackingForm",
    "people_choices",
    "share_choices",
    "topic_choices",
]
