"""Server-rendered SVG charts: pure functions from numbers to markup.

No inline styles (the CSP forbids them): geometry goes in presentation attributes, colours in
classes styled by static/css/roadmap.css. Every label is escaped. Each chart carries a
<title> and <desc> (named by aria-labelledby/aria-describedby); the pages also show the same
numbers as a table.
"""

import dataclasses
import datetime
import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Bottom to top in each bar; the class names are seg-<key>.
BAR_SERIES: tuple[tuple[str, str], ...] = (
    ("done", "Done"),
    ("on_track", "Open, on time"),
    ("slipped", "Slipped"),
    ("dropped", "Dropped"),
)


@dataclasses.dataclass(frozen=True)
class Bar:
    label: str
    values: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.values.values())


def _num(value: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros: compact, stable markup."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_step(maximum: int, ticks: int = 5) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving about `ticks` ticks."""
    if maximum <= ticks:
        return 1
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def _open_svg(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-title" aria-describedby="{cid}-desc">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _y_axis(parts: list[str], *, top: float, bottom: float, left: float, right: float, ymax: int):
    step = nice_step(ymax)
    top_value = max(step, math.ceil(ymax / step) * step)
    scale = (bottom - top) / top_value
    parts.append('<g class="axis axis-y">')
    for value in range(0, top_value + 1, step):
        y = bottom - value * scale
        parts.append(
            f'<line class="gridline" x1="{_num(left)}" x2="{_num(right)}" '
            f'y1="{_num(y)}" y2="{_num(y)}"/>'
            f'<text x="{_num(left - 6)}" y="{_num(y + 4)}" text-anchor="end">{value}</text>'
        )
    parts.append("</g>")
    return scale


def stacked_bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    chart_id: str = "period-chart",
    series: Sequence[tuple[str, str]] = BAR_SERIES,
    width: int = 720,
    height: int = 280,
) -> SafeString:
    """One stacked bar per period (bottom to top in `series` order), its total on top and a
    legend underneath."""
    left, right, top, bottom = 40.0, width - 10.0, 16.0, height - 62.0
    parts = _open_svg(chart_id, title, desc, width, height)
    ymax = max((bar.total for bar in bars), default=0)
    scale = _y_axis(parts, top=top, bottom=bottom, left=left, right=right, ymax=max(ymax, 1))
    band = (right - left) / max(len(bars), 1)
    bar_width = min(band * 0.6, 80.0)
    parts.append('<g class="bars">')
    for index, bar in enumerate(bars):
        x = left + index * band + (band - bar_width) / 2
        y = bottom
        label = escape(bar.label)
        parts.append(f'<g class="bar" data-label="{label}">')
        for key, name in series:
            value = bar.values.get(key, 0)
            if value <= 0:
                continue
            h = value * scale
            y -= h
            parts.append(
                f'<rect class="seg seg-{escape(key)}" x="{_num(x)}" y="{_num(y)}" '
                f'width="{_num(bar_width)}" height="{_num(h)}">'
                f"<title>{label}: {value} {escape(name.lower())}</title></rect>"
            )
        cx = x + bar_width / 2
        parts.append(
            f'<text class="total" x="{_num(cx)}" y="{_num(y - 4)}" '
            f'text-anchor="middle">{bar.total}</text>'
            f'<text class="label" x="{_num(cx)}" y="{_num(bottom + 16)}" '
            f'text-anchor="middle">{label}</text></g>'
        )
    parts.append("</g>")
    parts.append(
        f'<line class="axis-line" x1="{_num(left)}" x2="{_num(right)}" '
        f'y1="{_num(bottom)}" y2="{_num(bottom)}"/>'
    )
    parts.append('<g class="legend">')
    x = left
    for key, name in series:
        parts.append(
            f'<rect class="seg seg-{escape(key)}" x="{_num(x)}" y="{_num(height - 22)}" '
            f'width="12" height="12"/>'
            f'<text x="{_num(x + 16)}" y="{_num(height - 12)}">{escape(name)}</text>'
        )
        x += 24 + 7.5 * len(name)
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped


def cumulative(
    counts: Sequence[tuple[datetime.date, int]], *, before: int = 0
) -> list[tuple[datetime.date, int]]:
    """Daily counts (any order, repeats allowed) to a running total per day."""
    per_day: dict[datetime.date, int] = {}
    for day, count in counts:
        per_day[day] = per_day.get(day, 0) + count
    total = before
    points = []
    for day in sorted(per_day):
        total += per_day[day]
        points.append((day, total))
    return points


def _ticks(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, str]]:
    """Month starts for spans up to 18 months, else year starts."""
    months = (end.year - start.year) * 12 + end.month - start.month
    ticks = []
    if months <= 18:
        day = start.replace(day=1)
        while day <= end:
            if day >= start:
                label = day.strftime("%b") if day.month != 1 else day.strftime("%b %Y")
                ticks.append((day, label))
            day = (day + datetime.timedelta(days=32)).replace(day=1)
        if ticks and ticks[0][0].month != 1:
            ticks[0] = (ticks[0][0], ticks[0][0].strftime("%b %Y"))
    else:
        step = max(1, math.ceil((end.year - start.year) / 8))
        for year in range(start.year + 1, end.year + 1, step):
            ticks.append((datetime.date(year, 1, 1), str(year)))
    return ticks


