"""Import a roadmap written as a Markdown outline (the slides' "Priority dev deliverables").

::

    # Priority dev deliverables
    ## Incomplete strawman for discussion
    - April
      - new looping job killer in pilot
      - PanDA: LFC registration in the server
    - Summer
      - ToA migration to AGIS?
    - Later
      - Workload sharing in all-core queues? (when athenaMP doesn't fill them)

Rules
-----
* **Periods** are headings or bullets whose whole text is a period name; bullets under a
  period are its deliverables. Headings that are not periods ("Priority dev deliverables")
  and plain text lines are titles and are skipped. A bullet outside any period is an error.
* **Period dates**, relative to ``roadmap.year``: a month name (or its three-letter
  abbreviation) is that month; ``Q1``…``Q4`` are quarters, ``H1``/``H2`` halves; the seasons
  split the year as Winter Jan-Feb, Spring Mar-May, Summer Jun-Aug, Fall/Autumn Sep-Dec. A
  trailing year (``"Spring 2012"``) overrides ``roadmap.year``. Periods are read in order, and
  a period that would start before the one above it moves to the next year ("Fall, Winter"
  makes Winter the coming one); one that starts inside the period above it starts the day
  after it ends (Summer after June starts on 1 July). ``Later`` (also "Longer term",
  "Future") starts the day after the period above it and never ends. A period whose label
  the roadmap already has keeps its existing dates.
* **Deliverables**: a trailing ``?`` marks one tentative, a parenthesised tail is its note,
  and its sub-bullets are appended to the notes (as an outline).
* **Facts**: sub-bullets ``Status: …``, ``Owners: …`` (usernames), ``Deadline: …`` and
  ``Lead time: … days`` set those fields of a new deliverable (the Markdown export writes
  them; see deliverables.attributes); an unknown owner or an unreadable value is an error.
* **Project**: ``"PanDA: title"`` (a known project's name, then a colon) sets the project and
  is stripped from the title; otherwise the first known project named in the title as a
  word sets it (``"new looping job killer in pilot"`` -> Pilot). Known projects are the
  ``Project`` rows plus :data:`KNOWN_PROJECTS` (aliases included, e.g. ``autopsyfactory`` ->
  AutoPyFactory); a known project without a row is created.
* **Idempotent**: a deliverable whose title (ignoring case and repeated spaces) is already on
  the roadmap, in any period and even if deleted or moved, is left alone, so importing an
  outline twice, or after items slipped, changes nothing. An import never moves a deliverable
  (a move has an explicit target and a reason, on its card): the preview says where one
  listed under another period stays.
* **Atomic**: everything is checked first; any problem raises :class:`OutlineError` with
  every ``(line_no, message)`` (line 0: the outline as a whole) and nothing is saved.

``preview_roadmap_outline(text, roadmap)`` runs the same checks and returns what an import
would do, saving nothing. Every created deliverable gets a ``DeliverableChange`` of kind
``created``.
"""

from __future__ import annotations

import dataclasses
import datetime
from types import EllipsisType

from django.db.models import Max
from django.utils.text import slugify

from adcmeet.accounts.models import User
from adcmeet.core import text as usertext
from adcmeet.core.versioning import claimed
from adcmeet.lib.outline import BULLET, HEADING, OutlineError, OutlineNode, parse_outline
from deliverables import attributes
from deliverables.actions import record_owner_change
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap
from deliverables.periods import Bucket, PlannedPeriod, overlap, plan_dates, resolve_period, span
from deliverables.project_names import KNOWN_PROJECTS, KnownProjects

__all__ = [
    "KNOWN_PROJECTS",
    "ImportResult",
    "OutlineError",
    "PlannedDeliverable",
    "PlannedPeriod",
    "import_roadmap_outline",
    "preview_roadmap_outline",
    "resolve_period",
]

TITLE_MAX = Deliverable._meta.get_field("title").max_length
LABEL_MAX = Period._meta.get_field("label").max_length


@dataclasses.dataclass
class PlannedDeliverable:
    title: str
    period: PlannedPeriod
    line_no: int
    tentative: bool = False
    notes: str = ""
    project: str | None = None
    existing: Deliverable | None = None
    created: Deliverable | None = None
    facts: attributes.Attributes = dataclasses.field(default_factory=attributes.Attributes)

    @property
    def is_new(self) -> bool:
        return self.existing is None

    @property
    def stays_in(self) -> str:
        """The period an existing deliverable stays in when the outline lists it elsewhere."""
        if self.existing is None:
            return ""
        if self.period.row is not None and self.period.row.pk == self.existing.period_id:
            return ""
        return self.existing.period.label


