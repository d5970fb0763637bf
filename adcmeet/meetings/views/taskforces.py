"""Pages that join task forces with the roadmap and meetings: a task force's page and the
focus-topic rotation. Outline editing itself lives in taskforces.views."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from adcmeet.core import params
from adcmeet.core.access import (
    can_edit_meeting,
    can_edit_outline,
    login_required,
    reads_every_meeting,
    site_visible,
)
from adcmeet.core.versioning import Refused, answers_refusals
from adcmeet.meetings import actions, rotation
from adcmeet.meetings.models import MAX_ITEM_MINUTES, ActionItem, AgendaItem, Meeting, Outcome
from deliverables.models import Deliverable
from taskforces.models import Checkpoint, OutlineItem, TaskForce
from taskforces.outline import outline_context

ROTATION_MEETINGS = 8


def _people(field: str) -> Prefetch:
    return Prefetch(field, queryset=get_user_model().objects.order_by("name", "username"))


@require_GET
@site_visible
def taskforce_page(request: HttpRequest, slug: str) -> HttpResponse:
    task_force = get_object_or_404(
        TaskForce.objects.prefetch_related(_people("conveners"), _people("members")), slug=slug
    )
    today = timezone.localdate()
    now = timezone.now()
    context = outline_context(task_force, can_edit=can_edit_outline(request.user, task_force))

    goals = dict(task_force.checkpoint_goals.values_list("checkpoint_id", "goal"))
    checkpoints = list(
        Checkpoint.objects.upcoming(today)
        .filter(Q(goals__task_force=task_force) | Q(items__task_force=task_force))
        .distinct()
        .order_by("date", "name")
    )
    for checkpoint in checkpoints:
        checkpoint.goal_text = goals.get(checkpoint.pk, "")

    deliverables = list(
        Deliverable.objects.live()
        .filter(task_force=task_force)
        .select_related("roadmap", "period")
        .order_by("-roadmap__year", "roadmap__name", "period__order", "position", "id")
    )
    for deliverable in deliverables:
        deliverable.is_overdue_today = deliverable.is_overdue(today)

    visible = Meeting.objects.visible_to(request.user)
    focus = list(
        AgendaItem.objects.live()
        .filter(section=AgendaItem.Section.FOCUS, task_force=task_force, meeting__in=visible)
        .exclude(meeting__state=Meeting.State.CANCELLED)
        .select_related("meeting__series")
        .order_by("-meeting__start")
    )
    if not reads_every_meeting(request.user):
        # TaskForce.last_focus_on counts every series: this viewer sees the latest of the
        # focus items they may read (already loaded), so a non-public series' date stays private.
        task_force.last_focus_on = max((i.meeting.scheduled_for for i in focus), default=None)
    recent_cut = now - datetime.timedelta(hours=2)
    action_items = list(
        ActionItem.objects.filter(
            agenda_item__task_force=task_force,
            agenda_item__deleted_at__isnull=True,
            meeting__in=visible,
        )
        .select_related("owner", "meeting__series")
        .order_by("done", "due", "-meeting__start", "id")
    )
    # The latest decisions about it; the log holds the rest (one query).
    decisions = list(
        Outcome.objects.decisions()
        .filter(task_force=task_force, meeting__in=visible)
        .select_related("meeting")
        .order_by("-meeting__start", "-id")[:10]
    )
    context.update(
        {
            "decisions": decisions,
            "checkpoints": checkpoints,
            "deliverables": deliverables,
            "upcoming_focus": [i for i in reversed(focus) if i.meeting.start >= recent_cut],
            "past_focus": [i for i in focus if i.meeting.start < recent_cut],
            "action_items": action_items,
        }
    )
    return render(request, "taskforces/taskforce.html", context)


# --- focus topic rotation ----------------------------------------------------------------


class ScheduleForm(forms.Form):
    meeting = params.IntegerField(widget=forms.HiddenInput, min_value=1)
    version = params.IntegerField(widget=forms.HiddenInput, min_value=1)
    task_force = params.IntegerField(widget=forms.HiddenInput, min_value=1)
    question = forms.TypedChoiceField(
        label="Title", required=False, coerce=int, empty_value=None, choices=()
    )
    duration = params.IntegerField(
        label="Minutes", min_value=1, max_value=MAX_ITEM_MINUTES, initial=rotation.FOCUS_MINUTES
    )
    replace = forms.BooleanField(label="Replace the current focus topic", required=False)

    def __init__(self, *args, questions: list[OutlineItem] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [("", "Just the activity's name")] + [
            (q.pk, q.text) for q in questions
        ]


def _schedulable(user) -> list[Meeting]:
    return list(
        Meeting.objects.visible_to(user)
        .upcoming()
        .exclude(state__in=[Meeting.State.CANCELLED, Meeting.State.HELD])
        .select_related("series")
        .order_by("start")[:ROTATION_MEETINGS]
    )


def _rotation_context(
    request: HttpRequest, *, selected_id: int | None = None, retry: dict | None = None
) -> dict:
    today = timezone.localdate()
    meetings = _schedulable(request.user)
    focus_by_meeting: dict[int, AgendaItem] = {}
    for item in (
        AgendaItem.objects.live()
        .filter(section=AgendaItem.Section.FOCUS, meeting__in=[m.pk for m in meetings])
        .select_related("task_force")
        .order_by("-position", "-id")
    ):
        focus_by_meeting[item.meeting_id] = item
    for meeting in meetings:
        meeting.focus_item = focus_by_meeting.get(meeting.pk)
    selected = next((m for m in meetings if m.pk == selected_id), None)
    if selected is None:
        selected = next((m for m in meetings if m.focus_item is None), None) or (
            meetings[0] if meetings else None
        )
    can_schedule = selected is not None and can_edit_meeting(request.user, selected)
    proposals = rotation.propose(today, user=request.user)
    retry = retry or {}
    for proposal in proposals:
        if not can_schedule:
            proposal.form = None
            continue
        again = retry.get("task_force") == proposal.task_force.pk
        proposal.form = ScheduleForm(
            questions=proposal.questions,
            prefix=f"tf{proposal.task_force.pk}",
            initial={
                "meeting": selected.pk,
                "version": selected.version,
                "task_force": proposal.task_force.pk,
                "question": retry.get("question") if again else None,
                "duration": retry.get("duration") if again else rotation.FOCUS_MINUTES,
                "replace": bool(retry.get("replace")) if again else False,
            },
        )
    return {
        "meetings": meetings,
        "selected": selected,
        "can_schedule": can_schedule,
        "proposals": proposals,
        "today": today,
    }


@require_GET
@site_visible
def focus_topics(request: HttpRequest) -> HttpResponse:
    selected_id = params.optional_id(request.GET.get("meeting"))
    return render(
        request, "taskforces/rotation.html", _rotation_context(request, selected_id=selected_id)
    )


def _posted_schedule(request: HttpRequest) -> ScheduleForm:
    # Each proposal's form has its own prefix; the task force id in the submitted prefix
    # says which one was sent.
    prefix = next(
        (key.split("-", 1)[0] for key in request.POST if key.startswith("tf") and "-" in key),
        "",
    )
    form = ScheduleForm(request.POST, prefix=prefix)
    # Question choices are checked against the task force, so accept any id here.
    form.fields["question"] = params.IntegerField(required=False, min_value=1)
    return form


def _schedule_refused(request: HttpRequest, refusal: Refused) -> HttpResponse:
    """The rotation page, current, with the message and the convener's choices kept."""
    form = _posted_schedule(request)
    form.is_valid()  # it was, or the view would not have gone on
    data = form.cleaned_data
    retry = {
        "task_force": data["task_force"],
        "question": data["question"],
        "duration": data["duration"],
        "replace": data["replace"],
    }
    messages.error(request, refusal.message)
    context = _rotation_context(request, selected_id=data["meeting"], retry=retry)
    return render(request, "taskforces/rotation.html", context)


