"""A roadmap out of the app: CSV for spreadsheets, a Markdown outline for slides.

The outline is written in the seed report's style and reads back through
deliverables.importer to the same roadmap (periods, titles, tentative marks, projects,
notes, status, owners, deadlines and lead times): export → import into a fresh roadmap is a
round trip.
"""

import csv
import datetime
import re
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from adcmeet.lib.outline import (
    OutlineError,
    OutlineNode,
    bullet,
    format_item_text,
    heading,
    parse_item_text,
    parse_outline,
)
from adcmeet.lib.outline import render_outline as render_nodes
from deliverables import attributes
from deliverables.actions.status import latest_reports
from deliverables.models import Deliverable, Project, Roadmap

CSV_COLUMNS = (
    "period",
    "title",
    "tentative",
    "project",
    "owners",
    "status",
    "done_on",
    "deadline",
    "start_by",
    "task_force",
    "slips",
    "slipped_since",
    "notes",
    "url",
    # The newest status report (deliverables.actions.status), added at the end so the columns
    # before keep their places.
    "health",
    "status_line",
    "reported_on",
)

# Spreadsheets run a cell starting with these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def filename(roadmap: Roadmap, extension: str) -> str:
    return f"roadmap-{slugify(roadmap.name) or 'roadmap'}-{roadmap.year}.{extension}"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(out, items: Iterable[Deliverable], *, today: datetime.date) -> None:
    """One row per deliverable, in roadmap order (items come with period, project, task force,
    owners and slip info loaded)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    items = list(items)
    reports = latest_reports(items)
    for item in items:
        slips = item.slip_count(today)
        report = reports.get(item.pk)
        writer.writerow(
            _cell(value)
            for value in (
                item.period.label,
                item.title,
                item.tentative,
                item.project.name if item.project else "",
                "; ".join(owner.display_name for owner in item.owners.all()),
                item.get_status_display(),
                item.done_on,
                item.deadline,
                item.start_by,
                item.task_force.name if item.task_force else "",
                slips,
                item.slipped_since(today) if slips else None,
                item.notes,
                settings.SITE_URL + item.get_absolute_url(),
                report.get_health_display() if report else "",
                report.line if report else "",
                timezone.localdate(report.at) if report else None,
            )
        )


# --- Markdown outline -----------------------------------------------------------------------


def _mentions(title: str, names: Iterable[str]) -> list[tuple[int, str]]:
    found = []
    for name in names:
        words = r"\s+".join(re.escape(word) for word in name.split())
        if match := re.search(rf"(?<![\w-]){words}(?![\w-])", title, re.IGNORECASE):
            found.append(match.start())
    return found


def _project_prefix_needed(title: str, project: Project | None, aliases: dict) -> bool:
    """Whether the importer would read a different project (or none) from the bare title:
    it takes the project named first in the title. Then the title is written "Project: …"."""
    if project is None:
        return False
    head, colon, _rest = title.partition(":")
    spellings = {n.casefold() for names in aliases.values() for n in names}
    if colon and head.strip().casefold() in spellings:
        return True  # "DDM: …" would be read as a project prefix
    positions = {
        name: min(found) for name, names in aliases.items() if (found := _mentions(title, names))
    }
    if not positions:
        return True
    first = min(positions.items(), key=lambda pair: (pair[1], pair[0]))[0]
    return first.casefold() != project.name.casefold()


def _aliases() -> dict[str, tuple[str, ...]]:
    from deliverables.importer import KNOWN_PROJECTS

    names: dict[str, tuple[str, ...]] = {}
    for project in Project.objects.all():
        names[project.name] = (project.name, project.slug)
    for name, spellings in KNOWN_PROJECTS.items():
        canonical = next((n for n in names if n.casefold() == name.casefold()), name)
        names[canonical] = (*names.get(canonical, (canonical,)), *spellings)
    return names


def _notes_nodes(notes: str) -> tuple[str | None, list[OutlineNode]]:
    """Notes as the importer writes them: an optional first line (the "(…)" tail), then
    sub-bullets. Other text becomes one sub-bullet per line."""
    lines = [line.rstrip() for line in notes.strip().splitlines() if line.strip()]
    if not lines:
        return None, []
    note = None
    if not lines[0].lstrip().startswith("- "):
        candidate = " ".join(lines.pop(0).split())
        # A note must read back from "(…)": balanced parentheses only.
        if parse_item_text(format_item_text("x", note=candidate)) == ("x", False, candidate):
            note = candidate
        else:
            lines.insert(0, "- " + candidate)
    if not lines:
        return note, []
    try:
        children = parse_outline("\n".join(lines))
        if all(child.kind == "bullet" for child in children):
            return note, children
    except OutlineError:
        pass
    return note, [bullet(" ".join(line.lstrip("- ").split())) for line in lines]


def roadmap_outline(roadmap: Roadmap, items: Iterable[Deliverable]) -> str:
    """The roadmap as the slides write it: a title, then each period a bullet with its
    deliverables under it ("?" for tentative, "(…)" for a one-line note), each with its
    status, owners, deadline and lead time as sub-bullets (deliverables.attributes) when it
    has any, dropped ones included; periods with nothing in them are kept so the shape of the
    year reads back."""
    aliases = _aliases()
    by_period: dict[int, list[OutlineNode]] = {}
    for item in items:
        title = " ".join(item.title.split())
        if _project_prefix_needed(title, item.project, aliases):
            title = f"{item.project.name}: {title}"
        note, children = _notes_nodes(item.notes)
        facts = [bullet(text, note=tail) for text, tail in attributes.lines_for(item)]
        by_period.setdefault(item.period_id, []).append(
            bullet(title, *facts, *children, tentative=item.tentative, note=note)
        )
    period_nodes = [
        bullet(period.label, *by_period.get(period.pk, []))
        for period in roadmap.periods.order_by("order")
    ]
    state = roadmap.get_state_display().lower()
    return render_nodes(
        [
            heading(
                "Priority dev deliverables",
                1,
                heading(f"{roadmap.name} {roadmap.year}, {state}", 2, *period_nodes),
            )
        ]
    )
