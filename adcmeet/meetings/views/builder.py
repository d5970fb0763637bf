"""The agenda builder (conveners): the page, item changes, tracking, copies, publishing,
cancelling and moving the meeting, its room and video link.

Every mutating view hands the posted `version` to one action of adcmeet.meetings.actions and
answers with what the presenter (adcmeet.meetings.builder) says the change re-renders:
- htmx: the regions the change altered, with a notice;
- plain forms: a redirect back to the page, the notice as a message.
A refusal is answered in one place (`_refused`, through core.versioning.answers_refusals): the
whole builder with the notice and the user's input kept, 409 for a stale version (with the
fresh agenda), 422 for a rule or a form the change broke."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from adcmeet.core import params
from adcmeet.core.access import login_required
from adcmeet.core.versioning import Refused, answers_refusals
from adcmeet.meetings import actions, builder, forms
from adcmeet.meetings.actions import AgendaChange, carry
from adcmeet.meetings.builder_places import refusal_place
from adcmeet.meetings.forms.carry import CarryForm
from adcmeet.meetings.models import AgendaItem, Meeting
from adcmeet.meetings.views.fetch import (
    EDIT_TEMPLATE,
    Section,
    editable_meeting,
    meeting_item,
    posted_version,
    viewer_zone,
)


def _render(
    request: HttpRequest,
    meeting: Meeting,
    *,
    regions: builder.Regions = builder.WHOLE,
    status: int = 200,
    **context,
) -> HttpResponse:
    """The builder page; for htmx its `#builder` partial, or only the regions `regions`
    re-renders (the budget as the swap target, the rest out of band)."""
    if not request.htmx:
        regions = builder.WHOLE
    template = (
        EDIT_TEMPLATE
        if not request.htmx
        else f"{EDIT_TEMPLATE}#builder"
        if regions.whole
        else f"{EDIT_TEMPLATE}#changes"
    )
    context = builder.builder_context(
        meeting, zone=viewer_zone(request), regions=regions, **context
    )
    response = render(request, template, context, status=status)
    if request.htmx and not regions.whole:
        retarget(response, "#budget")
        reswap(response, "outerHTML")
    response["X-Meeting-Version"] = str(meeting.version)
    return response


def done(
    request: HttpRequest,
    meeting: Meeting,
    notice: str,
    *,
    regions: builder.Regions,
    agenda: list[AgendaItem] | None = None,
    level: str = "success",
    undo: list[AgendaItem] | None = None,
    anchor: str = "agenda",
) -> HttpResponse:
    """After a successful change: for htmx the regions it altered, for plain forms a redirect
    back to the builder (the notice as a message, an undo kept in the session) at `anchor`:
    the item just added, so the page opens on it rather than at the top."""
    if request.htmx:
        return _render(
            request, meeting, regions=regions, agenda=agenda, notice=notice, level=level, undo=undo
        )
    messages.add_message(
        request, messages.WARNING if level == "warning" else messages.SUCCESS, notice
    )
    if undo:
        request.session["agenda_undo"] = [item.pk for item in undo]
    return redirect(reverse("meeting-edit", args=[meeting.pk]) + f"#{anchor}")


def _changed(
    request: HttpRequest, change: AgendaChange, notice: str, *, used: str | None = None, **extra
) -> HttpResponse:
    regions = builder.regions_for(change, used=used)
    return done(request, change.meeting, notice, regions=regions, agenda=change.agenda, **extra)


def _refused(
    request: HttpRequest, refusal: Refused, meeting_id: int, item_id: int | None = None
) -> HttpResponse:
    """The whole builder, current, with the refusal's message and the forms the user filled in
    (a stale item edit also shows what is saved now)."""
    current = getattr(refusal, "current", None)
    meeting = current if isinstance(current, Meeting) else None
    if meeting is None:
        meeting = Meeting.objects.select_related("series").filter(pk=meeting_id).first()
        if meeting is None:
            raise Http404("This meeting was deleted.")
    item = meeting.items.filter(pk=item_id).first() if item_id is not None else None
    bound, editing = builder.posted_forms(request.POST, meeting, item=item)
    stale_item = item_id if isinstance(current, AgendaItem) else None
    match = request.resolver_match
    place = refusal_place(match.url_name if match else "", request.POST, item_id)
    return _render(
        request,
        meeting,
        notice=refusal.message,
        level="error",
        notice_at=place,
        bound=bound,
        editing=editing,
        stale_item=stale_item,
    )


refusals = answers_refusals(_refused)


@require_GET
@login_required
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    editing = None
    edit_id = params.optional_id(request.GET.get("edit"))
    if edit_id is not None:
        item = meeting.items.live().filter(pk=edit_id).first()
        if item is not None:
            editing = (item.pk, builder.edit_form(item))
    undo = None
    undo_ids = request.session.pop("agenda_undo", None)
    if undo_ids:
        undo_ids = undo_ids if isinstance(undo_ids, list) else [undo_ids]
        undo = list(meeting.items.filter(pk__in=undo_ids, deleted_at__isnull=False))
    return _render(request, meeting, editing=editing, undo=undo)


@require_POST
@login_required
@refusals
def item_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    section = request.POST.get("section", "")
    if section not in Section.values:
        return HttpResponseBadRequest("Unknown agenda section.")
    form = forms.ItemForm(request.POST, section=section, prefix=f"add-{section}")
    if not form.is_valid():
        raise Refused("The item was not added: see the form.")
    change = actions.add_item(
        meeting=meeting,
        version=posted_version(request),
        by=request.user,
        section=section,
        **form.action_kwargs(),
    )
    notice = f"Added “{change.item.title}” to {Section(section).label.lower()}."
    # The form just used comes back empty, ready for the next item; without JavaScript the
    # page opens on the new item (static/js/agenda.js moves focus there with it).
    return _changed(request, change, notice, used=f"add-{section}", anchor=f"item-{change.item.pk}")


@require_http_methods(["GET", "POST"])
@login_required
@refusals
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
        form = builder.edit_form(item, people=forms.people_choices())
        return render(
            request,
            f"{EDIT_TEMPLATE}#item_edit",
            {"meeting": meeting, "planned": planned, "form": form, "plan": plan},
        )
    form = builder.edit_form(item, request.POST)
    if not form.is_valid():
        raise Refused("The item was not saved: see the form.")
    kwargs = form.action_kwargs()
    if item.section == Section.FOCUS and not form.cleaned_data.get("topic"):
        kwargs.update(task_force=None, outline_item=None)
    change = actions.update_item(
        item=item, version=posted_version(request), by=request.user, **kwargs
    )
    return _changed(request, change, f"Saved “{change.item.title}”.")


@require_POST
@login_required
@refusals
def item_remove(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)
    change = actions.remove_item(item=item, version=posted_version(request), by=request.user)
    removed = change.item
    return _changed(request, change, f"Removed “{removed.title}”.", undo=change.removed)


def _posted_ids(request: HttpRequest) -> list[int]:
    # Through the one number rule: "²" or a 30-digit value is no item, never a 500.
    ids = (params.optional_id(value) for value in request.POST.getlist("items"))
    return [pk for pk in ids if pk is not None]


@require_POST
@login_required
@refusals
def items_remove(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Remove the ticked items at once; one undo restores them all."""
    meeting = editable_meeting(request, meeting_id)
    change = actions.remove_items(
        meeting=meeting,
        item_ids=_posted_ids(request),
        version=posted_version(request),
        by=request.user,
    )
    titles = ", ".join(f"“{item.title}”" for item in change.removed)
    return _changed(request, change, f"Removed {titles}.", undo=change.removed)


