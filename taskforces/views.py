"""Task force list, outline editing endpoints and checkpoints.

The task force page itself is composed in adcmeet.meetings.views.taskforces (it shows
deliverables and meetings, which this app must not know); the outline endpoints here render
its `outline` partial for htmx and redirect back to the page otherwise.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from adcmeet.core import fragments
from adcmeet.core.access import (
    can_edit_outline,
    can_manage_checkpoints,
    login_redirect,
    login_required,
    site_visible,
)
from taskforces import actions
from taskforces.forms import (
    CheckpointForm,
    DoneForm,
    GoalForm,
    MoveForm,
    OutlineItemEditForm,
    OutlineItemForm,
)
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce
from taskforces.outline import flatten, outline_context

PAGE = "taskforces/taskforce.html"
OUTLINE = "taskforces/taskforce.html#outline"


def _people():
    return Prefetch("conveners", queryset=get_user_model().objects.order_by("name", "username"))


def _list_stamp() -> str | None:
    """Everything the list shows, in one query (adcmeet.core.fragments): task forces, their
    conveners and outlines, checkpoints and their goals, people's names."""
    return fragments.stamp(
        TaskForce.objects.all(),
        TaskForce.conveners.through.objects.all(),
        OutlineItem.objects.all(),
        Checkpoint.objects.all(),
        CheckpointGoal.objects.all(),
        get_user_model().objects.all(),
    )