@dataclasses.dataclass
class ImportResult:
    periods: list[PlannedPeriod]
    deliverables: list[PlannedDeliverable]
    new_projects: list[str]
    saved: bool = False

    @property
    def new_deliverables(self) -> list[PlannedDeliverable]:
        return [d for d in self.deliverables if d.is_new]

    @property
    def existing_deliverables(self) -> list[PlannedDeliverable]:
        return [d for d in self.deliverables if not d.is_new]

    @property
    def new_periods(self) -> list[PlannedPeriod]:
        return [p for p in self.periods if p.is_new]

    @property
    def changes_nothing(self) -> bool:
        return not (self.new_deliverables or self.new_periods or self.new_projects)


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _plan(text: str, roadmap: Roadmap) -> ImportResult:
    nodes = parse_outline(usertext.clean(text))  # the one normaliser (core.text)
    errors: list[tuple[int, str]] = []
    existing_periods = {p.label.casefold(): p for p in roadmap.periods.all()}
    existing_titles = {
        _title_key(d.title): d
        for d in Deliverable.objects.filter(roadmap=roadmap).select_related("period").order_by("id")
    }
    projects = KnownProjects()
    periods: list[PlannedPeriod] = []
    deliverables: list[PlannedDeliverable] = []
    seen_titles: dict[str, int] = {}
    previous: PlannedPeriod | None = None

    def open_period(node: OutlineNode, bucket: Bucket) -> PlannedPeriod | None:
        nonlocal previous
        label = node.text.rstrip(":").strip()
        if node.tentative or node.note:
            errors.append((node.line_no, f"period “{label}” cannot be tentative or have a note"))
        for planned in periods:
            if planned.label.casefold() == label.casefold():
                errors.append(
                    (node.line_no, f"period “{label}” appears twice (also line {planned.line_no})")
                )
                return None
        if len(label) > LABEL_MAX:
            errors.append((node.line_no, f"period label longer than {LABEL_MAX} characters"))
            return None
        if (row := existing_periods.get(label.casefold())) is not None:
            planned = PlannedPeriod(row.label, row.start, row.end, node.line_no, row)
        else:
            planned = plan_dates(label, bucket, node.line_no, roadmap.year, previous, errors)
            if planned is None:
                return None
            if bucket.open_ended and previous is None and existing_periods:
                last_end = max((p.end for p in existing_periods.values() if p.end), default=None)
                if last_end is not None:
                    planned.start = last_end + datetime.timedelta(days=1)
            if clash := overlap(planned, existing_periods.values()):
                errors.append(
                    (
                        node.line_no,
                        f"“{label}” ({span(planned.start, planned.end)}) overlaps the "
                        f"roadmap's “{clash.label}” ({span(clash.start, clash.end)})",
                    )
                )
                return None
        periods.append(planned)
        previous = planned
        return planned

    def add_item(node: OutlineNode, period: PlannedPeriod) -> None:
        project, title = projects.split(node.text)
        if len(title) > TITLE_MAX:
            errors.append(
                (node.line_no, f"deliverable title is {len(title)} characters; at most {TITLE_MAX}")
            )
            return
        key = _title_key(title)
        if key in seen_titles:
            errors.append((node.line_no, f"“{title}” appears twice (also line {seen_titles[key]})"))
            return
        seen_titles[key] = node.line_no
        notes = [node.note] if node.note else []
        facts = attributes.Attributes()
        for child in node.children:
            fact = None if child.children else attributes.read(child.text, child.note)
            if fact is None:
                notes.append(_outline_lines(child))
            elif problem := attributes.apply(facts, *fact):
                errors.append((child.line_no, problem))
        if problem := attributes.check(facts):
            errors.append((node.line_no, problem))
        deliverables.append(
            PlannedDeliverable(
                title=title,
                period=period,
                line_no=node.line_no,
                tentative=node.tentative,
                notes="\n".join(notes),
                project=project,
                existing=existing_titles.get(key),
                facts=facts,
            )
        )

    def walk(nodes: list[OutlineNode], period: PlannedPeriod | None, in_period: bool) -> None:
        for node in nodes:
            if node.kind not in (HEADING, BULLET):
                continue
            bucket = resolve_period(node.text) if not (in_period and node.kind == BULLET) else None
            if bucket is not None:
                planned = open_period(node, bucket)
                if node.kind == HEADING:
                    walk(node.children, planned, True)
                else:
                    for child in node.children:
                        if planned is not None:
                            add_item(child, planned)
            elif node.kind == HEADING:
                walk(node.children, period, in_period)
            elif in_period:
                if period is not None:
                    add_item(node, period)
            else:
                errors.append(
                    (
                        node.line_no,
                        f"“{node.text}” is not under a period: put it under a month, a "
                        "season, a quarter or “Later”",
                    )
                )

    walk(nodes, None, False)
    _check_owners(deliverables, errors)
    if not periods and not errors:
        errors.append((0, "no periods found: write them as headings or top-level bullets"))
    if errors:
        raise OutlineError(errors)
    new_projects = sorted(
        {d.project for d in deliverables if d.is_new and d.project and projects.is_new(d.project)}
    )
    return ImportResult(periods, deliverables, new_projects)


