"""The minutes sheet (conveners; presenters for their own items) and action items."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from adcmeet.core.access import (
    can_complete_action,
    can_edit_meeting,
    can_take_minutes,
    login_required,
)
from adcmeet.meetings import actions, forms
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting
from adcmeet.meetings.views.fetch import (
    MINUTES_TEMPLATE,
    meeting_item,
    posted_version,
    viewer_zone,
    visible_meeting,
)


def _minutes_meeting(request: HttpRequest, meeting_id: int) -> tuple[Meeting, list[AgendaItem]]:
    meeting = visible_meeting(request, meeting_id)
    items = actions.agenda_items(meeting)
    # Presenters may write their own items' minutes (access.can_take_minutes); asked once for
    # the meeting, then per item without a query each.
    if not can_take_minutes(request.user, meeting) and not any(
        item.presenter_id == request.user.pk for item in items
    ):
        raise PermissionDenied
    return meeting, items


def _minutes_context(
    request: HttpRequest,
    meeting: Meeting,
    items: list[AgendaItem],
    *,
    notice: str = "",
    level: str = "success",
    notice_at: str = "sheet",
    bound: dict | None = None,
) -> dict:
    bound = bound or {}
    user = request.user
    convener = can_edit_meeting(user, meeting)
    people = forms.people_choices() if convener else None
    plan = actions.budget(meeting, items, viewer_zone=viewer_zone(request))
    rows = []
    for planned in plan.items:
        item = planned.item
        rows.append(
            {
                "planned": planned,
                "item": item,
                "can_write": convener or item.presenter_id == user.pk,
                "notice": notice if notice_at == f"item-{item.pk}" else "",
                "form": _item_minutes_form(item, bound.get(item.pk)),
            }
        )
    return {
        "meeting": meeting,
        "rows": rows,
        "convener": convener,
        "minutes_form": bound.get("meeting")
        or forms.MinutesForm(initial={"text": meeting.minutes}, prefix="minutes"),
        "action_form": bound.get("action")
        or forms.ActionItemForm(meeting=meeting, people=people, items=items, prefix="action"),
        "action_items": list(
            meeting.action_items.select_related("owner", "agenda_item").order_by(
                "done", "due", "id"
            )
        ),
        "level": level,
        "sheet_notice": notice if notice_at == "sheet" else "",
        "meeting_notice": notice if notice_at == "meeting" else "",
        "actions_notice": notice if notice_at == "actions" else "",
    }


def _item_minutes_form(item: AgendaItem, bound: forms.MinutesForm | None) -> forms.MinutesForm:
    form = bound or forms.MinutesForm(initial={"text": item.minutes}, prefix=f"minutes-{item.pk}")
    # Several of these on one page: each label says which item it is about.
    form.fields["text"].label = f"Minutes of “{item.title}” (Markdown)"
    form.fields["text"].widget.attrs["rows"] = 4
    return form


def _minutes_response(
    request: HttpRequest,
    meeting: Meeting,
    items: list[AgendaItem],
    *,
    region: str = "sheet",
    status: int = 200,
    was: int | None = None,
    **context,
) -> HttpResponse:
    """Render the minutes page, or for htmx one region of it: "sheet", "meeting",
    "actions" or "item-<pk>"."""
    context = _minutes_context(request, meeting, items, **context)
    if not request.htmx:
        template = MINUTES_TEMPLATE
    elif region.startswith("item-"):
        template = f"{MINUTES_TEMPLATE}#item_minutes"
        context["row"] = next(
            (row for row in context["rows"] if f"item-{row['item'].pk}" == region), None
        )
        if context["row"] is None:
            raise Http404
    else:
        partial = {"sheet": "sheet", "meeting": "meeting_minutes", "actions": "actions"}[region]
        template = f"{MINUTES_TEMPLATE}#{partial}"
    response = render(request, template, context, status=status)
    response["X-Meeting-Version"] = str(meeting.version)
    if was is not None:
        response["X-Meeting-Version-Was"] = str(was)
    return response


def _minutes_attempt(
    request: HttpRequest,
    meeting: Meeting,
    change: Callable[[int], str],
    *,
    region: str,
    bound: dict,
) -> HttpResponse:
    version = posted_version(request)
    if version is None:
        return HttpResponseBadRequest("This form is missing the meeting version it is based on.")
    try:
        notice = change(version)
    except actions.StaleVersion as stale:
        # The whole sheet, fresh, with the user's text kept in the form they sent.
        fresh = stale.meeting
        response = _minutes_response(
            request,
            fresh,
            actions.agenda_items(fresh),
            region="sheet",
            status=409,
            notice=stale.message + " Your text is kept in the form: check it and save again.",
            level="error",
            bound=bound,
        )
        return _whole_sheet(request, response)
    except actions.AgendaError as refused:
        response = _minutes_response(
            request,
            meeting,
            actions.agenda_items(meeting),
            region="sheet",
            status=422,
            notice=refused.message,
            level="error",
            bound=bound,
        )
        return _whole_sheet(request, response)
    if not request.htmx:
        messages.success(request, notice)
        return redirect("meeting-minutes", meeting.pk)
    fresh = actions.fresh_meeting(meeting.pk)
    return _minutes_response(
        request,
        fresh,
        actions.agenda_items(fresh),
        region=region,
        was=version,
        notice=notice,
        notice_at=region,
    )


def _whole_sheet(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if request.htmx:
        retarget(response, "#minutes-sheet")
        reswap(response, "outerHTML")
    return response


@require_GET
@login_required
def minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting, items = _minutes_meeting(request, meeting_id)
    return _minutes_response(request, meeting, items)


@require_POST
@login_required
def minutes_save(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = visible_meeting(request, meeting_id)
    if not can_take_minutes(request.user, meeting):
        raise PermissionDenied
    form = forms.MinutesForm(request.POST, prefix="minutes")
    form.is_valid()  # free text: always valid

    def change(version: int) -> str:
        actions.save_minutes(
            meeting=meeting, version=version, by=request.user, text=form.cleaned_data["text"]
        )
        return "Saved the minutes."

    return _minutes_attempt(request, meeting, change, region="meeting", bound={"meeting": form})


@require_POST
@login_required
def item_minutes_save(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = visible_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)
    if item.deleted_at is not None:
        raise Http404
    if not can_take_minutes(request.user, meeting, item):
        raise PermissionDenied
    form = forms.MinutesForm(request.POST, prefix=f"minutes-{item.pk}")
    form.is_valid()

    def change(version: int) -> str:
        actions.save_item_minutes(
            item=item, version=version, by=request.user, text=form.cleaned_data["text"]
        )
        return "Saved."

    return _minutes_attempt(
        request, meeting, change, region=f"item-{item.pk}", bound={item.pk: form}
    )


@require_POST
@login_required
def action_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = visible_meeting(request, meeting_id)
    if not can_take_minutes(request.user, meeting):
        raise PermissionDenied
    form = forms.ActionItemForm(request.POST, meeting=meeting, prefix="action")
    if not form.is_valid():
        return _minutes_response(
            request,
            meeting,
            actions.agenda_items(meeting),
            region="actions",
            status=422,
            notice="The action was not added: see the form.",
            level="error",
            notice_at="actions",
            bound={"action": form},
        )

    def change(version: int) -> str:
        action = actions.add_action_item(
            meeting=meeting,
            version=version,
            by=request.user,
            text=form.cleaned_data["text"],
            owner=form.cleaned_data["owner"],
            due=form.cleaned_data["due"],
            agenda_item=form.cleaned_data["agenda_item"],
        )
        owner = f" for {action.owner.display_name}" if action.owner else ""
        return f"Added the action “{action.text}”{owner}."

    return _minutes_attempt(request, meeting, change, region="actions", bound={"action": form})


@require_POST
@login_required
def action_done(request: HttpRequest, meeting_id: int, action_id: int) -> HttpResponse:
    meeting = visible_meeting(request, meeting_id)
    action = get_object_or_404(ActionItem, pk=action_id, meeting=meeting)
    action.meeting = meeting
    if not can_complete_action(request.user, action):
        raise PermissionDenied
    done = request.POST.get("done", "1") != "0"

    def change(version: int) -> str:
        actions.complete_action_item(action=action, version=version, by=request.user, done=done)
        return f"Marked “{action.text}” as {'done' if done else 'open'}."

    if request.POST.get("next") == "me" or not can_take_minutes(request.user, meeting):
        # From the owner's own page: a plain form, answered with a redirect back there.
        version = posted_version(request)
        if version is None:
            return HttpResponseBadRequest("This form is missing the meeting version.")
        try:
            messages.success(request, change(version))
        except actions.StaleVersion:
            messages.error(
                request, "The meeting changed in the meantime; nothing was marked. Try again."
            )
        return redirect("me")
    return _minutes_attempt(request, meeting, change, region="actions", bound={})
