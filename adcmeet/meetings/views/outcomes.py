"""The minutes sheet's outcome and attendance forms (conveners).

Each answers htmx with its own region (an item's outcomes, the attendance list), plain forms
with a redirect to that region's anchor. A refusal is shown in the region the form is in,
with the user's input kept: for htmx that region (409/422), without JavaScript the whole sheet
(views.minutes) with the error summary linking to it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from adcmeet.core.access import can_record_outcomes, login_required
from adcmeet.core.versioning import Refused, answers_refusals
from adcmeet.meetings import actions, forms
from adcmeet.meetings.models import Attendance, Meeting, Outcome
from adcmeet.meetings.views import outcome_regions
from adcmeet.meetings.views.fetch import meeting_item, posted_version, visible_meeting
from adcmeet.meetings.views.minutes import _minutes_response


def _recording_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = visible_meeting(request, meeting_id)
    if not can_record_outcomes(request.user, meeting):
        raise PermissionDenied("Only conveners of this series record its outcomes and attendance.")
    return meeting


def _anchor(meeting: Meeting, region: str) -> str:
    return reverse("meeting-minutes", args=[meeting.pk]) + f"#minutes-{region}"


def _outcomes_answer(
    request: HttpRequest,
    meeting: Meeting,
    item_id: int,
    *,
    notice: str,
    level: str = "success",
    form: forms.OutcomeForm | None = None,
    undo: Outcome | None = None,
) -> HttpResponse:
    region = f"outcomes-{item_id}"
    if not request.htmx and undo is not None:
        # The sheet's item says it and offers "Undo" (outcome_regions.undo_offer).
        url = reverse("meeting-minutes", args=[meeting.pk])
        return redirect(f"{url}?removed={undo.pk}#minutes-{region}")
    if not request.htmx and level == "success":
        messages.success(request, notice)
        return redirect(_anchor(meeting, region))
    items = actions.agenda_items(meeting)
    state = {"item_id": item_id, "form": form, "notice": notice, "level": level, "undo": undo}
    if not request.htmx:
        return _minutes_response(
            request,
            meeting,
            items,
            notice=notice,
            level=level,
            notice_at=region,
            regions={"outcomes": state},
        )
    regions = outcome_regions.item_outcomes(
        meeting, items, convener=True, people=forms.people_choices(), **state
    )
    if item_id not in regions:
        raise Http404
    return render(
        request, "meetings/_outcomes.html", {"meeting": meeting, "region": regions[item_id]}
    )


def _attendance_answer(
    request: HttpRequest,
    meeting: Meeting,
    *,
    notice: str,
    level: str = "success",
    form: forms.AttendanceForm | None = None,
) -> HttpResponse:
    if not request.htmx and level == "success":
        messages.success(request, notice)
        return redirect(_anchor(meeting, "attendance"))
    items = actions.agenda_items(meeting)
    state = {"form": form, "notice": notice, "level": level}
    if not request.htmx:
        return _minutes_response(
            request,
            meeting,
            items,
            notice=notice,
            level=level,
            notice_at="attendance",
            regions={"attendance": state},
        )
    sheet = outcome_regions.attendance_sheet(
        meeting, items, convener=True, people=forms.people_choices(), **state
    )
    return render(request, "meetings/_attendance.html", {"meeting": meeting, "attendance": sheet})


def _refused(
    request: HttpRequest,
    refusal: Refused,
    meeting_id: int,
    item_id: int | None = None,
    outcome_id: int | None = None,
    attendance_id: int | None = None,
) -> HttpResponse:
    meeting = _recording_meeting(request, meeting_id)
    if attendance_id is not None or (item_id is None and outcome_id is None):
        form = None
        if attendance_id is None:
            form = forms.AttendanceForm(request.POST, prefix="attendance")
            form.is_valid()
            if refusal.field in form.fields and not form.has_error(refusal.field):
                form.add_error(refusal.field, refusal.message)
        return _attendance_answer(
            request, meeting, notice=refusal.message, level="error", form=form
        )
    form = None
    if item_id is None:
        outcome = Outcome.objects.filter(pk=outcome_id, meeting=meeting).first()
        item_id = outcome.agenda_item_id if outcome else None
        if item_id is None:
            raise Http404
    else:
        form = forms.OutcomeForm(request.POST, prefix=f"outcome-{item_id}")
        form.is_valid()
        if refusal.field in form.fields and not form.has_error(refusal.field):
            form.add_error(refusal.field, refusal.message)
    return _outcomes_answer(
        request, meeting, item_id, notice=refusal.message, level="error", form=form
    )


refusals = answers_refusals(_refused)


@require_POST
@login_required
@refusals
def outcome_add(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _recording_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)
    if item.deleted_at is not None:
        raise Http404
    form = forms.OutcomeForm(request.POST, prefix=f"outcome-{item.pk}")
    if not form.is_valid():
        raise Refused("The outcome was not recorded: see the form.")
    data = form.cleaned_data
    recorded = actions.record_outcome(
        meeting=meeting,
        by=request.user,
        kind=data["kind"],
        text=data["text"],
        agenda_item=item,
        owner=data["owner"] if data["kind"] == "action" else None,
        due=data["due"] if data["kind"] == "action" else None,
    )
    kind = {"decision": "decision", "information": "information", "action": "action"}
    return _outcomes_answer(
        request, meeting, item.pk, notice=f"Recorded the {kind[data['kind']]} “{recorded.text}”."
    )


def _outcome(meeting: Meeting, outcome_id: int) -> Outcome:
    return get_object_or_404(Outcome, pk=outcome_id, meeting=meeting)


@require_POST
@login_required
@refusals
def outcome_remove(request: HttpRequest, meeting_id: int, outcome_id: int) -> HttpResponse:
    meeting = _recording_meeting(request, meeting_id)
    outcome = _outcome(meeting, outcome_id)
    removed = actions.remove_outcome(
        outcome=outcome, version=posted_version(request), by=request.user
    )
    if removed.agenda_item_id is None:
        messages.success(request, "Removed.")
        return redirect("meeting-minutes", meeting.pk)
    return _outcomes_answer(
        request,
        meeting,
        removed.agenda_item_id,
        notice=f"Removed “{removed.text}”.",
        undo=removed,
    )


@require_POST
@login_required
@refusals
def outcome_restore(request: HttpRequest, meeting_id: int, outcome_id: int) -> HttpResponse:
    meeting = _recording_meeting(request, meeting_id)
    outcome = _outcome(meeting, outcome_id)
    restored = actions.restore_outcome(
        outcome=outcome, version=posted_version(request), by=request.user
    )
    if restored.agenda_item_id is None:
        messages.success(request, "Restored.")
        return redirect("meeting-minutes", meeting.pk)
    return _outcomes_answer(
        request, meeting, restored.agenda_item_id, notice=f"Restored “{restored.text}”."
    )


@require_POST
@login_required
@refusals
def attendance_set(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _recording_meeting(request, meeting_id)
    form = forms.AttendanceForm(request.POST, prefix="attendance")
    if not form.is_valid():
        raise Refused("Nobody was added to the attendance: see the form.")
    data = form.cleaned_data
    row = actions.set_attendance(
        meeting=meeting,
        by=request.user,
        user=data["member"],
        name=data["name"] or "",
        affiliation=data["affiliation"] or "",
        status=data["status"],
    )
    who = row.user.display_name if row.user_id else row.name
    return _attendance_answer(
        request, meeting, notice=f"{who}: {row.get_status_display().lower()}."
    )


@require_POST
@login_required
@refusals
def attendance_remove(request: HttpRequest, meeting_id: int, attendance_id: int) -> HttpResponse:
    meeting = _recording_meeting(request, meeting_id)
    row = get_object_or_404(
        Attendance.objects.select_related("user"), pk=attendance_id, meeting=meeting
    )
    actions.remove_attendance(attendance=row, by=request.user)
    who = row.user.display_name if row.user_id else row.name
    return _attendance_answer(request, meeting, notice=f"Took {who} off the attendance list.")
