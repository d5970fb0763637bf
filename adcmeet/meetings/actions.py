"""Workflows on meetings: building the agenda, publishing, scheduling, minutes.

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
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from adcmeet.accounts.models import User
from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings import outbox
from adcmeet.meetings.models import (
    MAX_ITEM_MINUTES,
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingSeries,
    OutboundMail,
)
from deliverables.models import Deliverable, Period, Roadmap
from taskforces.models import OutlineItem, TaskForce

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


@dataclass
class PublishResult:
    meeting: Meeting
    kind: str  # OutboundMail.Kind of the queued mail
    warning: str = ""


@dataclass
class TrackingProposal:
    deliverable: Deliverable
    reasons: list[str] = field(default_factory=list)

    @property
    def owners(self) -> list[User]:
        return list(self.deliverable.owners.all())


# --- the version claim -------------------------------------------------------------------


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


def _claim(meeting: Meeting, version: int) -> Meeting:
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
    # What the view's answer may reuse instead of reading the agenda again (see `_remember`).
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


def _save_meeting(meeting: Meeting, by: User | None, *fields: str) -> None:
    # Through save() so the audit history records who changed what.
    meeting._history_user = by
    meeting.save(update_fields=[*fields, "updated_at"])


def _agenda_changed(meeting: Meeting, by: User | None) -> None:
    """A published agenda stays published; its revision (the iCalendar SEQUENCE) grows."""
    if meeting.state == Meeting.State.PUBLISHED:
        meeting.revision += 1
        _save_meeting(meeting, by, "revision")


def _editable(meeting: Meeting) -> None:
    if meeting.state == Meeting.State.CANCELLED:
        raise AgendaError("This meeting is cancelled; its agenda can no longer be changed.")


def _not_held(meeting: Meeting, doing: str) -> None:
    if meeting.state == Meeting.State.HELD:
        raise AgendaError(f"This meeting has already taken place; it can no longer be {doing}.")


# --- ordering ----------------------------------------------------------------------------


def agenda_items(meeting: Meeting) -> list[AgendaItem]:
    return list(
        meeting.items.live()
        .in_agenda_order()
        .select_related("presenter", "task_force", "outline_item", "deliverable")
    )


def _by_section(items: Iterable[AgendaItem]) -> dict[str, list[AgendaItem]]:
    sections: dict[str, list[AgendaItem]] = {section: [] for section in Section.values}
    for item in items:
        sections[item.section].append(item)
    return sections


def _renumber(sections: dict[str, list[AgendaItem]]) -> None:
    """Positions become 0..n-1 in the order the meeting runs."""
    ordered = [item for section in Section.values for item in sections[section]]
    changed = []
    for position, item in enumerate(ordered):
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        AgendaItem.objects.bulk_update(changed, ["position"])


def _snapshot(items: Iterable[AgendaItem]) -> list[AgendaItem]:
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


def _remember(
    meeting: Meeting, sections: dict[str, list[AgendaItem]], before: list[AgendaItem]
) -> None:
    """Leave the agenda as the change left it (in running order, presenters and topics
    loaded) and its order before, for the builder's answer: it need not read them again.
    Set on the claimed meeting; the next claim of the same object drops them."""
    meeting.fresh_agenda = [item for section in Section.values for item in sections[section]]
    meeting.agenda_before = before


def _check_item(*, title: str, duration_minutes: int) -> None:
    if not title.strip():
        raise AgendaError("An agenda item needs a title.")
    if not 0 < duration_minutes <= MAX_ITEM_MINUTES:
        raise AgendaError(f"A duration is between 1 and {MAX_ITEM_MINUTES} minutes.")


def _check_presenter(presenter: User | None, presenter_name: str, presenter_email: str) -> None:
    if presenter is not None and presenter_name:
        raise AgendaError(
            "Choose either a presenter with an account or an external invitee, not both."
        )
    if presenter_email and not presenter_name:
        raise AgendaError("An external invitee needs a name as well as an email address.")


def _refresh_last_focus(task_force_ids: Iterable[int | None]) -> None:
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
) -> AgendaItem:
    """Add an item at the end of its section."""
    if section not in Section.values:
        raise AgendaError("Unknown agenda section.")
    _check_item(title=title, duration_minutes=duration_minutes)
    _check_presenter(presenter, presenter_name, presenter_email)
    with transaction.atomic():
        meeting = _claim(meeting, version)
        _editable(meeting)
        current = agenda_items(meeting)
        before = _snapshot(current)
        sections = _by_section(current)
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
        _renumber(sections)
        _agenda_changed(meeting, by)
        if section == Section.FOCUS:
            _refresh_last_focus([item.task_force_id])
    _remember(meeting, sections, before)
    return item


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


def update_item(*, item: AgendaItem, version: int, by: User | None, **changes) -> AgendaItem:
    """Change an item's own fields (not its place: see `move_item`)."""
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"update_item() cannot change {', '.join(sorted(unknown))}")
    with transaction.atomic():
        meeting = _claim(item.meeting, version)
        _editable(meeting)
        item = AgendaItem.objects.select_for_update().get(pk=item.pk, meeting=meeting)
        if item.deleted_at is not None:
            raise AgendaError("That item was removed from the agenda in the meantime.")
        old_task_force = item.task_force_id
        for name, value in changes.items():
            if isinstance(value, str):
                value = value.strip() if name != "notes" else value
            setattr(item, name, value)
        _check_item(title=item.title, duration_minutes=item.duration_minutes)
        _check_presenter(item.presenter, item.presenter_name, item.presenter_email)
        item._history_user = by
        item.save()
        _agenda_changed(meeting, by)
        if item.section == Section.FOCUS:
            _refresh_last_focus([old_task_force, item.task_force_id])
    return item


