"""The roadmap board: columns of tiles per period, their tallies, the charts and the
comparison. Nothing here depends on the viewer, which lets the page be cached for everybody
(deliverables.views.roadmap)."""

import dataclasses
import datetime

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from deliverables import charts
from deliverables.cards import board_card_queryset, tiles
from deliverables.compare import Comparison, compare_since, compare_with_baseline
from deliverables.forms import RoadmapFilterForm
from deliverables.models import Deliverable, Period, PeriodTally, Roadmap

FIRST_CARDS = 25
MORE_CARDS = 100

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


def filtered(roadmap: Roadmap, form: RoadmapFilterForm, today: datetime.date) -> QuerySet:
    return form.apply(Deliverable.objects.filter(roadmap=roadmap), today)


def comparison_for(
    roadmap: Roadmap, form: RoadmapFilterForm, everything: QuerySet
) -> tuple[Comparison | None, str]:
    if since := form.value("since"):
        return compare_since(roadmap, everything, since), ""
    if form.value("compare") == "baseline":
        if roadmap.baseline is None:
            return None, "This roadmap has not been agreed yet, so there is no baseline."
        return compare_with_baseline(roadmap, everything, complete=not form.is_filtered), ""
    return None, ""


def burn_up_lines(
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


def board(roadmap: Roadmap, form: RoadmapFilterForm, today: datetime.date) -> dict:
    """The results' context. Nothing in it depends on the viewer (cards on the board carry no
    forms), which is what lets adcmeet.core.fragments share one rendering."""
    everything = filtered(roadmap, form, today)
    live = everything.live()
    periods = list(roadmap.periods.order_by("order"))
    tallies = live.period_tallies(today)
    comparison, comparison_note = comparison_for(roadmap, form, everything)
    marks = comparison.marks() if comparison else {}

    ranked = (
        board_card_queryset(live)
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
    for item in tiles(list(ranked), today, marks=marks):
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
            column.more_url = period_url(roadmap, period, query, offset=len(column.cards))
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
    done_points, due_points, start, end = burn_up_lines(roadmap, columns, live, today)
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
        "burn_up_rows": merge_lines(done_points, due_points),
        "query": query,
        "full_query": form.query_string(with_compare=True),
        "today": today,
    }


def merge_lines(done, due) -> list[tuple[datetime.date, int, int]]:
    """The burn-up as table rows (day, due, done): each day where either total changes."""
    days = sorted({day for day, _ in done} | {day for day, _ in due})
    done_at, due_at = dict(done), dict(due)
    rows, d, s = [], 0, 0
    for day in days:
        d, s = done_at.get(day, d), due_at.get(day, s)
        rows.append((day, s, d))
    return rows


def period_url(roadmap: Roadmap, period: Period, query: str, *, offset: int) -> str:
    base = reverse("roadmap-period", args=[roadmap.pk, period.pk])
    return f"{base}?{query}&offset={offset}" if query else f"{base}?offset={offset}"
