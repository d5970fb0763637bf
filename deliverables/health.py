"""The manager's view of status reports: health over time and who has not reported.

Pure reads. Each week counts every deliverable in scope by its newest report made by the end
of that week (a deliverable marked done by then counts as done whatever it last reported;
one with no report yet is "unreported"). Who has not reported is answered for the newest
status request: an item counts as reported when someone reported on it after the request
was made.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db.models import Prefetch
from django.utils import timezone

from deliverables import charts
from deliverables.actions.status import latest_reports
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap, StatusRequest

WEEKS = 8
HEALTH_SERIES: tuple[tuple[str, str], ...] = (
    ("done", "Done"),
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("off_track", "Off track"),
    ("unreported", "Unreported"),
)


@dataclasses.dataclass(frozen=True)
class Week:
    start: datetime.date
    counts: dict[str, int]

    @property
    def label(self) -> str:
        return f"{self.start.day} {self.start:%b}"

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(key, 0) for key, _ in HEALTH_SERIES]


@dataclasses.dataclass(frozen=True)
class Missing:
    """An owner who was asked and has not answered, with the items still unreported."""

    owner: object
    items: list[Deliverable]


@dataclasses.dataclass(frozen=True)
class Health:
    weeks: list[Week]
    chart: str
    missing: list[Missing]
    asked_for: datetime.date | None
    scope_size: int


def _week_starts(today: datetime.date, weeks: int) -> list[datetime.date]:
    monday = today - datetime.timedelta(days=today.weekday())
    return [monday - datetime.timedelta(weeks=n) for n in reversed(range(weeks))]


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after `day`, on the site's wall clock."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(midnight)


def scope(roadmap: Roadmap, *, project_id: int | None = None, period_id: int | None = None):
    """The deliverables the view counts: live, not dropped, of the roadmap and filters."""
    items = roadmap.deliverables.live().exclude(status=Deliverable.Status.DROPPED)
    if project_id is not None:
        items = items.filter(project_id=project_id)
    if period_id is not None:
        items = items.filter(period_id=period_id)
    return items


def weekly_health(items: list[Deliverable], *, today: datetime.date, weeks: int = WEEKS):
    starts = _week_starts(today, weeks)
    ends = [_end_of(start + datetime.timedelta(days=6)) for start in starts]
    reports = (
        DeliverableChange.objects.filter(
            kind=DeliverableChange.Kind.REPORT, deliverable__in=[item.pk for item in items],
            at__lt=ends[-1],
        )
        .order_by("at", "id")
        .values_list("deliverable_id", "at", "health")
    )  # fmt: skip
    history: dict[int, list[tuple[datetime.datetime, str]]] = {}
    for deliverable_id, at, health in reports:
        history.setdefault(deliverable_id, []).append((at, health))
    result = []
    for start, end in zip(starts, ends, strict=True):
        last_day = start + datetime.timedelta(days=6)
        counts = dict.fromkeys((key for key, _ in HEALTH_SERIES), 0)
        for item in items:
            if item.done_on is not None and item.done_on <= last_day:
                counts["done"] += 1
                continue
            said = [health for at, health in history.get(item.pk, ()) if at < end]
            counts[said[-1] if said else "unreported"] += 1
        result.append(Week(start, counts))
    return result


def not_reported(items: list[Deliverable]) -> tuple[datetime.date | None, list[Missing]]:
    """The newest request's owners who have items in `items` still unreported since asked."""
    newest = StatusRequest.objects.order_by("-for_date").values_list("for_date", flat=True)
    asked_for = newest.first()
    if asked_for is None:
        return None, []
    in_scope = {item.pk: item for item in items}
    requests = list(
        StatusRequest.objects.filter(for_date=asked_for)
        .select_related("owner")
        .prefetch_related(Prefetch("deliverables", queryset=Deliverable.objects.only("pk")))
        .order_by("owner__name", "owner__username")
    )
    if not requests:
        return asked_for, []
    since = min(request.created_at for request in requests)
    reports = latest_reports(list(in_scope), since=since)
    missing = []
    for request in requests:
        pending = [
            in_scope[item.pk]
            for item in request.deliverables.all()
            if item.pk in in_scope
            and (item.pk not in reports or reports[item.pk].at < request.created_at)
            and in_scope[item.pk].status != Deliverable.Status.DONE
        ]
        if pending:
            missing.append(Missing(request.owner, pending))
    return asked_for, missing


def roadmap_health(
    roadmap: Roadmap,
    *,
    project_id: int | None = None,
    period_id: int | None = None,
    today: datetime.date | None = None,
) -> Health:
    today = today or timezone.localdate()
    items = list(
        scope(roadmap, project_id=project_id, period_id=period_id)
        .select_related("period")
        .defer("notes")
    )
    weeks = weekly_health(items, today=today)
    filtered = " (filtered)" if project_id or period_id else ""
    chart = charts.stacked_bar_chart(
        [charts.Bar(week.label, week.counts) for week in weeks],
        title=f"Health of {roadmap} by week{filtered}",
        desc="; ".join(
            f"week of {week.label}: "
            + ", ".join(
                f"{n} {name.lower()}"
                for n, (_, name) in zip(week.cells, HEALTH_SERIES, strict=True)
            )
            for week in weeks
        ),
        chart_id="health-chart",
        series=HEALTH_SERIES,
    )
    asked_for, missing = not_reported(items)
    return Health(weeks, chart, missing, asked_for, len(items))


def periods_of(roadmap: Roadmap):
    return Period.objects.filter(roadmap=roadmap).order_by("order")
