"""Import task forces, R&D activities and focus areas, with their outlines, from Markdown.

Two entry points share one set of rules:

``import_task_forces(text, *, kind=TaskForce.Kind.TASK_FORCE, checkpoint=None)``
    Every top-level bullet is a task force; its sub-bullets are its outline. A line
    ``"Rucio - architecture, scope, components, technologies"`` names the task force before
    the first ``" - "`` and gives its scope after it (a parenthesised note is added to the
    scope). A heading naming a kind sets the kind of the task forces below it: "R&D",
    "Task forces", or any heading mentioning "focus" ("Near-term focus topics"); other
    headings and plain text lines are titles. With a `checkpoint`, each task force gets a
    goal at it (its scope, "near term plans", when it has none yet).
``import_outline_items(text, *, task_force)``
    Every bullet is an outline item of that one task force.

Outline items: nesting is kept. The kind is, in this order: an explicit prefix (``Question:``,
``Use case:``, ``Testbed:``, ``Plan:``, ``Note:``, stripped); a use case when the parent is a
use-case group; a note for a group line such as "First use cases identified" that has sub-items;
an open question when the line ends with "?" or belongs to a focus area (focus topics are
discussion points); a testbed when it mentions one; else a plan item. ``[x]``/``[ ]`` in
front marks it done/open. The "?" and the note stay in the item's text.

Idempotent: a task force is matched by name or slug (ignoring case), an item by its text
(ignoring case and repeated spaces) among the same parent's items; what exists is left
alone, so importing twice changes nothing. Atomic: any problem raises
:class:`~adcmeet.lib.outline.OutlineError` with every ``(line_no, message)`` and nothing is
saved. The ``preview_*`` functions return the plan without saving.
"""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from adcmeet.core import text as usertext
from adcmeet.lib.outline import BULLET, HEADING, OutlineError, OutlineNode, parse_outline
from taskforces.line_kinds import USE_CASE_GROUP_RE, heading_kind, infer_kind
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce

__all__ = [
    "OutlineError",
    "PlannedItem",
    "PlannedTaskForce",
    "TaskForceImportResult",
    "import_outline_items",
    "import_task_forces",
    "infer_kind",
    "preview_outline_items",
    "preview_task_forces",
]

Kind = OutlineItem.Kind
NAME_MAX = TaskForce._meta.get_field("name").max_length
SLUG_MAX = TaskForce._meta.get_field("slug").max_length
TEXT_MAX = OutlineItem._meta.get_field("text").max_length


@dataclasses.dataclass
class PlannedItem:
    text: str
    kind: str
    line_no: int
    done: bool = False
    children: list[PlannedItem] = dataclasses.field(default_factory=list)
    existing: OutlineItem | None = None
    created: OutlineItem | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None

    @property
    def row(self) -> OutlineItem | None:
        return self.existing or self.created

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclasses.dataclass
class PlannedTaskForce:
    name: str
    kind: str
    scope: str
    line_no: int
    items: list[PlannedItem] = dataclasses.field(default_factory=list)
    goal: str = ""
    existing: TaskForce | None = None
    created: TaskForce | None = None

    @property
    def is_new(self) -> bool:
        return self.existing is None

    @property
    def row(self) -> TaskForce | None:
        return self.existing or self.created


@dataclasses.dataclass
class TaskForceImportResult:
    task_forces: list[PlannedTaskForce]
    saved: bool = False

    @property
    def items(self) -> list[PlannedItem]:
        return [i for tf in self.task_forces for top in tf.items for i in top.walk()]

    @property
    def new_task_forces(self) -> list[PlannedTaskForce]:
        return [tf for tf in self.task_forces if tf.is_new]

    @property
    def new_items(self) -> list[PlannedItem]:
        return [i for i in self.items if i.is_new]

    @property
    def changes_nothing(self) -> bool:
        return not (self.new_task_forces or self.new_items)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _full_text(node: OutlineNode) -> str:
    """The line as people wrote it: the "?" of a question and the note are part of an item."""
    text = node.text + ("?" if node.tentative else "")
    return f"{text} ({node.note})" if node.note else text


def _plan_items(
    nodes: list[OutlineNode],
    errors: list[tuple[int, str]],
    *,
    focus: bool,
    parent: PlannedItem | None = None,
) -> list[PlannedItem]:
    planned: list[PlannedItem] = []
    seen: dict[str, int] = {}
    group = (
        parent is not None
        and parent.kind == Kind.NOTE
        and bool(USE_CASE_GROUP_RE.match(parent.text))
    )
    for node in nodes:
        if node.kind != BULLET:
            continue
        kind, text, done = infer_kind(
            _full_text(node),
            has_children=bool(node.children),
            parent_is_use_case_group=group,
            focus=focus,
        )
        if len(text) > TEXT_MAX:
            errors.append((node.line_no, f"item is {len(text)} characters; at most {TEXT_MAX}"))
            continue
        if (key := _key(text)) in seen:
            errors.append((node.line_no, f"“{text}” appears twice here (also line {seen[key]})"))
            continue
        seen[key] = node.line_no
        item = PlannedItem(text, kind, node.line_no, done)
        item.children = _plan_items(node.children, errors, focus=focus, parent=item)
        planned.append(item)
    return planned


