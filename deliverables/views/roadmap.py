"""The roadmap page (board, charts, comparison) and "show more" of one period.

The page but its header is cached for everybody (adcmeet.core.fragments); `ROADMAP_PAGE`
says which rows it shows."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from adcmeet.accounts.models import User
from adcmeet.core import fragments, params
from adcmeet.core.access import (
    can_manage_roadmap,
    can_see_health,
    can_take_deliverable,
    site_visible,
)
from adcmeet.core.fragments import Param
from deliverables.actions import agreement_undo_deadline
from deliverables.board import MORE_CARDS, board, filtered, period_url
from deliverables.cards import board_card_queryset, local_today, tiles
from deliverables.forms import RoadmapFilterForm
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap
from deliverables.views.common import roadmap_or_404
from taskforces.models import TaskForce

# What the board, its charts, filters and comparisons show (adcmeet.core.fragments): the
# roadmaps, this one's periods, deliverables, their history and owners, the people (all 400:
# cheaper than finding the owners; a login misses once), the projects and task forces the
# filters offer.
_roadmap = Param("roadmap")
_deliverables = Deliverable.objects.filter(roadmap=_roadmap)
ROADMAP_PAGE = fragments.Sources(
    "roadmap",
    Roadmap,
    Period.objects.filter(roadmap=_roadmap),
    _deliverables,
    fragments.Newest(DeliverableChange),
    Deliverable.owners.through.objects.filter(deliverable__in_array=_deliverables.values("pk")),
    User,
    Project,
    TaskForce,
)


def _roadmap_fragments(request: HttpRequest, roadmap: Roadmap) -> dict[str, str]:
    """The roadmap page but its header: the other roadmaps, the filter form and the results
    (board, charts, comparison). They show nothing of the viewer, so one copy per roadmap,
    filters and day serves everybody until a shown row changes."""
    today = local_today()
    wanted = tuple(
        (name, request.GET.get(name, ""))
        for name in (*RoadmapFilterForm.FILTER_FIELDS, "compare", "since")
    )

    def render_all() -> dict[str, str]:
        form = RoadmapFilterForm(request.GET, roadmap=roadmap)
        context = board(roadmap, form, today)
        context["roadmaps"] = list(Roadmap.objects.order_by("-year", "name").only("name", "year"))
        context["path"] = request.path
        template = "deliverables/roadmap.html"
        return {
            part: fragments.render_fragment(f"{template}#{part}", context)
            for part in ("other_roadmaps", "filters", "results")
        }

    return fragments.cached(
        ROADMAP_PAGE.of(roadmap=roadmap), (roadmap.pk, wanted, today, request.path), render_all
    )


def _takeable(request: HttpRequest, roadmap: Roadmap) -> list[Deliverable]:
    """The open deliverables of `roadmap` nobody owns that the viewer may take ("I'll take
    it"). Per viewer, so offered in the page's header, which is rendered for each request:
    the board below is one cached copy for everybody and cannot carry the buttons."""
    if not request.user.is_authenticated:
        return []  # nobody anonymous takes anything: spare the query
    unowned = (
        Deliverable.objects.filter(roadmap=roadmap, owners__isnull=True)
        .open()
        .select_related("period")
        .only("title", "version", "status", "deleted_at", "period__label", "period__order")
    )
    return [item for item in unowned if can_take_deliverable(request.user, item)]


def roadmap_page(request: HttpRequest, current: Roadmap) -> HttpResponse:
    """The page (or, for htmx, its results); also what a refused manager's action answers with,
    the refusal's message among the page's messages."""
    parts = _roadmap_fragments(request, current)
    if request.htmx and not request.htmx.history_restore_request:
        response = HttpResponse(parts["results"])
    else:
        response = render(
            request,
            "deliverables/roadmap.html",
            {
                "roadmap": current,
                "can_manage": can_manage_roadmap(request.user),
                "can_see_health": can_see_health(request.user),
                "undo_until": agreement_undo_deadline(current),
                "takeable": _takeable(request, current),
                **parts,
            },
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@site_visible
def roadmap(request: HttpRequest, roadmap_id: int | None = None) -> HttpResponse:
    return roadmap_page(request, roadmap_or_404(roadmap_id))


@require_GET
@site_visible
def roadmap_period(request: HttpRequest, roadmap_id: int, period_id: int) -> HttpResponse:
    """All of one period's cards, a batch at a time ("show more" in a long column)."""
    current = get_object_or_404(Roadmap, pk=roadmap_id)
    period = get_object_or_404(Period, pk=period_id, roadmap=current)
    form = RoadmapFilterForm(request.GET, roadmap=current)
    today = local_today()
    offset = params.query_int(request, "offset", 0)
    live = filtered(current, form, today).live().filter(period=period)
    total = live.count()
    cards = list(board_card_queryset(live).order_by("position", "id")[offset : offset + MORE_CARDS])
    tiles(cards, today, marks={})
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
        "more_url": period_url(current, period, query, offset=following)
        if following < total
        else "",
        "previous_url": period_url(current, period, query, offset=max(0, offset - MORE_CARDS))
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
