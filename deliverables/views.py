from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from deliverables.models import Deliverable, Roadmap


@require_GET
def roadmap(request: HttpRequest, roadmap_id: int | None = None) -> HttpResponse:
    current = (
        get_object_or_404(Roadmap, pk=roadmap_id) if roadmap_id else Roadmap.objects.current()
    )
    if current is None:
        raise Http404("No roadmap yet.")
    periods = current.periods.order_by("order").prefetch_related("deliverables")
    return render(request, "deliverables/roadmap.html", {"roadmap": current, "periods": periods})


@require_GET
@login_required
def my_deliverables(request: HttpRequest) -> HttpResponse:
    items = Deliverable.objects.live().owned_by(request.user).select_related("period", "project")
    return render(request, "deliverables/mine.html", {"deliverables": items})


@require_GET
def deliverable_detail(request: HttpRequest, deliverable_id: int) -> HttpResponse:
    deliverable = get_object_or_404(Deliverable.objects.live(), pk=deliverable_id)
    return render(request, "deliverables/deliverable.html", {"deliverable": deliverable})
