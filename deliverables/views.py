"""Roadmap pages: the board, my deliverables, a deliverable, and the managers' tools.

Every mutating view checks adcmeet.core.access first, then calls deliverables.actions. Cards are
`{% partialdef %}`s: htmx swaps the fresh card in place; without JavaScript the same forms
post and redirect back.
"""

import dataclasses
import datetime
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from adcmeet.accounts.models import User
from adcmeet.core import fragments
from adcmeet.core.access import (
    can_delete_deliverable,
    can_edit_deliverable,
    can_manage_roadmap,
    login_required,
    site_visible,
)
from deliverables import actions, charts, export
from deliverables.compare import Comparison, compare_since, compare_with_baseline
from deliverables.forms import (
    CarryOverForm,
    DeleteForm,
    MoveForm,
    NewRoadmapForm,
    OutlineImportForm,
    RoadmapFilterForm,
    RoadmapStateForm,
    StatusForm,
)
from deliverables.models import (
    Deliverable,
    DeliverableChange,
    Period,
    PeriodTally,
    Project,
    Roadmap,
)
from taskforces.models import TaskForce

# Cards shown per period before "show more"; batches "show more" loads.
FIRST_CARDS = 25
MORE_CARDS = 100

# Extra sections of a deliverable's page filled by apps this one must not import (the
# meetings domain registers "meetings where it was discussed" here from its AppConfig.ready):
# each callable takes (request, deliverable) and returns safe HTML or "".
DELIVERABLE_PANELS: list[Callable[[HttpRequest, Deliverable], SafeString | str]] = []


# --- fetching -------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def _cards(queryset: QuerySet) -> QuerySet:
    """Everything a card shows, in a constant number of queries."""
    return (
        queryset.with_slip_info()
        .select_related("period", "project", "task_force", "roadmap")
        # A roadmap's baseline is a JSON copy of its whole plan: decoding it once per card
        # was 40 % of the roadmap page (issue 7). Cards never show it.
        .defer("roadmap__baseline")
        .prefetch_related("owners")
    )