def _check_owners(deliverables: list[PlannedDeliverable], errors: list) -> None:
    named = {name for d in deliverables for name in d.facts.owners}
    known = {
        u.casefold()
        for u in User.objects.filter(username__in=named).values_list("username", flat=True)
    }
    for planned in deliverables:
        unknown = [name for name in planned.facts.owners if name.casefold() not in known]
        if unknown:
            errors.append(
                (planned.line_no, f"no account named {', '.join(unknown)}: owners are usernames")
            )


def _outline_lines(node: OutlineNode, depth: int = 0) -> str:
    lines = [f"{'  ' * depth}- {node.display}"]
    lines += [_outline_lines(child, depth + 1) for child in node.children]
    return "\n".join(lines)


def preview_roadmap_outline(text: str, roadmap: Roadmap) -> ImportResult:
    """What importing `text` into `roadmap` would do; raises OutlineError; saves nothing."""
    return _plan(text, roadmap)


def import_roadmap_outline(
    text: str, *, roadmap: Roadmap, by=None, version: int | EllipsisType | None = ...
) -> ImportResult:
    """Import `text` into `roadmap`, all or nothing (see the module docstring).

    Claims the roadmap's `version`: the one the preview was made at (None, when a form lost
    it, is a `Conflict`), by default the one `roadmap` was read at. A roadmap changed since,
    by another import or a step towards agreement, is a `Conflict` and nothing is imported;
    the claim also serialises concurrent imports into one roadmap."""
    with claimed(roadmap, roadmap.version if version is ... else version):
        result = _plan(text, roadmap)
        _save(result, roadmap, by)
    result.saved = True
    return result


def _save(result: ImportResult, roadmap: Roadmap, by) -> None:
    rows = {p.name.casefold(): p for p in Project.objects.all()}
    for name in result.new_projects:
        slug = _free_slug(name)
        rows[name.casefold()] = Project.objects.create(name=name, slug=slug)

    if result.new_periods:
        next_order = (roadmap.periods.aggregate(m=Max("order"))["m"] or 0) + 1
        for offset, planned in enumerate(result.new_periods):
            planned.created = Period.objects.create(
                roadmap=roadmap,
                label=planned.label,
                order=next_order + offset,
                start=planned.start,
                end=planned.end,
            )
        _renumber_periods(roadmap)

    positions: dict[int, int] = {}
    for planned in result.new_deliverables:
        period = planned.period.row
        assert period is not None
        if period.pk not in positions:
            last = period.deliverables.aggregate(m=Max("position"))["m"]
            positions[period.pk] = -1 if last is None else last
        positions[period.pk] += 1
        facts = planned.facts
        deliverable = Deliverable.objects.create(
            roadmap=roadmap,
            period=period,
            title=planned.title,
            tentative=planned.tentative,
            notes=planned.notes,
            project=rows.get(planned.project.casefold()) if planned.project else None,
            position=positions[period.pk],
            status=facts.status,
            done_on=facts.done_on,
            deadline=facts.deadline,
            lead_time_days=facts.lead_time_days,
        )
        owners = list(User.objects.filter(username__in=facts.owners)) if facts.owners else []
        deliverable.owners.set(owners)
        DeliverableChange.objects.create(
            deliverable=deliverable,
            kind=DeliverableChange.Kind.CREATED,
            by=by,
            to_status=deliverable.status,
            to_period=period,
            reason="Imported from an outline",
        )
        record_owner_change(deliverable, before=[], after=owners, by=by)
        planned.created = deliverable


def _free_slug(name: str) -> str:
    base = slugify(name)[:50] or "project"
    slug, n = base, 1
    while Project.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _renumber_periods(roadmap: Roadmap) -> None:
    """Keep `order` chronological ("Later" last) after periods were added."""
    periods = list(roadmap.periods.all())
    wanted = sorted(periods, key=lambda p: (p.end is None, p.start, p.order))
    if [p.pk for p in wanted] == [p.pk for p in sorted(periods, key=lambda p: p.order)]:
        return
    # Two passes, since (roadmap, order) is unique at every step.
    top = max(p.order for p in periods) + 1
    for index, period in enumerate(wanted):
        Period.objects.filter(pk=period.pk).update(order=top + index)
    for index, period in enumerate(wanted):
        Period.objects.filter(pk=period.pk).update(order=index)
