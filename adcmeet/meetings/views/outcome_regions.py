"""What the minutes sheet shows of a meeting's outcomes (per agenda item) and attendance: the
presenter behind `meetings/_outcomes.html` and `meetings/_attendance.html`, shared by the whole
sheet (views.minutes) and the regions its outcome and attendance forms swap (views.outcomes).

Each builder costs a fixed number of queries whatever the number of items."""

from __future__ import annotations

from dataclasses import dataclass, field

from adcmeet.accounts.models import User
from adcmeet.core import params
from adcmeet.core.access import can_record_outcomes
from adcmeet.meetings import forms
from adcmeet.meetings.models import ActionItem, AgendaItem, Attendance, Meeting, Outcome


@dataclass
class ItemOutcomes:
    item: AgendaItem
    decisions: list[Outcome] = field(default_factory=list)
    information: list[Outcome] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    form: forms.OutcomeForm | None = None
    notice: str = ""
    level: str = "success"
    # A just-removed outcome: its "Undo" button.
    undo: Outcome | None = None

    @property
    def empty(self) -> bool:
        return not (self.decisions or self.information or self.actions)


def item_outcomes(
    meeting: Meeting,
    items: list[AgendaItem],
    *,
    convener: bool,
    people=None,
    item_id: int | None = None,
    form: forms.OutcomeForm | None = None,
    notice: str = "",
    level: str = "success",
    undo: Outcome | None = None,
) -> dict[int, ItemOutcomes]:
    """Each item's outcomes by kind, keyed by the item's pk; `form`, `notice` and `undo` go to
    the item `item_id` (the one a request was about)."""
    regions = {item.pk: ItemOutcomes(item=item) for item in items}
    for outcome in Outcome.objects.live().filter(meeting=meeting).order_by("id"):
        region = regions.get(outcome.agenda_item_id)
        if region is not None:
            kind = region.decisions if outcome.kind == "decision" else region.information
            kind.append(outcome)
    actions = meeting.action_items.filter(agenda_item__isnull=False).select_related("owner")
    for action in actions.order_by("id"):
        region = regions.get(action.agenda_item_id)
        if region is not None:
            region.actions.append(action)
    for pk, region in regions.items():
        if convener:
            region.form = (
                form
                if form is not None and pk == item_id
                else forms.OutcomeForm(prefix=f"outcome-{pk}", people=people)
            )
        if pk == item_id:
            region.notice, region.level, region.undo = notice, level, undo
    return regions


def undo_offer(request, meeting: Meeting) -> dict:
    """The regions' state for the sheet's address after a removal without JavaScript
    (`?removed=<id>`): that item says what was removed and offers "Undo", while it is still
    removed and the reader may restore it."""
    outcome_id = params.optional_id(request.GET.get("removed"))
    if outcome_id is None or not can_record_outcomes(request.user, meeting):
        return {}
    outcome = Outcome.objects.filter(
        pk=outcome_id, meeting=meeting, deleted_at__isnull=False, agenda_item__isnull=False
    ).first()
    if outcome is None:
        return {}
    state = {"item_id": outcome.agenda_item_id, "notice": f"Removed “{outcome.text}”."}
    return {"outcomes": {**state, "undo": outcome}}


@dataclass
class AttendanceSheet:
    present: list[Attendance]
    regrets: list[Attendance]
    # Conveners of the series and presenters on the agenda not on the list yet ("mark present").
    expected: list[User]
    # External presenters named on the agenda, not on the list yet: (name, affiliation).
    guests: list[tuple[str, str]]
    form: forms.AttendanceForm | None
    notice: str = ""
    level: str = "success"


def attendance_sheet(
    meeting: Meeting,
    items: list[AgendaItem],
    *,
    convener: bool,
    people=None,
    form: forms.AttendanceForm | None = None,
    notice: str = "",
    level: str = "success",
) -> AttendanceSheet:
    rows = list(meeting.attendance.select_related("user").order_by("invitee", "name", "id"))
    rows.sort(key=lambda row: (row.invitee, attendee_name(row).lower()))
    listed_users = {row.user_id for row in rows if row.user_id}
    listed_names = {row.name.lower() for row in rows if not row.user_id}
    expected: dict[int, User] = {}
    guests: dict[str, tuple[str, str]] = {}
    if convener:
        for user in meeting.series.conveners.filter(is_active=True).order_by("name", "pk"):
            expected.setdefault(user.pk, user)
        for item in items:
            if item.presenter_id and item.presenter is not None:
                expected.setdefault(item.presenter_id, item.presenter)
            elif item.presenter_name and item.presenter_name.lower() not in listed_names:
                guests.setdefault(
                    item.presenter_name.lower(),
                    (item.presenter_name, item.presenter_affiliation),
                )
    return AttendanceSheet(
        present=[row for row in rows if row.status == Attendance.Status.PRESENT],
        regrets=[row for row in rows if row.status == Attendance.Status.REGRETS],
        expected=[user for pk, user in expected.items() if pk not in listed_users],
        guests=list(guests.values()),
        form=(form or forms.AttendanceForm(prefix="attendance", people=people))
        if convener
        else None,
        notice=notice,
        level=level,
    )


def attendee_name(row: Attendance) -> str:
    if row.user_id:
        return row.user.display_name
    return f"{row.name} ({row.affiliation})" if row.affiliation else row.name


@dataclass
class MeetingOutcomes:
    """What the meeting page shows once outcomes or attendance were recorded."""

    by_item: dict[int, list[Outcome]]
    unattached: list[Outcome]
    present: list[str]
    invitees: list[str]
    regrets: list[str]

    def of(self, item: AgendaItem) -> list[Outcome]:
        return self.by_item.get(item.pk, [])

    @property
    def attendance(self) -> bool:
        return bool(self.present or self.invitees or self.regrets)


def meeting_outcomes(meeting: Meeting) -> MeetingOutcomes | None:
    """Decisions and information per item, and the attendance; None when nothing is recorded
    (the page then shows nothing of it). Two queries."""
    outcomes = list(Outcome.objects.live().filter(meeting=meeting).order_by("kind", "id"))
    rows = list(meeting.attendance.select_related("user"))
    if not outcomes and not rows:
        return None
    by_item: dict[int, list[Outcome]] = {}
    unattached = []
    for outcome in outcomes:
        if outcome.agenda_item_id:
            by_item.setdefault(outcome.agenda_item_id, []).append(outcome)
        else:
            unattached.append(outcome)
    present = Attendance.Status.PRESENT
    return MeetingOutcomes(
        by_item=by_item,
        unattached=unattached,
        present=sorted(attendee_name(r) for r in rows if r.status == present and not r.invitee),
        invitees=sorted(attendee_name(r) for r in rows if r.status == present and r.invitee),
        regrets=sorted(attendee_name(r) for r in rows if r.status != present),
    )
