"""Meeting pages: the list, the readable (printable) meeting page, the agenda builder and the
minutes sheet.

Every mutating view starts with a permission-scoped fetch, hands the posted `version` to one
function of adcmeet.meetings.actions and answers:
- htmx: the fresh builder (or minutes) partial, with a notice; 409 with the fresh agenda when
  the change was based on a stale version, 422 when a rule or the form refused it;
- plain forms: a redirect back to the page on success (the notice as a message), the whole
  page with the notice and the user's input kept otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from adcmeet.accounts.models import User
from adcmeet.core import fragments
from adcmeet.core.access import (
    can_complete_action,
    can_edit_meeting,
    can_see_outbox,
    can_take_minutes,
    login_required,
    site_visible,
)
from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings import actions, forms
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting, MeetingSeries
from deliverables.models import Deliverable
from taskforces.models import OutlineItem, TaskForce

Section = AgendaItem.Section
EDIT_TEMPLATE = "meetings/meeting_edit.html"
MINUTES_TEMPLATE = "meetings/meeting_minutes.html"
PAGE_SIZE = 20


# --- fetching with permissions --------------------------------------------------------------


def _visible_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("series"), pk=meeting_id
    )


def _editable_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = _visible_meeting(request, meeting_id)
    if not can_edit_meeting(request.user, meeting):
        raise PermissionDenied
    return meeting


def _meeting_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    item.meeting = meeting
    return item


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _viewer_zone(request: HttpRequest):
    user = request.user
    return agenda_lib.zone_or_none(getattr(user, "time_zone", "") if user.is_authenticated else "")


def _sections(plan: agenda_lib.Budget) -> list[dict]:
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


def _shapes_now(request: HttpRequest, meeting: Meeting) -> dict[str, tuple[tuple, tuple]]:
    # Only what the order and the clock need: no presenters, task forces or deliverables.
    items = list(
        meeting.items.live()
        .in_agenda_order()
        .only("pk", "meeting_id", "section", "position", "duration_minutes")
    )
    plan = actions.budget(meeting, items, viewer_zone=_viewer_zone(request))
    return _shapes(_sections(plan))


def _shapes_before(request: HttpRequest, meeting: Meeting) -> dict[str, tuple[tuple, tuple]]:
    """How the sections looked before the change just made, from the order the action
    recorded (`actions._remember`) on the meeting it claimed: no query."""
    plan = actions.budget(meeting, meeting.agenda_before, viewer_zone=_viewer_zone(request))
    return _shapes(_sections(plan))


# --- list -----------------------------------------------------------------------------------


def _listed(queryset):
    focus = (
        AgendaItem.objects.live()
        .filter(meeting=OuterRef("pk"), section=Section.FOCUS)
        .order_by("position", "id")
        .values("title")[:1]
    )
    return queryset.select_related("series").annotate(
        n_items=Count("items", filter=Q(items__deleted_at__isnull=True)),
        focus_title=Subquery(focus),
    )


@require_GET
@site_visible
def meeting_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    meetings = Meeting.objects.visible_to(request.user)
    upcoming = Paginator(_listed(meetings.upcoming(now)).order_by("start"), PAGE_SIZE).get_page(
        request.GET.get("upcoming")
    )
    past = Paginator(_listed(meetings.past(now)).order_by("-start"), PAGE_SIZE).get_page(
        request.GET.get("past")
    )
    context = {
        "upcoming": upcoming,
        "past": past,
        "convened_series": list(actions.series_for_convener(request.user)),
        "meetings_ahead": settings.MEETINGS_AHEAD,
    }
    if request.htmx and request.htmx.target in ("upcoming", "past"):
        return render(request, f"meetings/meeting_list.html#{request.htmx.target}", context)
    return render(request, "meetings/meeting_list.html", context)


@require_POST
@login_required
def create_upcoming(request: HttpRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(MeetingSeries, slug=slug)
    if not series.is_convener(request.user):
        raise PermissionDenied
    try:
        count = max(1, min(int(request.POST.get("count", settings.MEETINGS_AHEAD)), 52))
    except ValueError:
        count = settings.MEETINGS_AHEAD
    created = actions.create_upcoming_meetings(series, count=count)
    if created:
        dates = ", ".join(f"{meeting.local_start:%d %b}" for meeting in created)
        messages.success(request, f"Created {len(created)} meeting(s): {dates}.")
    else:
        messages.info(request, f"The next {count} {series.get_weekday_display()}s already exist.")
    return redirect("meetings")


# --- the meeting page -------------------------------------------------------------------


def _meeting_stamp(meeting: Meeting) -> str | None:
    """What the meeting page shows, in one query (adcmeet.core.fragments): the meeting and its
    series, its agenda items and action items, the people, task forces and deliverables
    they name."""
    linked = "SELECT deliverable_id FROM adcmeet_agendaitem WHERE meeting_id = %s"
    return fragments.stamp(
        fragments.Rows(Meeting._meta.db_table, "id = %s", [meeting.pk]),
        fragments.Rows(MeetingSeries._meta.db_table, "id = %s", [meeting.series_id]),
        fragments.Rows(AgendaItem._meta.db_table, "meeting_id = %s", [meeting.pk]),
        fragments.Rows(ActionItem._meta.db_table, "meeting_id = %s", [meeting.pk]),
        User.objects.all(),
        TaskForce.objects.all(),
        fragments.Rows(
            Deliverable._meta.db_table,
            f"id = ANY(ARRAY({linked}))",
            [meeting.pk],
        ),
    )


def _meeting_content(request: HttpRequest, meeting: Meeting, can_edit: bool) -> str:
    user = request.user
    items = actions.agenda_items(meeting)
    plan = actions.budget(meeting, items, viewer_zone=_viewer_zone(request))
    action_items = list(
        meeting.action_items.select_related("owner", "agenda_item").order_by("done", "due", "id")
    )
    return fragments.render_fragment(
        "meetings/meeting_detail.html#meeting",
        {
            "meeting": meeting,
            "plan": plan,
            "sections": _sections(plan),
            "action_items": action_items,
            "can_edit": can_edit,
            "can_minute": can_edit
            or (user.is_authenticated and any(item.presenter_id == user.pk for item in items)),
            "has_minutes": bool(meeting.minutes.strip())
            or any(item.minutes.strip() for item in items),
        },
    )


@require_GET
@site_visible
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The agenda as everybody reads it. The page but the outbox is cached under one stamp
    query, per edit rights, presenter rights and time zone of the viewer (core.fragments)."""
    meeting = _visible_meeting(request, meeting_id)
    user = request.user
    can_edit = can_edit_meeting(user, meeting)
    if can_edit or not user.is_authenticated:
        presenter = False
    else:
        # A presenter may take the minutes of their own items (the page links to the sheet).
        presenter = meeting.items.live().filter(presenter=user).exists()
    zone = _viewer_zone(request)
    content = fragments.cached(
        "meeting",
        _meeting_stamp(meeting),
        (meeting.pk, can_edit, presenter, str(zone or "")),
        lambda: _meeting_content(request, meeting, can_edit),
    )
    outbox = None
    if can_see_outbox(user):
        outbox = list(meeting.outbox.order_by("-created_at")[:50])
    return render(
        request,
        "meetings/meeting_detail.html",
        {"meeting": meeting, "content": content, "outbox": outbox},
    )