def _plan_task_forces(text: str, kind: str) -> TaskForceImportResult:
    nodes = parse_outline(usertext.clean(text))  # the one normaliser (core.text)
    errors: list[tuple[int, str]] = []
    planned: list[PlannedTaskForce] = []
    seen: dict[str, int] = {}
    existing = list(TaskForce.objects.all())
    by_name = {tf.name.casefold(): tf for tf in existing}
    by_slug = {tf.slug: tf for tf in existing}

    def walk(nodes: list[OutlineNode], kind: str) -> None:
        for node in nodes:
            if node.kind == HEADING:
                walk(node.children, heading_kind(node.text) or kind)
            elif node.kind == BULLET:
                add(node, kind)

    def add(node: OutlineNode, kind: str) -> None:
        name, _, scope = node.text.partition(" - ")
        name, scope = name.strip(), scope.strip()
        goal = scope
        if node.tentative:
            scope = f"{scope}?" if scope else scope
            name = name if scope else f"{name}?"
        if node.note:
            scope = f"{scope} ({node.note})" if scope else node.note
        if len(name) > NAME_MAX:
            errors.append((node.line_no, f"task force name longer than {NAME_MAX} characters"))
            return
        slug = slugify(name.replace("&", " and "))[:SLUG_MAX].strip("-")
        if not slug:
            errors.append((node.line_no, f"“{name}” gives no usable web address (slug)"))
            return
        if (key := name.casefold()) in seen:
            errors.append(
                (node.line_no, f"task force “{name}” appears twice (also line {seen[key]})")
            )
            return
        seen[key] = node.line_no
        row = by_name.get(key) or by_slug.get(slug)
        tf = PlannedTaskForce(
            name=row.name if row else name,
            kind=row.kind if row else kind,
            scope=scope,
            line_no=node.line_no,
            goal=goal[:1].upper() + goal[1:],
            existing=row,
        )
        tf.items = _plan_items(node.children, errors, focus=tf.kind == TaskForce.Kind.FOCUS_AREA)
        planned.append(tf)

    walk(nodes, kind)
    if not planned and not errors:
        errors.append((0, "no task forces found: write each as a top-level bullet"))
    if errors:
        raise OutlineError(errors)
    result = TaskForceImportResult(planned)
    for tf in planned:
        if tf.existing is not None:
            _match_existing(tf.items, tf.existing, None)
    return result


def _match_existing(items: list[PlannedItem], task_force: TaskForce, parent_id: int | None):
    rows = OutlineItem.objects.filter(task_force=task_force, parent_id=parent_id).order_by(
        "position", "id"
    )
    by_text: dict[str, OutlineItem] = {}
    for row in rows:
        by_text.setdefault(_key(row.text), row)
    for item in items:
        item.existing = by_text.get(_key(item.text))
        if item.existing is not None:
            _match_existing(item.children, task_force, item.existing.pk)


def preview_task_forces(
    text: str, *, kind: str = TaskForce.Kind.TASK_FORCE
) -> TaskForceImportResult:
    return _plan_task_forces(text, kind)


def import_task_forces(
    text: str,
    *,
    kind: str = TaskForce.Kind.TASK_FORCE,
    checkpoint: Checkpoint | None = None,
) -> TaskForceImportResult:
    with transaction.atomic():
        result = _plan_task_forces(text, kind)
        for planned in result.task_forces:
            task_force = planned.existing
            if task_force is None:
                task_force = planned.created = TaskForce.objects.create(
                    name=planned.name,
                    slug=_free_slug(planned.name),
                    kind=planned.kind,
                    scope=planned.scope,
                    status=TaskForce.Status.ACTIVE,
                )
            else:
                # Lock before adding items, as taskforces.actions does for every outline edit.
                TaskForce.objects.select_for_update().get(pk=task_force.pk)
            _save_items(planned.items, task_force, None)
            if checkpoint is not None:
                CheckpointGoal.objects.get_or_create(
                    checkpoint=checkpoint, task_force=task_force, defaults={"goal": planned.goal}
                )
    result.saved = True
    return result


def _plan_items_for(text: str, task_force: TaskForce) -> TaskForceImportResult:
    errors: list[tuple[int, str]] = []
    nodes = parse_outline(usertext.clean(text))  # the one normaliser (core.text)
    bullets: list[OutlineNode] = []

    def collect(nodes: list[OutlineNode]) -> None:
        for node in nodes:
            if node.kind == HEADING:
                collect(node.children)
            elif node.kind == BULLET:
                bullets.append(node)

    collect(nodes)
    items = _plan_items(bullets, errors, focus=task_force.kind == TaskForce.Kind.FOCUS_AREA)
    if not items and not errors:
        errors.append((0, "no items found: write each as a bullet"))
    if errors:
        raise OutlineError(errors)
    planned = PlannedTaskForce(
        task_force.name, task_force.kind, task_force.scope, 0, items, existing=task_force
    )
    _match_existing(items, task_force, None)
    return TaskForceImportResult([planned])


def preview_outline_items(text: str, *, task_force: TaskForce) -> TaskForceImportResult:
    return _plan_items_for(text, task_force)


def import_outline_items(text: str, *, task_force: TaskForce) -> TaskForceImportResult:
    with transaction.atomic():
        task_force = TaskForce.objects.select_for_update().get(pk=task_force.pk)
        result = _plan_items_for(text, task_force)
        _save_items(result.task_forces[0].items, task_force, None)
    result.saved = True
    return result


def _save_items(items: list[PlannedItem], task_force: TaskForce, parent_id: int | None) -> None:
    position: int | None = None
    for item in items:
        if item.existing is None:
            if position is None:
                last = OutlineItem.objects.filter(
                    task_force=task_force, parent_id=parent_id
                ).aggregate(m=Max("position"))["m"]
                position = -1 if last is None else last
            position += 1
            item.created = OutlineItem.objects.create(
                task_force=task_force,
                parent_id=parent_id,
                kind=item.kind,
                text=item.text,
                done=item.done,
                position=position,
            )
        _save_items(item.children, task_force, item.row.pk)


def _free_slug(name: str) -> str:
    base = slugify(name.replace("&", " and "))[: SLUG_MAX - 4].strip("-")
    slug, n = base, 1
    while TaskForce.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
