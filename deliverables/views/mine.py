"""My deliverables: the cards of what the viewer owns, open first."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from adcmeet.core.access import login_required
from deliverables.actions.status import latest_reports
from deliverables.cards import card_queryset, decorate, local_today
from deliverables.models import Deliverable, Period
from deliverables.status_links import live_link_count

# --- my deliverables ------------------------------------------------------------------------


@require_GET
@login_required
def my_deliverables(request: HttpRequest) -> HttpResponse:
    today = local_today()
    items = list(
        card_queryset(Deliverable.objects.live().owned_by(request.user))
        .prefetch_related(Prefetch("roadmap__periods", queryset=Period.objects.order_by("order")))
        .order_by("-roadmap__year", "roadmap__name", "period__order", "position", "id")
    )
    decorate(items, request.user, today)
    open_items = [item for item in items if not item.is_closed]
    closed_items = [item for item in items if item.is_closed]
    latest = latest_reports(open_items)
    return render(
        request,
        "deliverables/mine.html",
        {
            "open_items": open_items,
            "closed_items": closed_items,
            "today": today,
            "next": request.get_full_path(),
            # Status reports: each open item's newest line, and the mail links still usable.
            "reported": [(item, latest.get(item.pk)) for item in open_items],
            "live_links": live_link_count(request.user),
        },
    )