def remove_item(*, item: AgendaItem, version: int, by: User | None) -> AgendaItem:
    """Soft delete: the item leaves the agenda and can be restored (`restore_item`)."""
    with transaction.atomic():
        meeting = _claim(item.meeting, version)
        _editable(meeting)
        item = AgendaItem.objects.get(pk=item.pk, meeting=meeting)
        if item.deleted_at is not None:
            return item
        item.deleted_at = timezone.now()
        item._history_user = by
        item.save(update_fields=["deleted_at"])
        _renumber(_by_section(agenda_items(meeting)))
        _agenda_changed(meeting, by)
        if item.section == Section.FOCUS:
            _refresh_last_focus([item.task_force_id])
    return item


def restore_item(*, item: AgendaItem, version: int, by: User | None) -> AgendaItem:
    """Undo a removal: the item goes back where it was, as near as the agenda now allows."""
    with transaction.atomic():
        meeting = _claim(item.meeting, version)
        _editable(meeting)
        item = AgendaItem.objects.get(pk=item.pk, meeting=meeting)
        if item.deleted_at is None:
            return item
        item.deleted_at = None
        item._history_user = by
        item.save(update_fields=["deleted_at"])
        # Its old position still says where it stood; on a tie it goes before the item that
        # moved up into its place.
        ordered = sorted(
            [*agenda_items(meeting)],
            key=lambda other: (
                AgendaItem.SECTION_ORDER[other.section],
                other.position,
                0 if other.pk == item.pk else 1,
            ),
        )
        _renumber(_by_section(ordered))
        _agenda_changed(meeting, by)
        if item.section == Section.FOCUS:
            _refresh_last_focus([item.task_force_id])
    return item


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
    version: int,
    by: User | None,
    direction: str | None = None,
    section: str | None = None,
    index: int | None = None,
) -> AgendaItem:
    """Move one step (`direction` "up"/"down", the keyboard way) or to `index` within
    `section` (drag and drop). Hot topics and tracking items move freely within and across
    their two sections; the focus topic stays first and the open floor last."""
    with transaction.atomic():
        meeting = _claim(item.meeting, version)
        _editable(meeting)
        items = agenda_items(meeting)
        item = next((other for other in items if other.pk == item.pk), None)
        if item is None:
            raise AgendaError("That item was removed from the agenda in the meantime.")
        snapshot = _snapshot(items)
        sections = _by_section(items)
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
        _renumber(sections)
        after = [other.pk for section_items in sections.values() for other in section_items]
        # The last hot topic stepping into tracking keeps its place in the running order,
        # yet the agenda changed.
        if before != after or crossed:
            _agenda_changed(meeting, by)
    _remember(meeting, sections, snapshot)
    return item


# --- proposals and copies ----------------------------------------------------------------