@require_POST
@login_required
@refusals
def items_restore(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Undo a removal of several items."""
    meeting = editable_meeting(request, meeting_id)
    change = actions.restore_items(
        meeting=meeting,
        item_ids=_posted_ids(request),
        version=posted_version(request),
        by=request.user,
    )
    titles = ", ".join(f"“{item.title}”" for item in change.restored)
    return _changed(request, change, f"Restored {titles}.")


@require_POST
@login_required
@refusals
def item_restore(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)
    change = actions.restore_item(item=item, version=posted_version(request), by=request.user)
    return _changed(request, change, f"Restored “{change.item.title}”.")


@require_POST
@login_required
@refusals
def item_move(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)
    direction = request.POST.get("direction") or None
    section = request.POST.get("section") or None
    index_text = request.POST.get("index", "")
    if direction not in (None, "up", "down"):
        return HttpResponseBadRequest("Move up or down.")
    index = params.parse_int(index_text, minimum=-params.MAX_INT, negative=True)
    if direction is None and index is None:
        return HttpResponseBadRequest("Say where to move the item.")
    change = actions.move_item(
        item=item,
        version=posted_version(request),
        by=request.user,
        direction=direction,
        section=section,
        index=index if direction is None else None,
    )
    return _changed(request, change, f"Moved “{change.item.title}”.")


@require_POST
@login_required
@refusals
def tracking_accept(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    proposals = actions.propose_tracking_items(meeting=meeting)
    form = forms.TrackingForm(request.POST, proposals=proposals)
    if not form.is_valid():
        raise Refused("Nothing was added: choose deliverables to track.")
    change = actions.accept_tracking_items(
        meeting=meeting,
        version=posted_version(request),
        by=request.user,
        deliverables=form.chosen(),
        duration_minutes=form.cleaned_data["duration_minutes"],
    )
    notice = f"Added {len(change.added)} deliverable(s) to the tracking section."
    # Without JS the page opens on the tracking section, where the added items are.
    return _changed(request, change, notice, anchor="section-tracking")


@require_POST
@login_required
@refusals
def copy_last_week(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    change = actions.copy_from_last_week(
        meeting=meeting, version=posted_version(request), by=request.user
    )
    titles = ", ".join(f"“{item.title}”" for item in change.added)
    return _changed(request, change, f"Copied from last week: {titles}.")


@require_POST
@login_required
@refusals
def carry_accept(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Add the ticked items and actions carried from earlier meetings (actions.carry)."""
    meeting = editable_meeting(request, meeting_id)
    form = CarryForm(request.POST, proposals=carry.propose_carried_items(meeting=meeting))
    if not form.is_valid():
        raise Refused("Nothing was added: choose carried items or actions to add.")
    change = carry.accept_carried_items(
        meeting=meeting, version=posted_version(request), by=request.user, carried=form.chosen()
    )
    titles = ", ".join(f"“{item.title}”" for item in change.added)
    notice = f"Carried to this agenda: {titles}." if titles else "Already on this agenda."
    anchor = f"item-{change.added[0].pk}" if change.added else "agenda"
    return _changed(request, change, notice, anchor=anchor)
