"""The agenda builder's answers: the page context and the regions a change re-renders.

Every mutating builder view hands the posted `version` to one function of
adcmeet.meetings.actions and answers:
- htmx: the regions of the builder the change altered, with a notice; 409 with the fresh agenda
  when the change was based on a stale version, 422 when a rule or the form refused it;
- plain forms: a redirect back to the page on success (the notice as a message), the whole
  page with the notice and the user's input kept otherwise."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import reswap, retarget

from adcmeet.accounts.models import User
from adcmeet.core import fragments
from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings import actions, forms
from adcmeet.meetings.models import AgendaItem, Meeting
from adcmeet.meetings.views.fetch import EDIT_TEMPLATE, Section, posted_version, viewer_zone
from taskforces.models import OutlineItem, TaskForce


def agenda_sections(plan: agenda_lib.Budget) -> list[dict]:
    """The planned items grouped by section, every section present (empty ones too), with
    whether each item can step up or down (hot topics and tracking items cross over)."""
    grouped: dict[str, list] = {section: [] for section in Section.values}
    for planned in plan.items:
        grouped[planned.item.section].append(planned)
    sections = []
    for key, label in Section.choices:
        planned_items = grouped[key]
        rows = []
        for index, planned in enumerate(planned_items):
            first, last = index == 0, index == len(planned_items) - 1
            # The last hot topic steps down into tracking, the first tracking item up.
            can_up = not first or key == Section.TRACKING
            can_down = not last or key == Section.HOT
            rows.append({"planned": planned, "can_up": can_up, "can_down": can_down})
        sections.append(
            {
                "key": key,
                "label": label,
                "items": planned_items,
                "rows": rows,
                "minutes": sum(planned.item.duration_minutes for planned in planned_items),
            }
        )
    return sections


def _shapes(sections: list[dict]) -> dict[str, tuple[tuple, tuple]]:
    """Per section, which items in which order (with their move buttons) and their clock
    times: what a move, an add or a removal can change in the builder's lists."""
    return {
        section["key"]: (
            tuple(
                (row["planned"].item.pk, row["can_up"], row["can_down"]) for row in section["rows"]
            ),
            tuple(
                (row["planned"].start, row["planned"].end, row["planned"].viewer_start)
                for row in section["rows"]
            ),
        )
        for section in sections
    }


def shapes_now(request: HttpRequest, meeting: Meeting) -> dict[str, tuple[tuple, tuple]]:
    # Only what the order and the clock need: no presenters, task forces or deliverables.
    items = list(
        meeting.items.live()
        .in_agenda_order()
        .only("pk", "meeting_id", "section", "position", "duration_minutes")
    )
    plan = actions.budget(meeting, items, viewer_zone=viewer_zone(request))
    return _shapes(agenda_sections(plan))


def _shapes_before(request: HttpRequest, meeting: Meeting) -> dict[str, tuple[tuple, tuple]]:
    """How the sections looked before the change just made, from the order the action
    recorded (`actions.common.remember`) on the meeting it claimed: no query."""
    plan = actions.budget(meeting, meeting.agenda_before, viewer_zone=viewer_zone(request))
    return _shapes(agenda_sections(plan))


# --- list -----------------------------------------------------------------------------------


# A successful htmx change of the agenda answers with the regions it can alter (the budget as
# the swap target; the notice, the sections' item lists, the publish row, the removed items
# and every version input out of band: the `changes` partial), not the whole builder. The add
# forms, the move/cancel forms and the tracking proposals show nothing most changes alter but
# their version: they stay as the browser has them, with whatever the convener was typing or
# ticking. They are most of the builder's bytes and time (the presenter and topic <select>s,
# a proposal list that is long on a busy roadmap; issue 7). Moving or cancelling the meeting,
# a refusal (422) and a stale version (409) answer with the whole builder.
ADD_FORMS = frozenset(f"add-{section}" for section in Section.values)
KEEP_FORMS = ADD_FORMS | {"schedule", "proposals"}
# Changes to which deliverables are on the agenda change the proposals.
KEEP_BUT_PROPOSALS = KEEP_FORMS - {"proposals"}