def current_period(roadmap: Roadmap, day: datetime.date) -> Period | None:
    """The bucket `day` falls in; among overlapping ones the narrowest (April before Later)."""
    periods = [
        period
        for period in roadmap.periods.all()
        if period.start <= day and (period.end is None or day <= period.end)
    ]
    bounded = [period for period in periods if period.end is not None]
    if bounded:
        return min(bounded, key=lambda period: period.end - period.start)
    return periods[0] if periods else None


def propose_tracking_items(
    *, meeting: Meeting, roadmap: Roadmap | None = None
) -> list[TrackingProposal]:
    """Deliverables worth tracking at this meeting and why: those that slipped (the period
    ended with the work open, or it was moved to a later period), those whose start-by date
    has passed, and those due in the period the meeting falls in. Items already on the agenda
    are left out. Order: slips first, then start-by passed, then due this period."""
    roadmap = roadmap or Roadmap.objects.current()
    if roadmap is None:
        return []
    day = meeting.local_start.date()
    period = current_period(roadmap, day)
    on_agenda = meeting.items.live().filter(deliverable__isnull=False).values("deliverable_id")
    # An item carried into a newer roadmap is tracked there, through its copy.
    base = (
        Deliverable.objects.open()
        .filter(roadmap=roadmap)
        .without_successor()
        .exclude(pk__in=on_agenda)
    )
    slipped = set(
        base.filter(pk__in=Deliverable.objects.slipped(on=day).values("pk")).values_list(
            "pk", flat=True
        )
    )
    overdue = set(base.overdue(today=day).values_list("pk", flat=True))
    start_by = set(base.start_by_passed(today=day).values_list("pk", flat=True))
    due = set(base.filter(period=period).values_list("pk", flat=True)) if period else set()
    wanted = slipped | overdue | start_by | due
    deliverables = (
        Deliverable.objects.filter(pk__in=wanted)
        .select_related("period", "task_force")
        .prefetch_related("owners")
        .order_by("period__order", "position", "id")
    )
    proposals = []
    for deliverable in deliverables:
        reasons = []
        if deliverable.pk in overdue:
            reasons.append(f"slipped: {deliverable.period.label} has ended")
        elif deliverable.pk in slipped:
            reasons.append("slipped: moved to a later period")
        if deliverable.pk in start_by:
            reasons.append(f"start-by date {deliverable.start_by:%d %b} has passed")
        if deliverable.pk in due:
            reasons.append(f"due in {deliverable.period.label}")
        proposals.append(TrackingProposal(deliverable=deliverable, reasons=reasons))

    def urgency(proposal: TrackingProposal) -> int:
        pk = proposal.deliverable.pk
        return 0 if pk in slipped or pk in overdue else 1 if pk in start_by else 2

    proposals.sort(key=urgency)  # stable: keeps the roadmap order within each group
    return proposals


def accept_tracking_items(
    *,
    meeting: Meeting,
    version: int,
    by: User | None,
    deliverables: Sequence[Deliverable],
    duration_minutes: int = TRACKING_MINUTES,
) -> list[AgendaItem]:
    """Put the chosen deliverables on the agenda as tracking items, in the order given, each
    presented by its first owner. Ones already on the agenda are skipped."""
    if not deliverables:
        raise AgendaError("Choose at least one deliverable to track.")
    _check_item(title="x", duration_minutes=duration_minutes)
    with transaction.atomic():
        meeting = _claim(meeting, version)
        _editable(meeting)
        sections = _by_section(agenda_items(meeting))
        present = {item.deliverable_id for item in sections[Section.TRACKING]} | {
            item.deliverable_id for item in sections[Section.HOT]
        }
        created = []
        for deliverable in deliverables:
            if deliverable.pk in present:
                continue
            present.add(deliverable.pk)
            owners = list(deliverable.owners.all())
            item = AgendaItem(
                meeting=meeting,
                section=Section.TRACKING,
                title=str(deliverable)[:300],
                duration_minutes=duration_minutes,
                presenter=owners[0] if owners else None,
                deliverable=deliverable,
                task_force_id=deliverable.task_force_id,
            )
            item._history_user = by
            item.save()
            sections[Section.TRACKING].append(item)
            created.append(item)
        _renumber(sections)
        if created:
            _agenda_changed(meeting, by)
    return created


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series=meeting.series_id, start__lt=meeting.start)
        .exclude(state=Meeting.State.CANCELLED)
        .select_related("series")
        .order_by("-start")
        .first()
    )