def _url_maker(name: str) -> Callable[[int], str]:
    """reverse() once per page; each card's URL by substitution (a reverse() per link per
    card was a tenth of a page of cards)."""
    marker = 987654321
    head, _, tail = reverse(name, args=[marker]).partition(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _day(day: datetime.date | None) -> str:
    """ "3 Mar 2026", as the date filter's "j M Y" writes it."""
    return f"{day.day} {day:%b %Y}" if day else ""


def _decorate(items, user, today: datetime.date, *, marks: dict[int, str] | None = None):
    """Per-card facts a template cannot compute (they need today or the user), and what the
    card prints, worked out once per card in Python (the template only writes strings)."""
    urls = {
        name: _url_maker(name)
        for name in ("deliverable", "deliverable-status", "deliverable-move", "roadmap-detail")
    }
    statuses = dict(Deliverable.Status.choices)
    times = "\N{MULTIPLICATION SIGN}"
    for item in items:
        item.slips = item.slip_count(today)
        item.slip_since = item.slipped_since(today) if item.slips else None
        item.late = item.is_overdue(today)
        item.start_by_warning = item.start_by_passed(today)
        item.user_can_edit = not item.is_deleted and can_edit_deliverable(user, item)
        item.change_mark = (marks or {}).get(item.pk, "")
        item.url = urls["deliverable"](item.pk)
        item.status_url = urls["deliverable-status"](item.pk)
        item.move_url = urls["deliverable-move"](item.pk)
        item.roadmap_url = urls["roadmap-detail"](item.roadmap_id)
        item.status_label = statuses.get(item.status, item.status)
        item.owner_names = ", ".join(owner.display_name for owner in item.owners.all())
        item.slip_text = f"Slipped {item.slips}{times} since {_day(item.slip_since)}"
        item.late_text = f"Late: {item.period.label} ended {_day(item.period.end)}"
        item.start_by_text = (
            f"Start by {_day(item.start_by)} (deadline {_day(item.deadline)})"
            if item.start_by_warning
            else ""
        )
        if item.user_can_edit:
            item.move_periods = [
                (period.pk, period.label)
                for period in item.roadmap.periods.all()
                if period.pk != item.period_id
            ]
    return items


def _board_cards(queryset: QuerySet) -> QuerySet:
    """What a tile on the board shows, and no more (no roadmap or task force per card)."""
    return (
        queryset.with_slip_info()
        .select_related("period", "project")
        .prefetch_related(
            Prefetch("owners", queryset=User.objects.only("pk", "name", "username", "first_name"))
        )
    )


def _tiles(items, today: datetime.date, *, marks: dict[int, str]):
    """Everything a tile prints, worked out once per card in Python: the template then only
    writes strings (a tile used to cost a dozen lookups, filters and a URL reversal)."""
    url = reverse("deliverable", args=[0])[: -len("0/")]
    statuses = dict(Deliverable.Status.choices)
    for item in items:
        item.url = f"{url}{item.pk}/"
        item.status_label = statuses.get(item.status, item.status)
        item.owner_names = ", ".join(owner.display_name for owner in item.owners.all())
        item.slips = item.slip_count(today)
        since = item.slipped_since(today) if item.slips else None
        item.slip_title = (
            f"Slipped {item.slips} time{'s' if item.slips != 1 else ''}, "
            f"first on {since.day} {since:%b %Y}"
            if since
            else ""
        )
        times = "\N{MULTIPLICATION SIGN}"
        item.slip_text = (
            f"Slipped {item.slips}{times} since {since.day} {since:%b}" if since else ""
        )
        item.start_by_text = (
            f"{item.start_by.day} {item.start_by:%b %Y}" if item.start_by_passed(today) else ""
        )
        item.change_mark = marks.get(item.pk, "")
    return items


def _fresh_card(deliverable_id: int, request: HttpRequest) -> Deliverable:
    item = (
        _cards(Deliverable.objects.filter(pk=deliverable_id))
        .prefetch_related(Prefetch("roadmap__periods", queryset=Period.objects.order_by("order")))
        .get()
    )
    _decorate([item], request.user, _today())
    return item


def _roadmap(roadmap_id: int | None) -> Roadmap:
    # The baseline (a JSON copy of the agreed plan) is read only when comparing.
    roadmaps = Roadmap.objects.defer("baseline")
    if roadmap_id is None:
        roadmap = roadmaps.current()
        if roadmap is None:
            raise Http404("There is no roadmap yet.")
        return roadmap
    return get_object_or_404(roadmaps, pk=roadmap_id)


def _editable_deliverable(request: HttpRequest, deliverable_id: int) -> Deliverable:
    item = get_object_or_404(
        Deliverable.objects.select_related("period", "roadmap").prefetch_related("owners"),
        pk=deliverable_id,
    )
    if not can_edit_deliverable(request.user, item):
        raise PermissionDenied
    return item


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- my deliverables ------------------------------------------------------------------------


@require_GET
@login_required
def my_deliverables(request: HttpRequest) -> HttpResponse:
    today = _today()
    items = list(
        _cards(Deliverable.objects.live().owned_by(request.user))
        .prefetch_related(Prefetch("roadmap__periods", queryset=Period.objects.order_by("order")))
        .order_by("-roadmap__year", "roadmap__name", "period__order", "position", "id")
    )
    _decorate(items, request.user, today)
    open_items = [item for item in items if not item.is_closed]
    closed_items = [item for item in items if item.is_closed]
    return render(
        request,
        "deliverables/mine.html",
        {
            "open_items": open_items,
            "closed_items": closed_items,
            "today": today,
            "next": request.get_full_path(),
        },
    )


# --- deliverable actions --------------------------------------------------------------------


def _card_response(
    request: HttpRequest,
    deliverable_id: int,
    *,
    status: int = 200,
    message: str = "",
    move_form: MoveForm | None = None,
) -> HttpResponse:
    """The fresh card (htmx) or, without JavaScript, the deliverable's page with the message."""
    item = _fresh_card(deliverable_id, request)
    context = {
        "d": item,
        "card_message": message,
        "card_message_is_error": status >= 400,
        "move_form": move_form,
        "next": request.POST.get("next", ""),
    }
    if request.htmx:
        return render(request, "deliverables/mine.html#card", context, status=status)
    return _deliverable_page(request, item, context, status=status)


def _after_change(request: HttpRequest, item: Deliverable, message: str) -> HttpResponse:
    if request.htmx:
        return _card_response(request, item.pk, message=message)
    messages.success(request, message)
    return redirect(_back(request, item.get_absolute_url()))


@require_POST
@login_required
def deliverable_status(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _editable_deliverable(request, deliverable_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _card_response(
            request, item.pk, status=422, message="That status change was not understood."
        )
    try:
        actions.set_status(
            item,
            status=form.cleaned_data["status"],
            by=request.user,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except actions.StaleVersion as exc:
        return _card_response(request, item.pk, status=409, message=exc.message)
    except actions.ActionError as exc:
        return _card_response(request, item.pk, status=422, message=exc.message)
    label = item.get_status_display().lower()
    return _after_change(request, item, f"“{item.title}” is now {label}.")


@require_POST
@login_required
def deliverable_move(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _editable_deliverable(request, deliverable_id)
    old_period = item.period.label
    form = MoveForm(request.POST, deliverable=item)
    if not form.is_valid():
        return _card_response(
            request,
            item.pk,
            status=422,
            message="The deliverable was not moved: see below.",
            move_form=form,
        )
    try:
        actions.move_to_period(
            item,
            period=form.cleaned_data["period"],
            by=request.user,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except actions.StaleVersion as exc:
        return _card_response(request, item.pk, status=409, message=exc.message)
    except actions.ActionError as exc:
        if exc.field:
            form.add_error(exc.field, exc.message)
        return _card_response(request, item.pk, status=422, message=exc.message, move_form=form)
    message = f"“{item.title}” moved {old_period} → {item.period.label}."
    return _after_change(request, item, message)


def _deletable(request: HttpRequest, deliverable_id: int) -> Deliverable:
    item = get_object_or_404(Deliverable.objects.select_related("roadmap"), pk=deliverable_id)
    if not can_delete_deliverable(request.user, item):
        raise PermissionDenied
    return item


@require_POST
@login_required
def deliverable_delete(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _deletable(request, deliverable_id)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        return _card_response(request, item.pk, status=422, message="Nothing was deleted.")
    try:
        actions.delete_deliverable(
            item,
            by=request.user,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except actions.ActionError as exc:
        return _card_response(request, item.pk, status=409, message=exc.message)
    messages.success(request, f"“{item.title}” was taken off the roadmap; it can be restored.")
    return redirect(item.get_absolute_url())


@require_POST
@login_required
def deliverable_restore(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = _deletable(request, deliverable_id)
    form = DeleteForm(request.POST)
    if not form.is_valid():
        return _card_response(request, item.pk, status=422, message="Nothing was restored.")
    try:
        actions.restore_deliverable(item, by=request.user, version=form.cleaned_data["version"])
    except actions.ActionError as exc:
        return _card_response(request, item.pk, status=409, message=exc.message)
    messages.success(request, f"“{item.title}” is back on the roadmap.")
    return redirect(item.get_absolute_url())


# --- a deliverable's page -------------------------------------------------------------------


def _deliverable_page(
    request: HttpRequest, item: Deliverable, context: dict, *, status: int = 200
) -> HttpResponse:
    history = item.changes.select_related("by", "from_period", "to_period").order_by("at", "id")
    context = {
        **context,
        "d": item,
        "history": history,
        "can_delete": can_delete_deliverable(request.user, item),
        "carried_to": item.carried_to.select_related("roadmap").order_by("id"),
        "panels": [panel(request, item) for panel in DELIVERABLE_PANELS],
    }
    return render(request, "deliverables/deliverable.html", context, status=status)


@require_GET
@site_visible
def deliverable_detail(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    item = get_object_or_404(Deliverable, pk=deliverable_id)
    # A soft-deleted deliverable stays reachable for those who can bring it back.
    if item.is_deleted and not can_delete_deliverable(request.user, item):
        raise Http404("No such deliverable.")
    item = _fresh_card(item.pk, request)
    return _deliverable_page(request, item, {"next": item.get_absolute_url()})


# --- the roadmap board ----------------------------------------------------------------------


@dataclasses.dataclass
class Column:
    period: Period
    tally: PeriodTally
    cards: list[Deliverable]
    late: bool
    more_url: str = ""

    @property
    def hidden(self) -> int:
        return self.tally.here - len(self.cards)


def _filtered(roadmap: Roadmap, form: RoadmapFilterForm, today: datetime.date) -> QuerySet:
    return form.apply(Deliverable.objects.filter(roadmap=roadmap), today)


def _comparison(
    roadmap: Roadmap, form: RoadmapFilterForm, everything: QuerySet
) -> tuple[Comparison | None, str]:
    if since := form.value("since"):
        return compare_since(roadmap, everything, since), ""
    if form.value("compare") == "baseline":
        if roadmap.baseline is None:
            return None, "This roadmap has not been agreed yet, so there is no baseline."
        return compare_with_baseline(roadmap, everything, complete=not form.is_filtered), ""
    return None, ""


def _burn_up(
    roadmap: Roadmap, columns: list["Column"], live: QuerySet, today: datetime.date
) -> tuple[list, list, datetime.date, datetime.date]:
    """Running totals by day: deliverables done, and deliverables due (each counts as due at
    the end of its period; dropped ones and "Later" never fall due). The x axis spans the
    roadmap's dated periods, stretched to any day something was done."""
    done = live.filter(done_on__isnull=False).order_by().values_list("done_on")
    done_points = charts.cumulative(list(done.annotate(n=Count("id"))))
    due_points = charts.cumulative(
        [
            (column.period.end, column.tally.here - column.tally.dropped)
            for column in columns
            if column.period.end is not None and column.tally.here > column.tally.dropped
        ]
    )
    periods = [column.period for column in columns]
    ends = [p.end for p in periods if p.end is not None]
    start = periods[0].start if periods else datetime.date(roadmap.year, 1, 1)
    end = max(ends) if ends else max(today, start)
    days = [day for day, _ in done_points]
    if days:
        start, end = min(start, *days), max(end, *days)
    return done_points, due_points, start, end


def _board(roadmap: Roadmap, form: RoadmapFilterForm, today: datetime.date) -> dict:
    """The results' context. Nothing in it depends on the viewer (cards on the board carry no
    forms), which is what lets adcmeet.core.fragments share one rendering."""
    everything = _filtered(roadmap, form, today)
    live = everything.live()
    periods = list(roadmap.periods.order_by("order"))
    tallies = live.period_tallies(today)
    comparison, comparison_note = _comparison(roadmap, form, everything)
    marks = comparison.marks() if comparison else {}

    ranked = (
        _board_cards(live)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("period_id")],
                order_by=[F("position").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=FIRST_CARDS)
        .order_by("period__order", "position", "id")
    )
    by_period: dict[int, list[Deliverable]] = {p.pk: [] for p in periods}
    for item in _tiles(list(ranked), today, marks=marks):
        by_period[item.period_id].append(item)

    query = form.query_string()
    columns = []
    for period in periods:
        tally = tallies.get(period.pk, PeriodTally())
        column = Column(
            period=period,
            tally=tally,
            cards=by_period[period.pk],
            late=period.has_ended(today) and tally.open > 0,
        )
        if column.hidden > 0:
            column.more_url = _period_url(roadmap, period, query, offset=len(column.cards))
        columns.append(column)

    bars = [
        charts.Bar(
            column.period.label,
            {
                "done": column.tally.done,
                "on_track": column.tally.on_track,
                "slipped": column.tally.slipped,
                "dropped": column.tally.dropped,
            },
        )
        for column in columns
    ]
    done_points, due_points, start, end = _burn_up(roadmap, columns, live, today)
    filtered_note = " (filtered)" if form.is_filtered else ""
    bar_chart = charts.stacked_bar_chart(
        bars,
        title=f"Planned, done and slipped per period{filtered_note}",
        desc="; ".join(
            f"{column.period.label}: {column.tally.planned} planned, {column.tally.done} done, "
            f"{column.tally.slipped} slipped"
            for column in columns
        ),
    )
    n_done = done_points[-1][1] if done_points else 0
    n_due = next((total for day, total in reversed(due_points) if day <= today), 0)
    burn_up = charts.burn_up_chart(
        [
            charts.Line("due", "Due by the end of their period", due_points),
            charts.Line("done", "Done", done_points, until=today),
        ],
        start=start,
        end=end,
        title=f"Deliverables done against those due{filtered_note}",
        desc=f"{n_done} deliverables done so far; {n_due} were due by today.",
    )
    return {
        "roadmap": roadmap,
        "form": form,
        "columns": columns,
        "comparison": comparison,
        "comparison_note": comparison_note,
        "bar_chart": bar_chart,
        "burn_up": burn_up,
        "burn_up_rows": _merge_lines(done_points, due_points),
        "query": query,
        "full_query": form.query_string(with_compare=True),
        "today": today,
    }


def _merge_lines(done, due) -> list[tuple[datetime.date, int, int]]:
    """The burn-up as table rows (day, due, done): each day where either total changes."""
    days = sorted({day for day, _ in done} | {day for day, _ in due})
    done_at, due_at = dict(done), dict(due)
    rows, d, s = [], 0, 0
    for day in days:
        d, s = done_at.get(day, d), due_at.get(day, s)
        rows.append((day, s, d))
    return rows


def _period_url(roadmap: Roadmap, period: Period, query: str, *, offset: int) -> str:
    base = reverse("roadmap-period", args=[roadmap.pk, period.pk])
    return f"{base}?{query}&offset={offset}" if query else f"{base}?offset={offset}"


def _roadmap_stamp(roadmap: Roadmap) -> str | None:
    """What the board, its charts, filters and comparisons show, in one query
    (adcmeet.core.fragments): the roadmaps, this one's periods, deliverables, their history and
    owners, the projects and task forces the filters offer."""
    items = "ANY(ARRAY(SELECT id FROM deliverables_deliverable WHERE roadmap_id = %s))"
    owners = Deliverable.owners.through._meta.db_table
    return fragments.stamp(
        Roadmap.objects.all(),
        fragments.Rows(Period._meta.db_table, "roadmap_id = %s", [roadmap.pk]),
        fragments.Rows(Deliverable._meta.db_table, "roadmap_id = %s", [roadmap.pk]),
        fragments.Newest(DeliverableChange),
        fragments.Rows(owners, f"deliverable_id = {items}", [roadmap.pk]),
        # All users (400 rows, cheaper than finding the owners): a login misses once.
        User.objects.all(),
        Project.objects.all(),
        TaskForce.objects.all(),
    )


def _roadmap_fragments(request: HttpRequest, roadmap: Roadmap) -> dict[str, str]:
    """The roadmap page but its header: the other roadmaps, the filter form and the results
    (board, charts, comparison). They show nothing of the viewer, so one copy per roadmap,
    filters and day serves everybody until a shown row changes."""
    today = _today()
    wanted = tuple(
        (name, request.GET.get(name, ""))
        for name in (*RoadmapFilterForm.FILTER_FIELDS, "compare", "since")
    )

    def render_all() -> dict[str, str]:
        form = RoadmapFilterForm(request.GET, roadmap=roadmap)
        context = _board(roadmap, form, today)
        context["roadmaps"] = list(Roadmap.objects.order_by("-year", "name").only("name", "year"))
        context["path"] = request.path
        template = "deliverables/roadmap.html"
        return {
            part: fragments.render_fragment(f"{template}#{part}", context)
            for part in ("other_roadmaps", "filters", "results")
        }

    return fragments.cached(
        "roadmap", _roadmap_stamp(roadmap), (roadmap.pk, wanted, today, request.path), render_all
    )


@require_GET
@site_visible
def roadmap(request: HttpRequest, roadmap_id: int | None = None) -> HttpResponse:
    current = _roadmap(roadmap_id)
    parts = _roadmap_fragments(request, current)
    if request.htmx and not request.htmx.history_restore_request:
        response = HttpResponse(parts["results"])
    else:
        response = render(
            request,
            "deliverables/roadmap.html",
            {"roadmap": current, "can_manage": can_manage_roadmap(request.user), **parts},
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@site_visible
def roadmap_period(request: HttpRequest, roadmap_id: int, period_id: int) -> HttpResponse:
    """All of one period's cards, a batch at a time ("show more" in a long column)."""
    current = get_object_or_404(Roadmap, pk=roadmap_id)
    period = get_object_or_404(Period, pk=period_id, roadmap=current)
    form = RoadmapFilterForm(request.GET, roadmap=current)
    today = _today()
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    live = _filtered(current, form, today).live().filter(period=period)
    total = live.count()
    cards = list(_board_cards(live).order_by("position", "id")[offset : offset + MORE_CARDS])
    _tiles(cards, today, marks={})
    query = form.query_string()
    following = offset + len(cards)
    context = {
        "roadmap": current,
        "period": period,
        "cards": cards,
        "total": total,
        "offset": offset,
        "shown_to": following,
        "late": period.has_ended(today) and live.open().exists(),
        "more_url": _period_url(current, period, query, offset=following)
        if following < total
        else "",
        "previous_url": _period_url(current, period, query, offset=max(0, offset - MORE_CARDS))
        if offset > 0
        else "",
        "query": query,
    }
    template = "deliverables/period.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#batch"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- exports --------------------------------------------------------------------------------


def _export_items(request: HttpRequest, roadmap_id: int | None):
    current = _roadmap(roadmap_id)
    form = RoadmapFilterForm(request.GET, roadmap=current)
    items = (
        _filtered(current, form, _today())
        .live()
        .select_related("period", "project", "task_force")
        .prefetch_related("owners")
        .with_slip_info()
        .order_by("period__order", "position", "id")
    )
    return current, items


@require_GET
@site_visible
def roadmap_csv(request: HttpRequest, roadmap_id: int | None = None) -> HttpResponse:
    current, items = _export_items(request, roadmap_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(current, "csv")}"'
    export.write_csv(response, items, today=_today())
    return response


@require_GET
@site_visible
def roadmap_markdown(request: HttpRequest, roadmap_id: int | None = None) -> HttpResponse:
    current, items = _export_items(request, roadmap_id)
    text = export.roadmap_outline(current, items)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    if request.GET.get("download") != "0":
        name = export.filename(current, "md")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- managers: lifecycle, carry-over, new roadmaps, import -----------------------------------


def _managed_roadmap(request: HttpRequest, roadmap_id: int) -> Roadmap:
    current = get_object_or_404(Roadmap, pk=roadmap_id)
    if not can_manage_roadmap(request.user):
        raise PermissionDenied
    return current


@require_POST
@login_required
def roadmap_state(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    current = _managed_roadmap(request, roadmap_id)
    form = RoadmapStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That state is not one a roadmap can have.")
        return redirect(current.get_absolute_url())
    try:
        actions.advance_roadmap(current, to_state=form.cleaned_data["state"], by=request.user)
    except actions.ActionError as exc:
        messages.error(request, exc.message)
        return redirect(current.get_absolute_url())
    if current.is_agreed:
        n = len(current.baseline or [])
        messages.success(
            request, f"{current} is agreed: its {n} deliverables are now the baseline."
        )
    else:
        messages.success(request, f"{current} is now a {current.get_state_display().lower()}.")
    return redirect(current.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_carry_over(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    current = _managed_roadmap(request, roadmap_id)
    if request.method == "POST":
        form = CarryOverForm(request.POST)
        if form.is_valid():
            try:
                successor = actions.carry_over(
                    current,
                    name=form.cleaned_data["name"],
                    year=form.cleaned_data["year"],
                    by=request.user,
                )
            except actions.ActionError as exc:
                form.add_error(exc.field, exc.message)
            else:
                n = successor.deliverables.count()
                messages.success(
                    request, f"{successor} starts as a strawman with {n} open items carried over."
                )
                return redirect(successor.get_absolute_url())
    else:
        form = CarryOverForm(initial={"name": current.name, "year": current.year + 1})
    open_count = current.deliverables.open().count()
    return render(
        request,
        "deliverables/carry_over.html",
        {"roadmap": current, "form": form, "open_count": open_count},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_new(request: HttpRequest) -> HttpResponse:
    if not can_manage_roadmap(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = NewRoadmapForm(request.POST)
        if form.is_valid():
            created = Roadmap(name=form.cleaned_data["name"], year=form.cleaned_data["year"])
            created._history_user = request.user
            created.save()
            messages.success(
                request, f"{created} created as a strawman: import its outline to fill it."
            )
            return redirect("roadmap-import", roadmap_id=created.pk)
    else:
        form = NewRoadmapForm(initial={"year": _today().year})
    return render(
        request,
        "deliverables/roadmap_new.html",
        {"form": form},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def roadmap_import(request: HttpRequest, roadmap_id: int) -> HttpResponse:
    """Paste or upload an outline, preview what it would do, then confirm. Nothing is saved
    until the confirm step, and nothing at all if any line is wrong."""
    from deliverables.importer import (
        OutlineError,
        import_roadmap_outline,
        preview_roadmap_outline,
    )

    current = _managed_roadmap(request, roadmap_id)
    preview = None
    errors: list[tuple[int, str]] = []
    status = 200
    if request.method == "POST":
        form = OutlineImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["outline"]
            confirm = request.POST.get("action") == "confirm"
            if confirm and form.cleaned_data["previewed"] != form.digest(text):
                confirm = False
                messages.warning(
                    request, "The outline changed since its preview: check the new preview."
                )
            try:
                if confirm:
                    result = import_roadmap_outline(text, roadmap=current, by=request.user)
                else:
                    preview = preview_roadmap_outline(text, current)
            except OutlineError as exc:
                errors = exc.errors
                status = 422
            else:
                if confirm:
                    messages.success(
                        request,
                        f"Imported {len(result.new_deliverables)} deliverables and "
                        f"{len(result.new_periods)} periods into {current}.",
                    )
                    return redirect(current.get_absolute_url())
            # Keep the text the user gave (an upload becomes the text to confirm).
            form = OutlineImportForm(
                initial={"text": text, "previewed": form.digest(text) if preview else ""}
            )
        else:
            status = 422
    else:
        form = OutlineImportForm()
    return render(
        request,
        "deliverables/import.html",
        {"roadmap": current, "form": form, "preview": preview, "errors": errors},
        status=status,
    )