def choices_stamp() -> str | None:
    """What the item forms' lists are made of: every person, task force and outline item."""
    return fragments.stamp(User.objects.all(), TaskForce.objects.all(), OutlineItem.objects.all())


def shared_choices(validator: str | None) -> tuple[forms.SharedChoices, forms.SharedChoices]:
    """The presenter and topic lists of the item forms, their <option>s written: from the
    fragment cache under a one-query stamp of the rows they come from (every person, task
    force and outline item), built on a miss. Every add answers with an emptied add form;
    building the two lists (400 people, every open question) was a third of its time."""

    def build():
        people, topics = forms.people_choices(), forms.topic_choices()
        people.options_html(), topics.options_html()  # cached written
        return people, topics

    return fragments.cached("item-choices", validator, (), build)


def builder_context(
    request: HttpRequest,
    meeting: Meeting,
    *,
    notice: str = "",
    level: str = "success",
    undo: AgendaItem | None = None,
    bound: dict | None = None,
    editing: tuple[int, forms.ItemForm] | None = None,
    keep: frozenset[str] = frozenset(),
    before: dict | None = None,
) -> dict:
    bound = bound or {}
    # A change that just read and reordered the agenda leaves it on the meeting (single use).
    items = meeting.__dict__.pop("fresh_agenda", None)
    if items is None:
        items = actions.agenda_items(meeting)
    plan = actions.budget(meeting, items, viewer_zone=viewer_zone(request))
    kept = {section for section in Section.values if f"add-{section}" in keep}
    people = topics = validator = None
    if len(kept) < len(Section.values) or editing:
        # One list each, whose <option>s are written once for every <select> showing them.
        validator = choices_stamp()
        people, topics = shared_choices(validator)
    add_forms = {
        section: bound.get(section)
        or forms.ItemForm(section=section, people=people, topics=topics, prefix=f"add-{section}")
        for section in Section.values
        if section not in kept
    }
    for form in (*add_forms.values(), editing[1] if editing else None):
        if form is not None:
            forms.share_choices(form, people=people, topics=topics)
    keep_proposals = "proposals" in keep
    proposals = [] if keep_proposals else actions.propose_tracking_items(meeting=meeting)
    tracking_form = bound.get("tracking") or forms.TrackingForm(proposals=proposals)
    sections = agenda_sections(plan)
    after = _shapes(sections)
    for section in sections:
        section["form"] = form = add_forms.get(section["key"])
        # An empty add form's fields are the same for everybody until a person, task force
        # or outline item changes: cached under the lists' stamp (no CSRF token in them).
        section["fields_html"] = (
            fragments.cached(
                "item-fields",
                validator,
                (section["key"],),
                lambda form=form: fragments.render_fragment(
                    "meetings/_item_fields.html", {"form": form}
                ),
            )
            if form is not None and not form.is_bound and validator is not None
            else None
        )
        rows, times = after[section["key"]]
        old_rows, old_times = (before or {}).get(section["key"], (None, None))
        section["redraw"] = before is None or rows != old_rows
        section["retime"] = times != old_times
        section["appended"] = []
        if section["redraw"] and old_rows and rows[: len(old_rows)] == old_rows:
            # Items added at the end, the others unchanged (an add to a section whose last
            # item keeps its buttons): only the new rows are sent, appended out of band.
            section["redraw"] = False
            section["retime"] = times[: len(old_times)] != old_times
            section["appended"] = section["rows"][len(old_rows) :]
        if not section["redraw"] and not section["appended"]:
            continue
        for row in section["appended"] or section["rows"]:
            args = [meeting.pk, row["planned"].item.pk]
            row["move_url"] = reverse("item-move", args=args)
            row["edit_url"] = reverse("item-edit", args=args)
            row["remove_url"] = reverse("item-remove", args=args)
    keep_schedule = "schedule" in keep
    removed = (
        []
        if "removed" in keep
        else list(
            meeting.items.filter(deleted_at__isnull=False).order_by("-deleted_at", "-id")[:10]
        )
    )
    return {
        "meeting": meeting,
        "plan": plan,
        "sections": sections,
        "proposals": proposals,
        "tracking_form": tracking_form,
        "tracking_checked": checked_proposals(tracking_form),
        "cancel_form": None
        if keep_schedule
        else bound.get("cancel") or forms.CancelForm(prefix="cancel"),
        "move_form": None
        if keep_schedule
        else bound.get("move") or forms.MoveMeetingForm(meeting=meeting, prefix="move"),
        "keep": keep,
        "keep_proposals": keep_proposals,
        "previous": actions.previous_meeting(meeting),
        "removed": removed,
        "notice": notice,
        "level": level,
        "undo": undo,
        "editing_id": editing[0] if editing else None,
        "editing_form": editing[1] if editing else None,
        "people": people,
        "topics": topics,
        "changes_unsent": meeting.state == Meeting.State.PUBLISHED
        and meeting.announced_revision < meeting.revision,
    }


