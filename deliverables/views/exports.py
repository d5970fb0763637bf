"""The roadmap as CSV and as a Markdown outline, filtered as the page is."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from adcmeet.core.access import site_visible
from deliverables import export
from deliverables.board import filtered
from deliverables.cards import local_today
from deliverables.forms import RoadmapFilterForm
from deliverables.views.common import roadmap_or_404

# --- exports --------------------------------------------------------------------------------


def _export_items(request: HttpRequest, roadmap_id: int | None):
    current = roadmap_or_404(roadmap_id)
    form = RoadmapFilterForm(request.GET, roadmap=current)
    items = (
        filtered(current, form, local_today())
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
    export.write_csv(response, items, today=local_today())
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