def copy_from_last_week(*, meeting: Meeting, version: int, by: User | None) -> list[AgendaItem]:
    """Bring the recurring items (open floor, standing hot topics) of the previous meeting
    of the series, unless an item of that title is already in that section."""
    with transaction.atomic():
        meeting = _claim(meeting, version)
        _editable(meeting)
        last = previous_meeting(meeting)
        if last is None:
            raise AgendaError("There is no earlier meeting in this series to copy from.")
        sections = _by_section(agenda_items(meeting))
        present = {(item.section, item.title.casefold()) for item in agenda_items(meeting)}
        created = []
        for source in last.items.live().filter(recurring=True).in_agenda_order():
            if (source.section, source.title.casefold()) in present:
                continue
            item = AgendaItem(
                meeting=meeting,
                section=source.section,
                title=source.title,
                duration_minutes=source.duration_minutes,
                presenter_id=source.presenter_id,
                presenter_name=source.presenter_name,
                presenter_email=source.presenter_email,
                presenter_affiliation=source.presenter_affiliation,
                task_force_id=source.task_force_id,
                deliverable_id=source.deliverable_id,
                notes=source.notes,
                recurring=True,
            )
            item._history_user = by
            item.save()
            sections[item.section].append(item)
            created.append(item)
        if not created:
            raise AgendaError(
                f"Nothing to copy: the meeting of {last.local_start:%d %b} has no recurring "
                "items that are not already on this agenda."
            )
        _renumber(sections)
        _agenda_changed(meeting, by)
    return created


# --- publishing and scheduling -----------------------------------------------------------


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


def publish_meeting(*, meeting: Meeting, version: int, by: User | None) -> PublishResult:
    """Publish the agenda (or send an update of a published one) and queue its mail.

    Refused over the series' limit; over the objective is only a warning.
    """
    with transaction.atomic():
        meeting = _claim(meeting, version)
        _editable(meeting)
        _not_held(meeting, "published")
        items = agenda_items(meeting)
        if not items:
            raise AgendaError("Add at least one item before publishing the agenda.")
        plan = budget(meeting, items)
        if plan.over_limit:
            raise AgendaError("Publishing refused. " + plan.message)
        first = meeting.state != Meeting.State.PUBLISHED
        if not first and meeting.announced_revision == meeting.revision:
            raise AgendaError("The agenda is already published and unchanged since it was sent.")
        meeting.state = Meeting.State.PUBLISHED
        meeting.revision += 1
        meeting.announced_revision = meeting.revision
        meeting.published_at = timezone.now()
        _save_meeting(meeting, by, "state", "revision", "announced_revision", "published_at")
        kind = OutboundMail.Kind.AGENDA if first else OutboundMail.Kind.AGENDA_UPDATE
        outbox.queue_meeting_mail(meeting, kind)
    return PublishResult(
        meeting=meeting, kind=kind, warning=plan.message if plan.over_target else ""
    )


def cancel_meeting(*, meeting: Meeting, version: int, by: User | None, reason: str) -> Meeting:
    reason = " ".join(reason.split())
    if not reason:
        raise AgendaError("Say why the meeting is cancelled; the reason goes out with the notice.")
    with transaction.atomic():
        meeting = _claim(meeting, version)
        _editable(meeting)
        _not_held(meeting, "cancelled")
        meeting.state = Meeting.State.CANCELLED
        meeting.cancel_reason = reason[:300]
        meeting.revision += 1
        meeting.announced_revision = meeting.revision
        _save_meeting(meeting, by, "state", "cancel_reason", "revision", "announced_revision")
        outbox.queue_meeting_mail(meeting, OutboundMail.Kind.CANCELLATION)
        _refresh_last_focus(
            meeting.items.live()
            .filter(section=Section.FOCUS)
            .values_list("task_force_id", flat=True)
        )
    return meeting


