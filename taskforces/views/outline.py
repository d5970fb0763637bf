"""Outline editing endpoints of a task force's page.

The task force page itself is composed in adcmeet.meetings.views.taskforces (it shows
deliverables and meetings, which this app must not know); these endpoints render its `outline`
partial for htmx and redirect back to the page otherwise.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from adcmeet.core.access import (
    can_edit_outline,
    login_required,
    site_visible,
)
from adcmeet.core.versioning import Conflict, Refused, answers_refusals
from taskforces import actions
from taskforces.forms import (
    DoneForm,
    ItemVersionForm,
    MoveForm,
    OutlineItemEditForm,
    OutlineItemForm,
)
from taskforces.models import Checkpoint, OutlineItem, TaskForce
from taskforces.outline import flatten, outline_context

PAGE = "taskforces/taskforce.html"
OUTLINE = "taskforces/taskforce.html#outline"


# --- outline editing --------------------------------------------------------------------------


def _editable_task_force(request: HttpRequest, slug: str) -> TaskForce:
    task_force = get_object_or_404(TaskForce, slug=slug)
    if not can_edit_outline(request.user, task_force):
        raise PermissionDenied("Only this task force's members and conveners edit its outline.")
    return task_force


def _item(task_force: TaskForce, item_id: int) -> OutlineItem:
    return get_object_or_404(OutlineItem, pk=item_id, task_force=task_force)


def _changed_item(task_force: TaskForce, item_id: int) -> OutlineItem:
    """The item a change is about. The page offered it, so if it is gone it was deleted in the
    meantime: a conflict (the fresh outline), not a missing page."""
    item = OutlineItem.objects.filter(pk=item_id).first()
    if item is None:
        raise Conflict(None, "That item was deleted in the meantime.")
    if item.task_force_id != task_force.pk:
        raise Http404("No such item in this outline.")
    return item


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


def _outline_refused(
    request: HttpRequest, refusal: Refused, slug: str, item_id: int | None = None
) -> HttpResponse:
    """The one answer to a refused outline change (core.versioning.answers_refusals): the
    outline as it stands now with the refusal's message, and the add or edit form as the user
    filled it. After a conflict the edit form carries the fresh version, so saving it again is
    a deliberate overwrite of what is shown. Without JavaScript: the form's own page, or the
    outline as a page."""
    task_force = get_object_or_404(TaskForce, slug=slug)
    nodes, checkpoints = _choices(task_force)
    status, message = refusal.status, refusal.message
    current = getattr(refusal, "current", None)
    url_name = request.resolver_match.url_name if request.resolver_match else ""
    if url_name == "outline-add":
        form = OutlineItemForm(request.POST, nodes=nodes, checkpoints=checkpoints, prefix="add")
        form.is_valid()
        if request.htmx:
            ctx = outline_context(task_force, can_edit=True, form=form, error=message)
            return render(request, OUTLINE, ctx, status=status)
        return _form_page(request, task_force, form, error=message, status=status)
    item = OutlineItem.objects.filter(pk=item_id, task_force=task_force).first()
    if url_name == "outline-edit" and item is not None:
        data = request.POST.copy()
        if current is not None:
            data["edit-version"] = str(current.version)
            message = f"{message} It now reads: “{current.text}”; your text is kept below."
        form = OutlineItemEditForm(
            data, nodes=nodes, checkpoints=checkpoints, item=item, prefix="edit"
        )
        form.is_valid()
        if request.htmx:
            ctx = outline_context(
                task_force, can_edit=True, editing=item.pk, edit_form=form, error=message
            )
            return render(request, OUTLINE, ctx, status=status)
        return _form_page(request, task_force, form, item=item, error=message, status=status)
    ctx = outline_context(task_force, can_edit=True, error=message)
    if request.htmx:
        return render(request, OUTLINE, ctx, status=status)
    return render(request, "taskforces/outline_page.html", ctx, status=status)


@require_POST
@login_required
@answers_refusals(_outline_refused)
def outline_add(request: HttpRequest, slug: str) -> HttpResponse:
    task_force = _editable_task_force(request, slug)
    nodes, checkpoints = _choices(task_force)
    form = OutlineItemForm(request.POST, nodes=nodes, checkpoints=checkpoints, prefix="add")
    if not form.is_valid():
        raise Refused("Nothing was added: see the form.")
    item = actions.add_item(
        task_force=task_force,
        text=form.cleaned_data["text"],
        kind=form.cleaned_data["kind"],
        parent_id=form.cleaned_data["parent"],
        checkpoint=form.cleaned_data["checkpoint"],
    )
    return _outline_response(request, task_force, item_id=item.pk, notice=f"Added “{item.text}”.")


@require_http_methods(["GET", "POST"])
@login_required
@answers_refusals(_outline_refused)
def outline_edit(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    task_force = _editable_task_force(request, slug)
    if request.method == "GET":
        item = _item(task_force, item_id)
        if request.htmx:
            return render(
                request, OUTLINE, outline_context(task_force, can_edit=True, editing=item.pk)
            )
        nodes, checkpoints = _choices(task_force)
        form = OutlineItemEditForm.for_item(item, nodes=nodes, checkpoints=checkpoints)
        return _form_page(request, task_force, form, item=item)

    item = _changed_item(task_force, item_id)
    nodes, checkpoints = _choices(task_force)
    form = OutlineItemEditForm(
        request.POST, nodes=nodes, checkpoints=checkpoints, item=item, prefix="edit"
    )
    if not form.is_valid():
        raise Refused("Nothing was saved: see the form.")
    item = actions.edit_item(
        item=item,
        version=form.cleaned_data["version"],
        text=form.cleaned_data["text"],
        kind=form.cleaned_data["kind"],
        checkpoint=form.cleaned_data["checkpoint"],
        parent_id=form.cleaned_data["parent"],
    )
    return _outline_response(request, task_force, item_id=item.pk, notice=f"Saved “{item.text}”.")


def _control(request: HttpRequest, slug: str, item_id: int, form_class, invalid: str):
    """What one of an item's controls posted: the task force, the item and the cleaned form (a
    missing version cleans to None, which the action answers as a conflict)."""
    task_force = _editable_task_force(request, slug)
    item = _changed_item(task_force, item_id)
    form = form_class(request.POST)
    if not form.is_valid():
        raise Refused(invalid)
    return task_force, item, form.cleaned_data


@require_POST
@login_required
@answers_refusals(_outline_refused)
def outline_done(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    task_force, item, data = _control(request, slug, item_id, DoneForm, "Say done or open.")
    item = actions.set_done(item=item, done=data["done"], version=data["version"])
    state = "done" if item.done else "open again"
    return _outline_response(
        request, task_force, item_id=item.pk, notice=f"“{item.text}” is {state}."
    )


@require_POST
@login_required
@answers_refusals(_outline_refused)
def outline_move(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    task_force, item, data = _control(request, slug, item_id, MoveForm, "Unknown move.")
    item = actions.move_item(item=item, direction=data["direction"], version=data["version"])
    done = {"up": "Moved up", "down": "Moved down", "indent": "Indented", "outdent": "Outdented"}
    return _outline_response(
        request, task_force, item_id=item.pk, notice=f"{done[data['direction']]}: “{item.text}”."
    )


@require_POST
@login_required
@answers_refusals(_outline_refused)
def outline_delete(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    task_force, item, data = _control(request, slug, item_id, ItemVersionForm, "")
    actions.delete_item(item=item, version=data["version"])
    return _outline_response(
        request, task_force, notice=f"Deleted “{item.text}”; its sub-items moved up a level."
    )
