"""The minutes sheet (conveners; presenters for their own items) and action items.

The sheet has several independent forms, each versioned on its own (the general minutes, each
item's minutes, each action item: adcmeet.meetings.actions.minutes). A save swaps only its own
region, so text typed elsewhere stays, and the other forms keep their versions. A refusal is
answered in one place (`_refused`): the whole sheet, current, with the user's text kept in the
form they sent and what is saved now shown beside it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from adcmeet.core.access import (
    can_complete_action,
    can_edit_meeting,
    can_take_minutes,
    login_required,
)
from adcmeet.core.versioning import Conflict, Refused, answers_refusals
from adcmeet.meetings import actions, forms
from adcmeet.meetings.actions.minutes import publish_minutes
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting
from adcmeet.meetings.views import outcome_regions
from adcmeet.meetings.views.fetch import (
    MINUTES_TEMPLATE,
    meeting_item,
    posted_version,
    viewer_zone,
    visible_meeting,
)
from adcmeet.meetings.views.me import _me_context

# Where each region's message is (`notice_at` -> its region's anchor); an item's is
# "#minutes-item-<pk>".
NOTICE_HREFS = {"sheet": "#minutes-sheet", "meeting": "#meeting-minutes", "actions": "#actions"}


def _minutes_meeting(request: HttpRequest, meeting_id: int) -> tuple[Meeting, list[AgendaItem]]:
    meeting = visible_meeting(request, meeting_id)
    items = actions.agenda_items(meeting)
    # Presenters may write their own items' minutes (access.can_take_minutes); asked once for
    # the meeting, then per item without a query each.
    if not can_take_minutes(request.user, meeting) and not any(
        item.presenter_id == request.user.pk for item in items
    ):
        raise PermissionDenied(
            "Only conveners of this series and the meeting's presenters (for their own items) "
            "can open its minutes sheet."
        )
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
    stale: bool = False,
    regions: dict | None = None,
) -> dict:
    """`bound`: forms refilled with the user's input, keyed "meeting", "action" or an item's
    pk; with `stale`, each of them shows what is saved now beside the user's text. `regions`:
    the state of the outcome and attendance regions a refused form left (views.outcomes)."""
    bound = bound or {}
    regions = regions or {}
    user = request.user
    convener = can_edit_meeting(user, meeting)
    people = forms.people_choices() if convener else None
    plan = actions.budget(meeting, items, viewer_zone=viewer_zone(request))
    outcomes = outcome_regions.item_outcomes(
        meeting, items, convener=convener, people=people, **regions.get("outcomes", {})
    )
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
                "stale": stale and item.pk in bound,
                "outcomes": outcomes.get(item.pk),
            }
        )
    return {
        "meeting": meeting,
        "rows": rows,
        "convener": convener,
        "minutes_form": bound.get("meeting")
        or forms.MinutesForm(initial={"text": meeting.minutes}, prefix="minutes"),
        "minutes_stale": stale and "meeting" in bound,
        "attendance": outcome_regions.attendance_sheet(
            meeting, items, convener=convener, people=people, **regions.get("attendance", {})
        ),
        "action_form": bound.get("action")
        or forms.ActionItemForm(meeting=meeting, people=people, items=items, prefix="action"),
        "action_items": list(
            meeting.action_items.select_related("owner", "agenda_item").order_by(
                "done", "due", "id"
            )
        ),
        "level": level,
        # A refusal answered with the whole page (no JavaScript) also opens with the error
        # summary: a link to where the message is shown and one to each field in error.
        "notice": notice,
        "notice_href": NOTICE_HREFS.get(notice_at, f"#minutes-{notice_at}"),
        "summary_forms": [form for form in bound.values() if form.errors],
        "sheet_notice": notice if notice_at == "sheet" else "",
        "meeting_notice": notice if notice_at == "meeting" else "",
        "actions_notice": notice if notice_at == "actions" else "",
        # The publish box's status: what "Publish" would do now (conveners only).
        "minutes_status": actions.minutes_status(meeting) if convener else "",
    }


def _item_minutes_form(item: AgendaItem, bound: forms.MinutesForm | None) -> forms.MinutesForm:
    form = bound or forms.MinutesForm(initial={"text": item.minutes}, prefix=f"minutes-{item.pk}")
    # Several of these on one page: each label says which item it is about.
    label = f"Minutes of “{item.title}” (Markdown)"
    form.fields["text"].label = label
    # A refused form was validated already: its bound field read the old label then.
    form["text"].label = label
    form.fields["text"].widget.attrs["rows"] = 4
    return form


def _minutes_response(
    request: HttpRequest,
    meeting: Meeting,
    items: list[AgendaItem],
    *,
    region: str = "sheet",
    status: int = 200,
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
    if request.htmx and context["convener"]:
        # The publish box is outside every region: its status follows each save out of band.
        response.write(
            render_to_string(f"{MINUTES_TEMPLATE}#publish_box", {**context, "oob": True}, request)
        )
    if request.htmx and region == "sheet":
        # Whichever form was sent, the whole sheet replaces the sheet.
        retarget(response, "#minutes-sheet")
        reswap(response, "outerHTML")
    return response


def _saved(request: HttpRequest, meeting: Meeting, notice: str, *, region: str) -> HttpResponse:
    """After a save: its own region for htmx (the rest of the sheet stays as the browser has
    it), a redirect back to the sheet for plain forms."""
    if not request.htmx:
        messages.success(request, notice)
        return redirect("meeting-minutes", meeting.pk)
    items = actions.agenda_items(meeting)
    return _minutes_response(
        request, meeting, items, region=region, notice=notice, notice_at=region
    )


def _posted_forms(request: HttpRequest, meeting: Meeting, item_id: int | None) -> dict:
    """The forms of the sheet this POST filled in, bound again (with their errors)."""
    data = request.POST
    bound: dict = {}
    if "minutes-text" in data:
        bound["meeting"] = forms.MinutesForm(data, prefix="minutes")
    if item_id is not None and f"minutes-{item_id}-text" in data:
        bound[item_id] = forms.MinutesForm(data, prefix=f"minutes-{item_id}")
    if "action-text" in data:
        bound["action"] = forms.ActionItemForm(data, meeting=meeting, prefix="action")
    for form in bound.values():
        form.is_valid()
    return bound


def _refused(
    request: HttpRequest,
    refusal: Refused,
    meeting_id: int,
    item_id: int | None = None,
    action_id: int | None = None,
) -> HttpResponse:
    meeting = Meeting.objects.select_related("series").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("This meeting was deleted.")
    if request.POST.get("next") == "me" or (
        action_id is not None and not can_take_minutes(request.user, meeting)
    ):
        # Ticked off from the owner's own page (a plain form): that page, with the message.
        messages.error(request, refusal.message)
        return render(request, "accounts/me.html", _me_context(request))
    bound = _posted_forms(request, meeting, item_id)
    stale = isinstance(refusal, Conflict)
    notice = refusal.message
    if stale and bound:
        notice += " Your text is kept in the form: check it and save again."
    notice_at = (
        f"item-{item_id}"
        if item_id in bound
        else "meeting"
        if "meeting" in bound
        else "actions"
        if "action" in bound or action_id is not None
        else "sheet"
    )
    return _minutes_response(
        request,
        meeting,
        actions.agenda_items(meeting),
        notice=notice,
        level="error",
        notice_at=notice_at,
        bound=bound,
        stale=stale,
    )


refusals = answers_refusals(_refused)


@require_GET
@login_required
def minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting, items = _minutes_meeting(request, meeting_id)
    # After a removal sent without JavaScript: its item offers "Undo" (views.outcomes).
    regions = outcome_regions.undo_offer(request, meeting)
    return _minutes_response(request, meeting, items, regions=regions)


@require_POST
@login_required
@refusals
def minutes_save(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = visible_meeting(request, meeting_id)
    if not can_take_minutes(request.user, meeting):
        raise PermissionDenied("Only conveners of this series can write the meeting's minutes.")
    form = forms.MinutesForm(request.POST, prefix="minutes")
    if not form.is_valid():  # invisible-only or over the limit (core.text)
        raise Refused(form.errors["text"][0], field="text")
    saved = actions.save_minutes(
        meeting=meeting,
        version=posted_version(request),
        by=request.user,
        text=form.cleaned_data["text"],
    )
    return _saved(request, saved, "Saved the minutes.", region="meeting")


@require_POST
@login_required
@refusals
def item_minutes_save(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = visible_meeting(request, meeting_id)
    item = meeting_item(meeting, item_id)
    if item.deleted_at is not None:
        raise Http404
    if not can_take_minutes(request.user, meeting, item):
        raise PermissionDenied(
            "Only conveners of this series and the item's presenter can write these minutes."
        )
    form = forms.MinutesForm(request.POST, prefix=f"minutes-{item.pk}")
    if not form.is_valid():  # invisible-only or over the limit (core.text)
        raise Refused(form.errors["text"][0], field="text")
    actions.save_item_minutes(
        item=item, version=posted_version(request), by=request.user, text=form.cleaned_data["text"]
    )
    return _saved(request, meeting, "Saved.", region=f"item-{item.pk}")


@require_POST
@login_required
@refusals
def action_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = visible_meeting(request, meeting_id)
    if not can_take_minutes(request.user, meeting):
        raise PermissionDenied("Only conveners of this series can add action items.")
    form = forms.ActionItemForm(request.POST, meeting=meeting, prefix="action")
    if not form.is_valid():
        raise Refused("The action was not added: see the form.")
    action = actions.add_action_item(
        meeting=meeting,
        by=request.user,
        text=form.cleaned_data["text"],
        owner=form.cleaned_data["owner"],
        due=form.cleaned_data["due"],
        agenda_item=form.cleaned_data["agenda_item"],
    )
    owner = f" for {action.owner.display_name}" if action.owner else ""
    return _saved(request, meeting, f"Added the action “{action.text}”{owner}.", region="actions")


@require_POST
@login_required
@refusals
def action_done(request: HttpRequest, meeting_id: int, action_id: int) -> HttpResponse:
    meeting = visible_meeting(request, meeting_id)
    action = get_object_or_404(ActionItem, pk=action_id, meeting=meeting)
    action.meeting = meeting
    if not can_complete_action(request.user, action):
        raise PermissionDenied(
            "Only the action's owner and conveners of this series can mark it done."
        )
    done = request.POST.get("done", "1") != "0"
    action = actions.complete_action_item(
        action=action, version=posted_version(request), by=request.user, done=done
    )
    notice = f"Marked “{action.text}” as {'done' if done else 'open'}."
    if request.POST.get("next") == "me" or not can_take_minutes(request.user, meeting):
        # From the owner's own page: a plain form, answered with a redirect back there.
        messages.success(request, notice)
        return redirect("me")
    return _saved(request, meeting, notice, region="actions")


@require_POST
@login_required
def minutes_publish(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The convener publishes (closes) the minutes: mailed to the list and each action's owner;
    again after a correction, a short note (adcmeet.meetings.actions.minutes.publish_minutes)."""
    meeting = visible_meeting(request, meeting_id)
    if not can_edit_meeting(request.user, meeting):
        raise PermissionDenied("Only conveners of this series can publish its minutes.")
    try:
        done = publish_minutes(meeting=meeting, by=request.user)
    except actions.AgendaError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            "Published the minutes: they are mailed to the list, and each owner their actions."
            if done == "published"
            else "Published the corrected minutes: the list gets a short note that they changed.",
        )
    return redirect(reverse("meeting-minutes", args=[meeting.pk]) + "#publish-minutes")
