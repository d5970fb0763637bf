"""The agenda builder (conveners): the page, item changes, tracking, copies, publishing,
cancelling and moving the meeting."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from adcmeet.core.access import (
    login_required,
)
from adcmeet.meetings import actions, forms
from adcmeet.meetings.models import AgendaItem
from adcmeet.meetings.views.builder_regions import (
    KEEP_BUT_PROPOSALS,
    KEEP_FORMS,
    answer_invalid,
    attempt,
    builder_response,
    shapes_now,
)
from adcmeet.meetings.views.fetch import (
    EDIT_TEMPLATE,
    Section,
    editable_meeting,
    meeting_item,
    viewer_zone,
)


@require_GET
@login_required
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    editing = None
    edit_id = request.GET.get("edit", "")
    if edit_id.isdigit():
        item = meeting.items.live().filter(pk=int(edit_id)).first()
        if item is not None:
            editing = (item.pk, _edit_form(item))
    undo = None
    undo_id = request.session.pop("agenda_undo", None)
    if undo_id:
        undo = meeting.items.filter(pk=undo_id, deleted_at__isnull=False).first()
    return builder_response(request, meeting, editing=editing, undo=undo)


def _edit_form(item: AgendaItem, data=None) -> forms.ItemForm:
    return forms.ItemForm(
        data,
        section=item.section,
        initial=forms.ItemForm.initial_for(item),
        prefix=f"item-{item.pk}",
    )


@require_POST
@login_required
def item_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    section = request.POST.get("section", "")
    if section not in Section.values:
        return HttpResponseBadRequest("Unknown agenda section.")
    form = forms.ItemForm(request.POST, section=section, prefix=f"add-{section}")
    if not form.is_valid():
        return answer_invalid(
            request, meeting, "The item was not added: see the form.", bound={section: form}
        )

    def change(version: int) -> str:
        item = actions.add_item(
            meeting=meeting,
            version=version,
            by=request.user,
            section=section,
            **form.action_kwargs(),
        )
        return f"Added “{item.title}” to {Section(section).label.lower()}."

    # The form just used comes back empty, ready for the next item; the others stay, and so
    # do the removed items (an add removes none).
    keep = (KEEP_FORMS | {"removed"}) - {f"add-{section}"}
    return attempt(request, meeting, change, keep=keep, reshape=True, bound={section: form})


@require_http_methods(["GET", "POST"])
@login_required
def item_edit(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)
    if request.method == "GET":
        if not request.htmx:
            return redirect(
                reverse("meeting-edit", args=[meeting.pk]) + f"?edit={item.pk}#item-{item.pk}"
            )
        plan = actions.budget(meeting, viewer_zone=viewer_zone(request))
        planned = next((p for p in plan.items if p.item.pk == item.pk), None)
        if planned is None:
            raise Http404
        form = forms.ItemForm(
            section=item.section,
            initial=forms.ItemForm.initial_for(item),
            prefix=f"item-{item.pk}",
            people=forms.people_choices(),
        )
        return render(
            request,
            f"{EDIT_TEMPLATE}#item_edit",
            {"meeting": meeting, "planned": planned, "form": form, "plan": plan},
        )
    form = _edit_form(item, request.POST)
    if not form.is_valid():
        return answer_invalid(
            request, meeting, "The item was not saved: see the form.", editing=(item.pk, form)
        )

    def change(version: int) -> str:
        kwargs = form.action_kwargs()
        if item.section == Section.FOCUS and not form.cleaned_data.get("topic"):
            kwargs.update(task_force=None, outline_item=None)
        saved = actions.update_item(item=item, version=version, by=request.user, **kwargs)
        return f"Saved “{saved.title}”."

    return attempt(request, meeting, change, editing=(item.pk, form))


@require_POST
@login_required
def item_remove(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)

    def change(version: int):
        removed = actions.remove_item(item=item, version=version, by=request.user)
        return f"Removed “{removed.title}”.", {"undo": removed}

    before = shapes_now(request, meeting) if request.htmx else None
    return attempt(request, meeting, change, keep=KEEP_BUT_PROPOSALS, before=before)


@require_POST
@login_required
def item_restore(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)

    def change(version: int) -> str:
        restored = actions.restore_item(item=item, version=version, by=request.user)
        return f"Restored “{restored.title}”."

    before = shapes_now(request, meeting) if request.htmx else None
    return attempt(request, meeting, change, keep=KEEP_BUT_PROPOSALS, before=before)


@require_POST
@login_required
def item_move(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)
    direction = request.POST.get("direction") or None
    section = request.POST.get("section") or None
    index_text = request.POST.get("index", "")
    if direction not in (None, "up", "down"):
        return HttpResponseBadRequest("Move up or down.")
    if direction is None and not index_text.lstrip("-").isdigit():
        return HttpResponseBadRequest("Say where to move the item.")
    index = int(index_text) if direction is None else None

    def change(version: int) -> str:
        moved = actions.move_item(
            item=item,
            version=version,
            by=request.user,
            direction=direction,
            section=section,
            index=index,
        )
        return f"Moved “{moved.title}”."

    return attempt(request, meeting, change, keep=KEEP_FORMS | {"removed"}, reshape=True)


@require_POST
@login_required
def tracking_accept(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    proposals = actions.propose_tracking_items(meeting=meeting)
    form = forms.TrackingForm(request.POST, proposals=proposals)
    if not form.is_valid():
        return answer_invalid(
            request,
            meeting,
            "Nothing was added: choose deliverables to track.",
            bound={"tracking": form},
        )

    def change(version: int) -> str:
        created = actions.accept_tracking_items(
            meeting=meeting,
            version=version,
            by=request.user,
            deliverables=form.chosen(),
            duration_minutes=form.cleaned_data["duration_minutes"],
        )
        return f"Added {len(created)} deliverable(s) to the tracking section."

    return attempt(request, meeting, change, keep=KEEP_BUT_PROPOSALS, bound={"tracking": form})


@require_POST
@login_required
def copy_last_week(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)

    def change(version: int) -> str:
        created = actions.copy_from_last_week(meeting=meeting, version=version, by=request.user)
        titles = ", ".join(f"“{item.title}”" for item in created)
        return f"Copied from last week: {titles}."

    return attempt(request, meeting, change, keep=KEEP_BUT_PROPOSALS)


@require_POST
@login_required
def publish(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)

    def change(version: int):
        result = actions.publish_meeting(meeting=meeting, version=version, by=request.user)
        what = "Published the agenda" if result.kind == "agenda" else "Sent the updated agenda"
        notice = f"{what} (revision {result.meeting.revision}); the mail is queued."
        if result.warning:
            return f"{notice} Note: {result.warning}", {"level": "warning"}
        return notice

    return attempt(request, meeting, change)


@require_POST
@login_required
def cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    form = forms.CancelForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return answer_invalid(
            request,
            meeting,
            "The meeting was not cancelled: give a reason.",
            bound={"cancel": form},
        )

    def change(version: int) -> str:
        actions.cancel_meeting(
            meeting=meeting, version=version, by=request.user, reason=form.cleaned_data["reason"]
        )
        return "The meeting is cancelled; the notice is queued."

    return attempt(request, meeting, change, keep=frozenset(), bound={"cancel": form})


@require_POST
@login_required
def move(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    form = forms.MoveMeetingForm(request.POST, meeting=meeting, prefix="move")
    if not form.is_valid():
        return answer_invalid(
            request, meeting, "The meeting was not moved: see the form.", bound={"move": form}
        )

    def change(version: int) -> str:
        moved = actions.move_meeting(
            meeting=meeting, version=version, by=request.user, start=form.start()
        )
        return f"Moved the meeting to {moved.local_start:%A %d %B %Y, %H:%M}."

    # The whole builder: the meeting's day decides the proposals and the move form's date.
    return attempt(request, meeting, change, keep=frozenset(), bound={"move": form})


# --- minutes --------------------------------------------------------------------------------
#
# The minutes page has several independent forms; a save swaps only its own region (an item,
# the general minutes, the action items), so text typed elsewhere stays. Each save still grows
# the meeting version: the response says which version it replaced, and agenda.js moves the
# page's other forms on to the new one (an edit by anybody else still shows up as stale).
