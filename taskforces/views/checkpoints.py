"""Checkpoints (workshops, deadlines): the list, a checkpoint with each task force's goal,
and the managers' form."""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from adcmeet.core.access import (
    can_edit_outline,
    can_manage_checkpoints,
    login_redirect,
    login_required,
    site_visible,
    task_forces_editable_by,
)
from adcmeet.core.versioning import Conflict, Refused, answers_refusals, parse_version
from taskforces import actions
from taskforces.forms import (
    CheckpointForm,
    GoalForm,
    encode_goal_versions,
)
from taskforces.models import Checkpoint, CheckpointGoal, TaskForce

# --- checkpoints -----------------------------------------------------------------------------


def _goals_prefetch():
    return Prefetch(
        "goals",
        queryset=CheckpointGoal.objects.select_related("task_force").order_by("task_force__name"),
    )


@require_GET
@site_visible
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    base = Checkpoint.objects.with_open_item_count().prefetch_related(_goals_prefetch())
    upcoming = list(base.upcoming(today))
    for checkpoint in upcoming:
        checkpoint.days = checkpoint.days_from(today)
    return render(
        request,
        "taskforces/checkpoint_list.html",
        {
            "upcoming": upcoming,
            "past": list(base.past(today)[:20]),
            "today": today,
            "can_manage": can_manage_checkpoints(request.user),
        },
    )


def _goal_form(task_force: TaskForce, editable, goal=None, data=None) -> GoalForm:
    """The goal form of one task force's section, showing its goal as stored (or as the user
    wrote it, when `data` is a refused submission)."""
    initial = {"task_force": task_force.pk, "goal": goal.goal if goal else ""}
    initial["version"] = goal.version if goal else ""
    return GoalForm(
        data, task_forces=editable, initial=initial, auto_id=f"id_goal_{task_force.slug}_%s"
    )


def _checkpoint_context(
    request: HttpRequest, checkpoint: Checkpoint, refused_goal: GoalForm | None = None
) -> dict:
    today = timezone.localdate()
    goals = list(checkpoint.goals.select_related("task_force").order_by("task_force__name"))
    open_items = list(
        checkpoint.items.filter(done=False)
        .select_related("task_force", "parent")
        .order_by("task_force__name", "parent_id", "position", "id")
    )
    n_done = checkpoint.items.filter(done=True).count()
    by_task_force: dict[int, dict] = {}
    for goal in goals:
        by_task_force[goal.task_force_id] = {
            "task_force": goal.task_force,
            "goal": goal,
            "items": [],
        }
    for item in open_items:
        entry = by_task_force.setdefault(
            item.task_force_id, {"task_force": item.task_force, "goal": None, "items": []}
        )
        entry["items"].append(item)
    sections = sorted(by_task_force.values(), key=lambda e: e["task_force"].name.lower())
    editable = task_forces_editable_by(request.user, TaskForce.objects.active()).order_by("name")
    mine = {tf.pk for tf in editable} if request.user.is_authenticated else set()
    refused_id = _chosen_task_force(refused_goal)
    for section in sections:
        task_force = section["task_force"]
        if task_force.pk == refused_id:
            section["form"], refused_goal = refused_goal, None
        elif task_force.pk in mine and section["goal"] is not None:
            section["form"] = _goal_form(task_force, editable, section["goal"])
    # Task forces with no goal here yet write one in the form below the sections.
    with_goal = {section["task_force"].pk for section in sections if section["goal"]}
    new_goal = editable.exclude(pk__in=with_goal) if mine else editable.none()
    goal_form = refused_goal
    if goal_form is None and new_goal.exists():
        goal_form = GoalForm(task_forces=new_goal)
    return {
        "checkpoint": checkpoint,
        "sections": sections,
        "n_open": len(open_items),
        "n_done": n_done,
        "days": checkpoint.days_from(today),
        "is_past": (checkpoint.end_date or checkpoint.date) < today,
        "goal_form": goal_form,
        "can_manage": can_manage_checkpoints(request.user),
    }


def _chosen_task_force(form: GoalForm | None) -> int | None:
    if form is None:
        return None
    return parse_version(form.data.get("task_force"))  # an id: a plain number or nothing


@require_GET
@site_visible
def checkpoint_detail(request: HttpRequest, slug: str) -> HttpResponse:
    checkpoint = get_object_or_404(Checkpoint, slug=slug)
    return render(request, "taskforces/checkpoint.html", _checkpoint_context(request, checkpoint))


def _goal_refused(request: HttpRequest, refusal: Refused, slug: str) -> HttpResponse:
    """The checkpoint as it stands now, the goal form as the user wrote it and the refusal's
    message; after a conflict the form carries the fresh version, so saving it again is a
    deliberate replacement of the goal now shown."""
    checkpoint = get_object_or_404(Checkpoint, slug=slug)
    editable = task_forces_editable_by(request.user, TaskForce.objects.active())
    data = request.POST.copy()
    if isinstance(refusal, Conflict):
        data["version"] = str(refusal.current.version) if refusal.current else ""
    task_force = editable.filter(pk=parse_version(data.get("task_force"))).first()
    form = (
        _goal_form(task_force, editable, data=data)
        if task_force
        else GoalForm(data, task_forces=editable)
    )
    form.is_valid()
    form.add_error(None, refusal.message)
    return render(
        request, "taskforces/checkpoint.html", _checkpoint_context(request, checkpoint, form)
    )