@dataclasses.dataclass(frozen=True)
class Line:
    """A running total for burn_up_chart: `points` from cumulative(); drawn up to `until`
    (today, for what has happened) or across the whole chart (a plan)."""

    key: str
    name: str
    points: Sequence[tuple[datetime.date, int]]
    until: datetime.date | None = None


def burn_up_chart(
    lines: Sequence[Line],
    *,
    start: datetime.date,
    end: datetime.date,
    title: str,
    desc: str,
    chart_id: str = "burn-up",
    width: int = 720,
    height: int = 260,
) -> SafeString:
    """Step lines of running totals over time, each flat before its first point and after its
    last; points outside start..end are drawn at the nearest edge."""
    if end <= start:
        end = start + datetime.timedelta(days=1)
    left, right, top, bottom = 40.0, width - 10.0, 16.0, height - 58.0
    parts = _open_svg(chart_id, title, desc, width, height)
    ymax = max((line.points[-1][1] for line in lines if line.points), default=0)
    scale = _y_axis(parts, top=top, bottom=bottom, left=left, right=right, ymax=max(ymax, 1))
    span = (end - start).days

    def x_of(day: datetime.date) -> float:
        clamped = min(max(day, start), end)
        return left + (clamped - start).days * (right - left) / span

    parts.append('<g class="axis axis-x">')
    for day, label in _ticks(start, end):
        x = x_of(day)
        parts.append(
            f'<line class="tick" x1="{_num(x)}" x2="{_num(x)}" y1="{_num(bottom)}" '
            f'y2="{_num(bottom + 4)}"/><text x="{_num(x)}" y="{_num(bottom + 18)}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(
        f'<line class="axis-line" x1="{_num(left)}" x2="{_num(right)}" '
        f'y1="{_num(bottom)}" y2="{_num(bottom)}"/></g>'
    )
    for line in lines:
        level = 0
        path = [f"M{_num(left)} {_num(bottom)}"]
        for day, total in line.points:
            path.append(f"H{_num(x_of(day))}V{_num(bottom - total * scale)}")
            level = total
        stop = x_of(end if line.until is None else line.until)
        if line.points:
            stop = max(stop, x_of(line.points[-1][0]))
        path.append(f"H{_num(stop)}")
        parts.append(
            f'<path class="line line-{escape(line.key)}" d="{"".join(path)}">'
            f"<title>{escape(line.name)}: {level}</title></path>"
        )
    parts.append('<g class="legend">')
    x = left
    for line in lines:
        parts.append(
            f'<line class="line line-{escape(line.key)}" x1="{_num(x)}" x2="{_num(x + 14)}" '
            f'y1="{_num(height - 16)}" y2="{_num(height - 16)}"/>'
            f'<text x="{_num(x + 18)}" y="{_num(height - 12)}">{escape(line.name)}</text>'
        )
        x += 30 + 7.5 * len(line.name)
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped
