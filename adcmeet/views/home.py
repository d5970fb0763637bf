from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from adcmeet import health
from adcmeet.access import site_visible
from adcmeet.models import Meeting, MeetingSeries
from deliverables.models import Period, Roadmap
from taskforces.models import TaskForce


@require_GET
@site_visible
def home(request: HttpRequest) -> HttpResponse:
    next_meeting = (
        Meeting.objects.visible_to(request.user)
        .upcoming()
        .exclude(state=Meeting.State.CANCELLED)
        .select_related("series")
        .first()
    )
    roadmap = Roadmap.objects.current()
    periods = (
        Period.objects.filter(roadmap=roadmap).with_counts().order_by("order") if roadmap else []
    )
    task_forces = TaskForce.objects.active().order_by("name")
    return render(
        request,
        "home/home.html",
        {
            "next_meeting": next_meeting,
            "series": MeetingSeries.objects.order_by("name").first(),
            "roadmap": roadmap,
            "periods": periods,
            "task_forces": task_forces,
        },
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: 200 while the database answers; "degraded" when the
    broker or the scheduler is not, since the web keeps serving without them."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any database failure means down
        return JsonResponse({"status": "down", "database": str(exc)}, status=503)
    checks["broker"] = health.broker_status()
    mail = health.mail_health()
    checks["mail"] = "ok" if mail.ok else mail.message
    degraded = checks["broker"] != "ok" or not mail.ok
    return JsonResponse({"status": "degraded" if degraded else "ok", **checks})