def _list_content(today) -> str:
    task_forces = list(
        TaskForce.objects.with_open_plan_count()
        .with_next_checkpoint(today)
        .prefetch_related(_people())
        .order_by(
            Case(
                When(status=TaskForce.Status.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            "name",
        )
    )
    checkpoints = Checkpoint.objects.in_bulk(
        {tf.next_checkpoint_id for tf in task_forces if tf.next_checkpoint_id}
    )
    for tf in task_forces:
        tf.next_checkpoint = checkpoints.get(tf.next_checkpoint_id)
        tf.days_to_checkpoint = tf.next_checkpoint.days_from(today) if tf.next_checkpoint else None
    return fragments.render_fragment(
        "taskforces/taskforce_list.html#listing", {"task_forces": task_forces, "today": today}
    )


@require_GET
@site_visible
def taskforce_list(request: HttpRequest) -> HttpResponse:
    # The same for every viewer: one copy per day until a shown row changes.
    today = timezone.localdate()
    listing = fragments.cached("taskforces", _list_stamp(), (today,), lambda: _list_content(today))
    return render(request, "taskforces/taskforce_list.html", {"listing": listing})


# --- outline editing --------------------------------------------------------------------------


def _editable_task_force(request: HttpRequest, slug: str) -> TaskForce:
    task_force = get_object_or_404(TaskForce, slug=slug)
    if not can_edit_outline(request.user, task_force):
        raise PermissionDenied("Only this task force's members and conveners edit its outline.")
    return task_force


def _item(task_force: TaskForce, item_id: int) -> OutlineItem:
    return get_object_or_404(OutlineItem, pk=item_id, task_force=task_force)


def _page_url(task_force: TaskForce, item_id: int | None = None) -> str:
    anchor = f"#outline-item-{item_id}" if item_id else "#outline"
    return task_force.get_absolute_url() + anchor


def _outline_response(
    request: HttpRequest,
    task_force: TaskForce,
    *,
    item_id: int | None = None,
    status: int = 200,
    **context,
) -> HttpResponse:
    """htmx: the refreshed outline; otherwise back to the page (post/redirect/get)."""
    if request.htmx:
        ctx = outline_context(task_force, can_edit=True, **context)
        return render(request, OUTLINE, ctx, status=status)
    if context.get("error"):
        messages.error(request, context["error"])
    elif context.get("notice"):
        messages.success(request, context["notice"])
    return HttpResponseRedirect(_page_url(task_force, item_id))


def _form_page(
    request: HttpRequest,
    task_force: TaskForce,
    form,
    *,
    item: OutlineItem | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The outline item form as a page of its own: the no-JavaScript path for editing, and
    where a refused submission comes back with the user's text kept."""
    return render(
        request,
        "taskforces/outline_item_form.html",
        {"task_force": task_force, "form": form, "item": item, "error": error},
        status=status,
    )


def _choices(task_force: TaskForce) -> tuple[list, list[Checkpoint]]:
    from taskforces.outline import build_tree

    nodes = flatten(build_tree(list(OutlineItem.objects.filter(task_force=task_force))))
    return nodes, list(Checkpoint.objects.order_by("date", "name"))


@require_GET
@site_visible
def outline_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The outline alone, for htmx (cancelling an edit); the page otherwise."""
    task_force = get_object_or_404(TaskForce, slug=slug)
    if not request.htmx:
        return HttpResponseRedirect(_page_url(task_force))
    can_edit = can_edit_outline(request.user, task_force)
    return render(request, OUTLINE, outline_context(task_force, can_edit=can_edit))


@require_POST
@login_required
def outline_add(request: HttpRequest, slug: str) -> HttpResponse:
    task_force = _editable_task_force(request, slug)
    nodes, checkpoints = _choices(task_force)
    form = OutlineItemForm(request.POST, nodes=nodes, checkpoints=checkpoints, prefix="add")
    if form.is_valid():
        try:
            item = actions.add_item(
                task_force=task_force,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                parent_id=form.cleaned_data["parent"],
                checkpoint=form.cleaned_data["checkpoint"],
            )
        except actions.OutlineError as exc:
            form.add_error(None, str(exc))
        else:
            return _outline_response(
                request, task_force, item_id=item.pk, notice=f"Added “{item.text}”."
            )
    if request.htmx:
        return render(
            request,
            OUTLINE,
            outline_context(task_force, can_edit=True, form=form),
            status=422,
        )
    return _form_page(request, task_force, form, status=422)


@require_http_methods(["GET", "POST"])
@login_required
def outline_edit(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    task_force = _editable_task_force(request, slug)
    item = _item(task_force, item_id)
    if request.method == "GET":
        if request.htmx:
            return render(
                request, OUTLINE, outline_context(task_force, can_edit=True, editing=item.pk)
            )
        nodes, checkpoints = _choices(task_force)
        form = OutlineItemEditForm.for_item(item, nodes=nodes, checkpoints=checkpoints)
        return _form_page(request, task_force, form, item=item)

    nodes, checkpoints = _choices(task_force)
    form = OutlineItemEditForm(
        request.POST, nodes=nodes, checkpoints=checkpoints, item=item, prefix="edit"
    )
    status = 422
    if form.is_valid():
        try:
            item = actions.edit_item(
                item=item,
                version=form.cleaned_data["version"],
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                checkpoint=form.cleaned_data["checkpoint"],
                parent_id=form.cleaned_data["parent"],
            )
        except actions.StaleOutlineItem as exc:
            # The fresh state, and the user's text kept in the message so nothing is lost.
            item.refresh_from_db()
            lost = form.cleaned_data["text"]
            error = f"{exc} Your version was: “{lost}”."
            fresh = OutlineItemEditForm.for_item(item, nodes=nodes, checkpoints=checkpoints)
            if request.htmx:
                ctx = outline_context(
                    task_force, can_edit=True, editing=item.pk, edit_form=fresh, error=error
                )
                return render(request, OUTLINE, ctx, status=409)
            return _form_page(request, task_force, fresh, item=item, error=error, status=409)
        except actions.OutlineError as exc:
            form.add_error(None, str(exc))
        else:
            return _outline_response(
                request, task_force, item_id=item.pk, notice=f"Saved “{item.text}”."
            )
    if request.htmx:
        ctx = outline_context(task_force, can_edit=True, editing=item.pk, edit_form=form)
        return render(request, OUTLINE, ctx, status=status)
    return _form_page(request, task_force, form, item=item, status=status)


@require_POST
@login_required
def outline_done(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    task_force = _editable_task_force(request, slug)
    item = _item(task_force, item_id)
    form = DoneForm(request.POST)
    if not form.is_valid():
        return _outline_response(
            request, task_force, item_id=item.pk, status=400, error="Say done or open."
        )
    item = actions.set_done(item=item, done=form.cleaned_data["done"])
    state = "done" if item.done else "open again"
    return _outline_response(
        request, task_force, item_id=item.pk, notice=f"“{item.text}” is {state}."
    )


@require_POST
@login_required
def outline_move(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    task_force = _editable_task_force(request, slug)
    item = _item(task_force, item_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _outline_response(
            request, task_force, item_id=item.pk, status=400, error="Unknown move."
        )
    direction = form.cleaned_data["direction"]
    try:
        item = actions.move_item(item=item, direction=direction)
    except actions.OutlineError as exc:
        return _outline_response(request, task_force, item_id=item.pk, status=409, error=str(exc))
    done = {"up": "Moved up", "down": "Moved down", "indent": "Indented", "outdent": "Outdented"}
    return _outline_response(
        request, task_force, item_id=item.pk, notice=f"{done[direction]}: “{item.text}”."
    )


@require_POST
@login_required
def outline_delete(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    task_force = _editable_task_force(request, slug)
    item = _item(task_force, item_id)
    text = item.text
    try:
        actions.delete_item(item=item)
    except actions.OutlineError as exc:
        return _outline_response(request, task_force, status=409, error=str(exc))
    return _outline_response(
        request, task_force, notice=f"Deleted “{text}”; its sub-items moved up a level."
    )


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


def _checkpoint_context(request: HttpRequest, checkpoint: Checkpoint, goal_form=None) -> dict:
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
    editable = TaskForce.objects.editable_by(request.user).active().order_by("name")
    if goal_form is None and request.user.is_authenticated:
        goal_form = GoalForm(task_forces=editable)
    return {
        "checkpoint": checkpoint,
        "sections": sections,
        "n_open": len(open_items),
        "n_done": n_done,
        "days": checkpoint.days_from(today),
        "is_past": (checkpoint.end_date or checkpoint.date) < today,
        "goal_form": goal_form if goal_form is not None and editable.exists() else None,
        "can_manage": can_manage_checkpoints(request.user),
    }


@require_GET
@site_visible
def checkpoint_detail(request: HttpRequest, slug: str) -> HttpResponse:
    checkpoint = get_object_or_404(Checkpoint, slug=slug)
    return render(request, "taskforces/checkpoint.html", _checkpoint_context(request, checkpoint))


@require_POST
@login_required
def checkpoint_goal(request: HttpRequest, slug: str) -> HttpResponse:
    checkpoint = get_object_or_404(Checkpoint, slug=slug)
    editable = TaskForce.objects.editable_by(request.user).active()
    if not editable.exists():
        raise PermissionDenied("Only task force members and conveners record goals.")
    form = GoalForm(request.POST, task_forces=editable)
    if form.is_valid():
        task_force = form.cleaned_data["task_force"]
        if not can_edit_outline(request.user, task_force):
            raise PermissionDenied
        actions.set_goal(
            checkpoint=checkpoint, task_force=task_force, goal=form.cleaned_data["goal"]
        )
        messages.success(request, f"Saved {task_force.name}'s goal for {checkpoint.name}.")
        return redirect(checkpoint.get_absolute_url() + f"#goal-{task_force.slug}")
    return render(
        request,
        "taskforces/checkpoint.html",
        _checkpoint_context(request, checkpoint, goal_form=form),
        status=422,
    )


def checkpoint_edit_url(checkpoint: Checkpoint) -> str:
    return reverse("checkpoint-edit", args=[checkpoint.slug])


def _checkpoint_manager_only(request: HttpRequest) -> HttpResponse | None:
    """A login redirect for anonymous visitors; 403 for anyone but conveners and managers."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    if not can_manage_checkpoints(request.user):
        raise PermissionDenied("Only conveners and managers create and edit checkpoints.")
    return None


def _checkpoint_form_page(
    request: HttpRequest, checkpoint: Checkpoint | None, *, success: str
) -> HttpResponse:
    if refused := _checkpoint_manager_only(request):
        return refused
    # Taken before the form touches the instance: a refused edit must still post back here.
    page = {
        "checkpoint": checkpoint,
        "action": checkpoint_edit_url(checkpoint) if checkpoint else reverse("checkpoint-new"),
        "title": f"Edit {checkpoint.name}" if checkpoint else "New checkpoint",
        "cancel": checkpoint.get_absolute_url() if checkpoint else reverse("checkpoints"),
    }
    instance = checkpoint or Checkpoint()
    if request.method == "POST":
        form = CheckpointForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                saved = actions.save_checkpoint(
                    checkpoint=form.save(commit=False),
                    task_forces=list(form.cleaned_data["task_forces"]),
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


@require_http_methods(["GET", "POST"])
def checkpoint_new(request: HttpRequest) -> HttpResponse:
    return _checkpoint_form_page(request, None, success="Created the checkpoint {name}.")


@require_http_methods(["GET", "POST"])
def checkpoint_edit(request: HttpRequest, slug: str) -> HttpResponse:
    if refused := _checkpoint_manager_only(request):
        return refused
    checkpoint = get_object_or_404(Checkpoint, slug=slug)
    return _checkpoint_form_page(request, checkpoint, success="Saved the checkpoint {name}.")