@require_POST
@login_required
@answers_refusals(_schedule_refused)
def schedule_focus_topic(request: HttpRequest) -> HttpResponse:
    form = _posted_schedule(request)
    if not form.is_valid():
        messages.error(request, "That scheduling request was incomplete; please try again.")
        return render(request, "taskforces/rotation.html", _rotation_context(request), status=400)
    data = form.cleaned_data
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("series"), pk=data["meeting"]
    )
    if not can_edit_meeting(request.user, meeting):
        raise PermissionDenied("Only conveners schedule focus topics.")
    task_force = get_object_or_404(TaskForce, pk=data["task_force"])
    question = None
    if data["question"]:
        question = OutlineItem.objects.filter(
            pk=data["question"], task_force=task_force, kind=OutlineItem.Kind.QUESTION
        ).first()
        if question is None:
            raise actions.AgendaError(
                "That question is not one of this task force's open questions."
            )
    if meeting.start < timezone.now() - datetime.timedelta(hours=2):
        raise actions.AgendaError("That meeting has already taken place; choose an upcoming one.")
    # Refused (answers_refusals): FocusTopicTaken and a stale version 409, other rules 422.
    item = rotation.schedule_focus_topic(
        meeting=meeting,
        version=data["version"],
        by=request.user,
        task_force=task_force,
        question=question,
        replace=data["replace"],
        duration_minutes=data["duration"],
    )
    messages.success(
        request, f"“{item.title}” is the focus topic of {meeting.local_start:%A %d %B %Y}."
    )
    return redirect(meeting.get_absolute_url())
