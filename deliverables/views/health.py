"""The manager's health view: status reports over time, and who has not reported."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from adcmeet.core.access import can_see_health, login_required
from adcmeet.core.params import optional_id
from deliverables import health
from deliverables.models import Project
from deliverables.views.common import roadmap_or_404


@require_GET
@login_required
def roadmap_health(request: HttpRequest) -> HttpResponse:
    if not can_see_health(request.user):
        raise PermissionDenied("The roadmap's health is for managers and conveners.")
    roadmap = roadmap_or_404(optional_id(request.GET.get("roadmap")))
    periods = list(health.periods_of(roadmap))
    projects = list(
        Project.objects.filter(deliverables__roadmap=roadmap).distinct().order_by("name")
    )
    project_id = optional_id(request.GET.get("project"))
    period_id = optional_id(request.GET.get("period"))
    # A filter naming something not on this roadmap is no filter (a stale bookmark).
    if project_id not in {project.pk for project in projects}:
        project_id = None
    if period_id not in {period.pk for period in periods}:
        period_id = None
    data = health.roadmap_health(roadmap, project_id=project_id, period_id=period_id)
    return render(
        request,
        "deliverables/health.html",
        {
            "roadmap": roadmap,
            "health": data,
            "series": health.HEALTH_SERIES,
            "projects": projects,
            "periods": periods,
            "project_id": project_id,
            "period_id": period_id,
        },
    )
