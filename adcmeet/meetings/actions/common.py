"""What every agenda workflow shares: the errors, the meeting's version claim, the agenda in
running order and its renumbering, the item checks.

Every function that changes a meeting (or anything on it) takes the `version` of the meeting
the change was based on and first *claims* it with a conditional
`UPDATE … SET version = version + 1 WHERE id = … AND version = n`. No row updated means
somebody else changed the meeting in between: the change is refused with `StaleVersion`
carrying the fresh meeting, never applied over the other person's work. The claim also holds
the row lock until the transaction ends, so the rest of the workflow reads a stable agenda.

Rule violations raise `AgendaError` with a message meant for the convener; the transaction
(including the claim) is rolled back, so a refused change leaves no trace.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings.models import (
    MAX_ITEM_MINUTES,
    AgendaItem,
    Meeting,
    MeetingSeries,
)
from taskforces.models import TaskForce

Section = AgendaItem.Section
# Items may cross between these two sections; the focus topic and the open floor stay put.
MOVABLE_SECTIONS = (Section.HOT, Section.TRACKING)
TRACKING_MINUTES = 5


class AgendaError(Exception):
    """A change the agenda's rules refuse; the message is shown to the convener as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleVersion(Exception):
    """The change was based on an older version of the meeting than the one stored."""

    def __init__(self, meeting: Meeting):
        self.meeting = meeting
        super().__init__(
            "Someone else changed this meeting while you were editing it. Your change was not "
            "applied; the agenda below is the current one, please redo your change on it."
        )

    @property
    def message(self) -> str:
        return str(self)


def fresh_meeting(meeting_id: int) -> Meeting:
    return Meeting.objects.select_related("series").get(pk=meeting_id)


_CLAIM_SQL = None


def _claim_sql() -> str:
    global _CLAIM_SQL
    if _CLAIM_SQL is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in Meeting._meta.concrete_fields)
        table, version = quote(Meeting._meta.db_table), quote("version")
        # Identifiers from the model's metadata, quoted; the values are parameters.
        _CLAIM_SQL = (
            f"UPDATE {table} SET {version} = {version} + 1, {quote('updated_at')} = %s "  # noqa: S608
            f"WHERE {quote('id')} = %s AND {version} = %s RETURNING {columns}"
        )
    return _CLAIM_SQL


def claim_meeting(meeting: Meeting, version: int) -> Meeting:
    """Bump the version iff it is still `version`; refresh `meeting` to the claimed row.

    One statement (UPDATE … RETURNING): the conditional update and the fresh row together.
    The related objects already loaded (the series) stay: a claim never changes them."""
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), [timezone.now(), meeting.pk, version])
        row = cursor.fetchone()
    if row is None:
        raise StaleVersion(fresh_meeting(meeting.pk))
    fields = Meeting._meta.concrete_fields
    fresh = Meeting.from_db(connection.alias, [f.attname for f in fields], _converted(row))
    for model_field in fields:
        setattr(meeting, model_field.attname, getattr(fresh, model_field.attname))
    # What the view's answer may reuse instead of reading the agenda again (see `remember`).
    meeting.__dict__.pop("fresh_agenda", None)
    meeting.__dict__.pop("agenda_before", None)
    return meeting


def _converted(row) -> list:
    """The database's values as the fields hold them (SQLite returns datetimes as text)."""
    values = []
    for model_field, value in zip(Meeting._meta.concrete_fields, row, strict=True):
        col = model_field.get_col(Meeting._meta.db_table)
        for converter in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = converter(value, col, connection)
        values.append(value)
    return values


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
    """What the order and the clock of the agenda were, before a change mutates the items."""
    return [
        AgendaItem(
            pk=item.pk,
            meeting_id=item.meeting_id,
            section=item.section,
            position=item.position,
            duration_minutes=item.duration_minutes,
        )
        for item in items
    ]


def remember(
    meeting: Meeting, sections: dict[str, list[AgendaItem]], before: list[AgendaItem]
) -> None:
    """Leave the agenda as the change left it (in running order, presenters and topics
    loaded) and its order before, for the builder's answer: it need not read them again.
    Set on the claimed meeting; the next claim of the same object drops them."""
    meeting.fresh_agenda = [item for section in Section.values for item in sections[section]]
    meeting.agenda_before = before


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
    meeting date that has the task force as a live focus topic."""
    for task_force_id in {pk for pk in task_force_ids if pk}:
        latest = (
            AgendaItem.objects.live()
            .filter(section=Section.FOCUS, task_force_id=task_force_id)
            .exclude(meeting__state=Meeting.State.CANCELLED)
            .aggregate(latest=Max("meeting__scheduled_for"))["latest"]
        )
        TaskForce.objects.filter(pk=task_force_id).update(last_focus_on=latest)


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


def series_for_convener(user: User):
    if not user.is_authenticated:
        return MeetingSeries.objects.none()
    if user.is_superuser or user.has_role("Convener"):
        return MeetingSeries.objects.all()
    return MeetingSeries.objects.filter(Q(conveners=user))