@require_POST
@login_required
@answers_refusals(_goal_refused)
def checkpoint_goal(request: HttpRequest, slug: str) -> HttpResponse:
    checkpoint = get_object_or_404(Checkpoint, slug=slug)
    editable = task_forces_editable_by(request.user, TaskForce.objects.active())
    if not editable.exists():
        raise PermissionDenied("Only task force members and conveners record goals.")
    form = GoalForm(request.POST, task_forces=editable)
    if not form.is_valid():
        raise Refused("The goal was not saved: see the form.")
    task_force = form.cleaned_data["task_force"]
    if not can_edit_outline(request.user, task_force):
        raise PermissionDenied(
            f"Only members and conveners of {task_force.name} and meeting conveners can record "
            "its goals."
        )
    actions.set_goal(
        checkpoint=checkpoint,
        task_force=task_force,
        goal=form.cleaned_data["goal"],
        version=form.cleaned_data["version"],
    )
    messages.success(request, f"Saved {task_force.name}'s goal for {checkpoint.name}.")
    return redirect(checkpoint.get_absolute_url() + f"#goal-{task_force.slug}")


def checkpoint_edit_url(checkpoint: Checkpoint) -> str:
    return reverse("checkpoint-edit", args=[checkpoint.slug])


def _checkpoint_manager_only(request: HttpRequest) -> HttpResponse | None:
    """A login redirect for anonymous visitors; 403 for anyone but conveners and managers."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    if not can_manage_checkpoints(request.user):
        raise PermissionDenied("Only conveners and managers create and edit checkpoints.")
    return None


def _page(checkpoint: Checkpoint | None) -> dict:
    return {
        "checkpoint": checkpoint,
        "action": checkpoint_edit_url(checkpoint) if checkpoint else reverse("checkpoint-new"),
        "title": f"Edit {checkpoint.name}" if checkpoint else "New checkpoint",
        "cancel": checkpoint.get_absolute_url() if checkpoint else reverse("checkpoints"),
    }


def _checkpoint_form_page(
    request: HttpRequest, checkpoint: Checkpoint | None, *, success: str
) -> HttpResponse:
    if refused := _checkpoint_manager_only(request):
        return refused
    # Taken before the form touches the instance: a refused edit must still post back here.
    page = _page(checkpoint)
    instance = checkpoint or Checkpoint()
    if request.method == "POST":
        form = CheckpointForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                saved = actions.save_checkpoint(
                    checkpoint=form.save(commit=False),
                    version=form.cleaned_data["version"],
                    task_forces=list(form.cleaned_data["task_forces"]),
                    goal_versions=form.cleaned_data["goal_versions"],
                )
            except (ValidationError, IntegrityError):
                # Lost a race for the slug (or the database refused the dates): say so and
                # keep what was typed.
                form.add_error(
                    None,
                    "Could not save: another checkpoint may have just taken this short name. "
                    "Please check and try again.",
                )
            else:
                messages.success(request, success.format(name=saved.name))
                return redirect(saved.get_absolute_url())
        status = 422
    else:
        form = CheckpointForm(instance=instance)
        status = 200
    return render(
        request,
        "taskforces/checkpoint_form.html",
        {"form": form, **page},
        status=status,
    )


def _checkpoint_form_refused(
    request: HttpRequest, refusal: Refused, slug: str | None = None
) -> HttpResponse:
    """The checkpoint as it is stored now, beside the form as the user filled it: nothing of
    theirs is lost, and saving again (on the fresh versions) is a deliberate overwrite."""
    current = getattr(refusal, "current", None)
    if not isinstance(current, Checkpoint):
        current = get_object_or_404(Checkpoint, slug=slug)
    goals = list(current.goals.select_related("task_force").order_by("task_force__name"))
    data = request.POST.copy()
    data["version"] = str(current.version)
    data["goal_versions"] = encode_goal_versions({g.task_force_id: g.version for g in goals})
    # The form gets its own copy: validating it writes the user's values into its instance.
    form = CheckpointForm(data, instance=copy.copy(current))
    form.is_valid()
    context = {"form": form, "refusal": refusal.message, "current": current, "goals": goals}
    return render(request, "taskforces/checkpoint_form.html", {**context, **_page(current)})


@require_http_methods(["GET", "POST"])
def checkpoint_new(request: HttpRequest) -> HttpResponse:
    return _checkpoint_form_page(request, None, success="Created the checkpoint {name}.")


@require_http_methods(["GET", "POST"])
@answers_refusals(_checkpoint_form_refused)
def checkpoint_edit(request: HttpRequest, slug: str) -> HttpResponse:
    if refused := _checkpoint_manager_only(request):
        return refused
    checkpoint = get_object_or_404(Checkpoint, slug=slug)
    return _checkpoint_form_page(request, checkpoint, success="Saved the checkpoint {name}.")