def move_meeting(
    *, meeting: Meeting, version: int, by: User | None, start: datetime.datetime
) -> Meeting:
    """Move one meeting (holiday, workshop week). It keeps its scheduled date, so the series
    never recreates it there; a published meeting's revision grows and the update is mailed."""
    if start.tzinfo is None:
        raise AgendaError("The new start needs a time zone.")
    with transaction.atomic():
        meeting = _claim(meeting, version)
        _editable(meeting)
        _not_held(meeting, "moved")
        if start == meeting.start:
            raise AgendaError("That is when the meeting already starts.")
        clash = (
            Meeting.objects.filter(series=meeting.series_id, start=start)
            .exclude(pk=meeting.pk)
            .exists()
        )
        if clash:
            raise AgendaError("Another meeting of this series already starts then.")
        meeting.start = start
        fields = ["start"]
        if meeting.state == Meeting.State.PUBLISHED:
            meeting.revision += 1
            meeting.announced_revision = meeting.revision
            fields += ["revision", "announced_revision"]
        _save_meeting(meeting, by, *fields)
        if meeting.state == Meeting.State.PUBLISHED:
            outbox.queue_meeting_mail(meeting, OutboundMail.Kind.AGENDA_UPDATE)
    return meeting


def create_upcoming_meetings(
    series: MeetingSeries, count: int = 8, *, now: datetime.datetime | None = None
) -> list[Meeting]:
    """Make sure the next `count` regular dates of the series have a meeting; returns the
    ones created. Idempotent: the (series, scheduled_for) unique constraint names a date's
    meeting, and a moved meeting keeps its scheduled date, so it is never recreated."""
    now = now or timezone.now()
    today = timezone.localdate(now, series.tz)
    dates = [day for day in series.next_dates(count + 1, after=today) if series.start_on(day) > now]
    created = []
    for day in dates[:count]:
        try:
            with transaction.atomic():
                meeting, made = Meeting.objects.get_or_create(
                    series=series, scheduled_for=day, defaults={"start": series.start_on(day)}
                )
        except IntegrityError:  # a concurrent run created it first
            continue
        if made:
            created.append(meeting)
    return created


def meeting_end(meeting: Meeting) -> datetime.datetime:
    """When a meeting is over at the latest: its start plus the series' limit."""
    return meeting.start + datetime.timedelta(minutes=meeting.series.limit_minutes)


def mark_meetings_held(*, now: datetime.datetime | None = None) -> list[int]:
    """Published meetings that have ended (start + the series' limit) become held; returns
    their ids. Drafts and cancelled meetings stay as they are. Idempotent, for beat or cron.

    The rows are locked and re-read in one transaction, so a convener moving or cancelling the
    meeting at the same moment either goes first (and is respected) or waits. The version is
    left alone: the minutes page, open right after the meeting, must not be refused as stale
    because of it. The change lands in the meeting's history like any other."""
    now = now or timezone.now()
    with transaction.atomic():
        running = list(
            Meeting.objects.select_for_update(of=("self",))
            .filter(state=Meeting.State.PUBLISHED, start__lte=now)
            .select_related("series")
        )
        ended = [meeting for meeting in running if meeting_end(meeting) <= now]
        for meeting in ended:
            meeting.state = Meeting.State.HELD
        if ended:
            bulk_update_with_history(
                ended,
                Meeting,
                ["state"],
                default_date=now,
                default_change_reason="The meeting has ended.",
            )
    return [meeting.pk for meeting in ended]


# --- minutes -----------------------------------------------------------------------------


def save_minutes(*, meeting: Meeting, version: int, by: User | None, text: str) -> Meeting:
    with transaction.atomic():
        meeting = _claim(meeting, version)
        meeting.minutes = text
        _save_meeting(meeting, by, "minutes")
    return meeting


def save_item_minutes(*, item: AgendaItem, version: int, by: User | None, text: str) -> AgendaItem:
    with transaction.atomic():
        meeting = _claim(item.meeting, version)
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
        meeting = _claim(meeting, version)
        return ActionItem.objects.create(
            meeting=meeting, text=text[:500], owner=owner, due=due, agenda_item=agenda_item
        )


def complete_action_item(
    *, action: ActionItem, version: int, by: User | None, done: bool = True
) -> ActionItem:
    with transaction.atomic():
        _claim(action.meeting, version)
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


def series_for_convener(user: User):
    if not user.is_authenticated:
        return MeetingSeries.objects.none()
    if user.is_superuser or user.has_role("Convener"):
        return MeetingSeries.objects.all()
    return MeetingSeries.objects.filter(Q(conveners=user))
