import logging

from django.db import connection
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from adcmeet.core import fragments
from adcmeet.core.access import site_visible
from adcmeet.core.fragments import Param
from adcmeet.meetings import health
from adcmeet.meetings.models import Meeting, MeetingSeries
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap
from taskforces.models import Checkpoint, TaskForce

logger = logging.getLogger(__name__)

KIND_ORDER = {
    TaskForce.Kind.TASK_FORCE: 0,
    TaskForce.Kind.RND: 1,
    TaskForce.Kind.FOCUS_AREA: 2,
}


# What the home page's cards show (adcmeet.core.fragments): the series, the meetings still
# ahead (a meeting leaving that set as time passes changes the count too), the roadmaps, the
# current roadmap's periods, deliverables and slips, the task forces and checkpoints.
_current_roadmap = Subquery(Roadmap.objects.newest_first().values("pk")[:1])
HOME_CARDS = fragments.Sources(
    "home",
    MeetingSeries,
    Meeting.objects.upcoming(Param("now")),
    Roadmap,
    Period.objects.filter(roadmap=_current_roadmap),
    Deliverable.objects.filter(roadmap=_current_roadmap),
    fragments.Newest(DeliverableChange),
    TaskForce,
    Checkpoint,
)


def _home_content(user, today) -> str:
    next_meeting = (
        Meeting.objects.visible_to(user)
        .upcoming()
        .exclude(state=Meeting.State.CANCELLED)
        .select_related("series")
        .first()
    )
    series = next_meeting.series if next_meeting else MeetingSeries.objects.order_by("name").first()
    roadmap = Roadmap.objects.defer("baseline").current()
    periods = (
        list(Period.objects.filter(roadmap=roadmap).with_counts(today).order_by("order"))
        if roadmap
        else []
    )
    totals = {
        name: sum(getattr(p, name) for p in periods)
        for name in ("n_planned", "n_done", "n_slipped", "n_tentative")
    }
    task_forces = sorted(
        TaskForce.objects.active().only("name", "slug", "kind"),
        key=lambda tf: (KIND_ORDER.get(tf.kind, 9), tf.name.casefold()),
    )
    return fragments.render_fragment(
        "home/home.html#cards",
        {
            "next_meeting": next_meeting,
            "series": series,
            "roadmap": roadmap,
            "periods": periods,
            "totals": totals,
            "task_forces": task_forces,
            "next_checkpoint": Checkpoint.objects.upcoming(today).first(),
        },
    )


@require_GET
@site_visible
def home(request: HttpRequest) -> HttpResponse:
    """The next meeting, the current roadmap's periods with their counts and the task forces.

    The cards are the same for every visitor who sees the same meetings (anonymous visitors
    only public series), so they are cached per day under one stamp query; a miss costs a
    fixed handful of queries however much data there is."""
    now = timezone.now()
    today = timezone.localdate(now)
    user = request.user
    cards = fragments.cached(
        HOME_CARDS.of(now=now),
        (today, user.is_authenticated),
        lambda: _home_content(user, today),
    )
    return render(request, "home/home.html", {"cards": cards})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: 200 while the database answers; "degraded" when the
    broker or the scheduler is not, since the web keeps serving without them."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # any database failure at all means down
        # The endpoint is public even on a private site: the detail (host names, users,
        # driver messages) goes to the log, the caller learns only that it is down.
        logger.exception("healthz: the database does not answer")
        return JsonResponse({"status": "down"}, status=503)
    checks["broker"] = health.broker_status()
    mail = health.mail_health()
    checks["mail"] = "ok" if mail.ok else mail.message
    degraded = checks["broker"] != "ok" or not mail.ok
    return JsonResponse({"status": "degraded" if degraded else "ok", **checks})