def checked_proposals(form: forms.TrackingForm) -> set[int]:
    values = form["deliverables"].value() or []
    return {int(value) for value in values if str(value).isdigit()}


def builder_response(
    request: HttpRequest, meeting: Meeting, *, status: int = 200, **context
) -> HttpResponse:
    regions = bool(request.htmx) and "schedule" in context.get("keep", ())
    if regions:
        template = f"{EDIT_TEMPLATE}#changes"
    else:
        context["keep"] = frozenset()
        template = f"{EDIT_TEMPLATE}#builder" if request.htmx else EDIT_TEMPLATE
    response = render(
        request, template, builder_context(request, meeting, **context), status=status
    )
    if regions:
        retarget(response, "#budget")
        reswap(response, "outerHTML")
    response["X-Meeting-Version"] = str(meeting.version)
    return response


def answer_done(
    request: HttpRequest,
    meeting: Meeting,
    notice: str,
    *,
    level: str = "success",
    keep: frozenset[str] = KEEP_FORMS,
    before: dict | None = None,
    **context,
) -> HttpResponse:
    """After a successful change: for htmx the regions it altered (the forms in `keep` left
    as the browser has them; none kept: the whole builder), a redirect for plain forms."""
    if request.htmx:
        return builder_response(
            request, meeting, notice=notice, level=level, keep=keep, before=before, **context
        )
    messages.add_message(
        request, messages.WARNING if level == "warning" else messages.SUCCESS, notice
    )
    undo = context.get("undo")
    if undo is not None:
        request.session["agenda_undo"] = undo.pk
    return redirect(reverse("meeting-edit", args=[meeting.pk]) + "#agenda")


def attempt(
    request: HttpRequest,
    meeting: Meeting,
    change: Callable[[int], str | tuple[str, dict]],
    *,
    keep: frozenset[str] = KEEP_FORMS,
    before: dict | None = None,
    reshape: bool = False,
    **failure_context,
) -> HttpResponse:
    """Run `change(version)`; it returns the notice (and extra context) on success.

    `before` (from `_shapes`) is how the sections looked before a change that moves, adds or
    removes items without altering any: the answer then redraws only the sections whose items
    changed, and merely re-times the others.

    A stale version answers 409 with the fresh agenda; a refused rule 422 with its message.
    Either way `failure_context` (the user's bound forms) is shown again, so nothing typed is
    lost.
    """
    version = posted_version(request)
    if version is None:
        return HttpResponseBadRequest("This form is missing the agenda version it is based on.")
    try:
        outcome = change(version)
    except actions.StaleVersion as stale:
        return builder_response(
            request,
            stale.meeting,
            status=409,
            notice=stale.message,
            level="error",
            **failure_context,
        )
    except actions.AgendaError as refused:
        return builder_response(
            request,
            actions.fresh_meeting(meeting.pk),
            status=422,
            notice=refused.message,
            level="error",
            **failure_context,
        )
    notice, extra = outcome if isinstance(outcome, tuple) else (outcome, {})
    if "fresh_agenda" in meeting.__dict__:
        # The action claimed this very object and left the agenda on it: it is current.
        fresh = meeting
        if reshape and request.htmx:
            before = _shapes_before(request, meeting)
    else:
        fresh = actions.fresh_meeting(meeting.pk)
    return answer_done(request, fresh, notice, keep=keep, before=before, **extra)


def answer_invalid(request: HttpRequest, meeting: Meeting, notice: str, **context) -> HttpResponse:
    return builder_response(request, meeting, status=422, notice=notice, level="error", **context)