# --- the builder ----------------------------------------------------------------------------


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


def _choices_stamp() -> str | None:
    """What the item forms' lists are made of: every person, task force and outline item."""
    return fragments.stamp(User.objects.all(), TaskForce.objects.all(), OutlineItem.objects.all())


def _shared_choices(validator: str | None) -> tuple[forms.SharedChoices, forms.SharedChoices]:
    """The presenter and topic lists of the item forms, their <option>s written: from the
    fragment cache under a one-query stamp of the rows they come from (every person, task
    force and outline item), built on a miss. Every add answers with an emptied add form;
    building the two lists (400 people, every open question) was a third of its time."""

    def build():
        people, topics = forms.people_choices(), forms.topic_choices()
        people.options_html(), topics.options_html()  # cached written
        return people, topics

    return fragments.cached("item-choices", validator, (), build)


def _builder_context(
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
    plan = actions.budget(meeting, items, viewer_zone=_viewer_zone(request))
    kept = {section for section in Section.values if f"add-{section}" in keep}
    people = topics = validator = None
    if len(kept) < len(Section.values) or editing:
        # One list each, whose <option>s are written once for every <select> showing them.
        validator = _choices_stamp()
        people, topics = _shared_choices(validator)
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
    sections = _sections(plan)
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
        "tracking_checked": _checked(tracking_form),
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


def _checked(form: forms.TrackingForm) -> set[int]:
    values = form["deliverables"].value() or []
    return {int(value) for value in values if str(value).isdigit()}


def _builder_response(
    request: HttpRequest, meeting: Meeting, *, status: int = 200, **context
) -> HttpResponse:
    regions = bool(request.htmx) and "schedule" in context.get("keep", ())
    if regions:
        template = f"{EDIT_TEMPLATE}#changes"
    else:
        context["keep"] = frozenset()
        template = f"{EDIT_TEMPLATE}#builder" if request.htmx else EDIT_TEMPLATE
    response = render(
        request, template, _builder_context(request, meeting, **context), status=status
    )
    if regions:
        retarget(response, "#budget")
        reswap(response, "outerHTML")
    response["X-Meeting-Version"] = str(meeting.version)
    return response


def _done(
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
        return _builder_response(
            request, meeting, notice=notice, level=level, keep=keep, before=before, **context
        )
    messages.add_message(
        request, messages.WARNING if level == "warning" else messages.SUCCESS, notice
    )
    undo = context.get("undo")
    if undo is not None:
        request.session["agenda_undo"] = undo.pk
    return redirect(reverse("meeting-edit", args=[meeting.pk]) + "#agenda")


def _attempt(
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
    version = _posted_version(request)
    if version is None:
        return HttpResponseBadRequest("This form is missing the agenda version it is based on.")
    try:
        outcome = change(version)
    except actions.StaleVersion as stale:
        return _builder_response(
            request,
            stale.meeting,
            status=409,
            notice=stale.message,
            level="error",
            **failure_context,
        )
    except actions.AgendaError as refused:
        return _builder_response(
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
    return _done(request, fresh, notice, keep=keep, before=before, **extra)


def _invalid(request: HttpRequest, meeting: Meeting, notice: str, **context) -> HttpResponse:
    return _builder_response(request, meeting, status=422, notice=notice, level="error", **context)


@require_GET
@login_required
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)
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
    return _builder_response(request, meeting, editing=editing, undo=undo)


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
    meeting = _editable_meeting(request, meeting_id)
    section = request.POST.get("section", "")
    if section not in Section.values:
        return HttpResponseBadRequest("Unknown agenda section.")
    form = forms.ItemForm(request.POST, section=section, prefix=f"add-{section}")
    if not form.is_valid():
        return _invalid(
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
    return _attempt(request, meeting, change, keep=keep, reshape=True, bound={section: form})


@require_http_methods(["GET", "POST"])
@login_required
def item_edit(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)
    item = _meeting_item(meeting, item_id)
    if request.method == "GET":
        if not request.htmx:
            return redirect(
                reverse("meeting-edit", args=[meeting.pk]) + f"?edit={item.pk}#item-{item.pk}"
            )
        plan = actions.budget(meeting, viewer_zone=_viewer_zone(request))
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
        return _invalid(
            request, meeting, "The item was not saved: see the form.", editing=(item.pk, form)
        )

    def change(version: int) -> str:
        kwargs = form.action_kwargs()
        if item.section == Section.FOCUS and not form.cleaned_data.get("topic"):
            kwargs.update(task_force=None, outline_item=None)
        saved = actions.update_item(item=item, version=version, by=request.user, **kwargs)
        return f"Saved “{saved.title}”."

    return _attempt(request, meeting, change, editing=(item.pk, form))


@require_POST
@login_required
def item_remove(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)
    item = _meeting_item(meeting, item_id)

    def change(version: int):
        removed = actions.remove_item(item=item, version=version, by=request.user)
        return f"Removed “{removed.title}”.", {"undo": removed}

    before = _shapes_now(request, meeting) if request.htmx else None
    return _attempt(request, meeting, change, keep=KEEP_BUT_PROPOSALS, before=before)


@require_POST
@login_required
def item_restore(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)
    item = _meeting_item(meeting, item_id)

    def change(version: int) -> str:
        restored = actions.restore_item(item=item, version=version, by=request.user)
        return f"Restored “{restored.title}”."

    before = _shapes_now(request, meeting) if request.htmx else None
    return _attempt(request, meeting, change, keep=KEEP_BUT_PROPOSALS, before=before)


@require_POST
@login_required
def item_move(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)
    item = _meeting_item(meeting, item_id)
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

    return _attempt(request, meeting, change, keep=KEEP_FORMS | {"removed"}, reshape=True)


@require_POST
@login_required
def tracking_accept(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)
    proposals = actions.propose_tracking_items(meeting=meeting)
    form = forms.TrackingForm(request.POST, proposals=proposals)
    if not form.is_valid():
        return _invalid(
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

    return _attempt(request, meeting, change, keep=KEEP_BUT_PROPOSALS, bound={"tracking": form})


@require_POST
@login_required
def copy_last_week(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)

    def change(version: int) -> str:
        created = actions.copy_from_last_week(meeting=meeting, version=version, by=request.user)
        titles = ", ".join(f"“{item.title}”" for item in created)
        return f"Copied from last week: {titles}."

    return _attempt(request, meeting, change, keep=KEEP_BUT_PROPOSALS)


@require_POST
@login_required
def publish(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)

    def change(version: int):
        result = actions.publish_meeting(meeting=meeting, version=version, by=request.user)
        what = "Published the agenda" if result.kind == "agenda" else "Sent the updated agenda"
        notice = f"{what} (revision {result.meeting.revision}); the mail is queued."
        if result.warning:
            return f"{notice} Note: {result.warning}", {"level": "warning"}
        return notice

    return _attempt(request, meeting, change)


@require_POST
@login_required
def cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)
    form = forms.CancelForm(request.POST, prefix="cancel")
    if not form.is_valid():
        return _invalid(
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

    return _attempt(request, meeting, change, keep=frozenset(), bound={"cancel": form})


@require_POST
@login_required
def move(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _editable_meeting(request, meeting_id)
    form = forms.MoveMeetingForm(request.POST, meeting=meeting, prefix="move")
    if not form.is_valid():
        return _invalid(
            request, meeting, "The meeting was not moved: see the form.", bound={"move": form}
        )

    def change(version: int) -> str:
        moved = actions.move_meeting(
            meeting=meeting, version=version, by=request.user, start=form.start()
        )
        return f"Moved the meeting to {moved.local_start:%A %d %B %Y, %H:%M}."

    # The whole builder: the meeting's day decides the proposals and the move form's date.
    return _attempt(request, meeting, change, keep=frozenset(), bound={"move": form})


# --- minutes --------------------------------------------------------------------------------
#
# The minutes page has several independent forms; a save swaps only its own region (an item,
# the general minutes, the action items), so text typed elsewhere stays. Each save still grows
# the meeting version: the response says which version it replaced, and agenda.js moves the
# page's other forms on to the new one (an edit by anybody else still shows up as stale).


def _minutes_meeting(request: HttpRequest, meeting_id: int) -> tuple[Meeting, list[AgendaItem]]:
    meeting = _visible_meeting(request, meeting_id)
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
    plan = actions.budget(meeting, items, viewer_zone=_viewer_zone(request))
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
    version = _posted_version(request)
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
    meeting = _visible_meeting(request, meeting_id)
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
    meeting = _visible_meeting(request, meeting_id)
    item = _meeting_item(meeting, item_id)
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
    meeting = _visible_meeting(request, meeting_id)
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
    meeting = _visible_meeting(request, meeting_id)
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
        version = _posted_version(request)
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
