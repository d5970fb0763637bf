"""Editing a task force's outline: add, edit, tick done, reorder, indent/outdent, delete.

Every function locks the task force row first, so two members editing the same outline at once
are serialised and sibling positions stay dense (0..n-1) under each parent. The item passed in
may be stale; each function re-reads what it changes inside the transaction.
"""

import re

from django.db import transaction
from django.db.models import F

from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce

MAX_TEXT = OutlineItem._meta.get_field("text").max_length


class OutlineError(Exception):
    """A refused outline change; the message is meant for the person who asked for it."""


class StaleOutlineItem(OutlineError):
    """The item changed since the editor loaded it."""


def normalise_text(text: str) -> str:
    """Outline lines are single lines: collapse runs of whitespace and newlines."""
    return re.sub(r"\s+", " ", text or "").strip()


def _lock(task_force_id: int) -> TaskForce:
    return TaskForce.objects.select_for_update().get(pk=task_force_id)


def _fresh(item: OutlineItem) -> OutlineItem:
    try:
        return OutlineItem.objects.select_related("parent").get(pk=item.pk)
    except OutlineItem.DoesNotExist:
        raise OutlineError("That item was deleted in the meantime.") from None


def _siblings(task_force_id: int, parent_id: int | None) -> list[OutlineItem]:
    return list(
        OutlineItem.objects.filter(task_force_id=task_force_id, parent_id=parent_id).order_by(
            "position", "id"
        )
    )


def _renumber(items: list[OutlineItem]) -> None:
    changed = []
    for index, item in enumerate(items):
        if item.position != index:
            item.position = index
            changed.append(item)
    if changed:
        OutlineItem.objects.bulk_update(changed, ["position"])


def _check_text(text: str) -> str:
    text = normalise_text(text)
    if not text:
        raise OutlineError("Write something: an outline item cannot be empty.")
    if len(text) > MAX_TEXT:
        raise OutlineError(f"Keep it to {MAX_TEXT} characters (this is {len(text)}).")
    return text


def _check_parent(item: OutlineItem | None, task_force_id: int, parent_id: int | None) -> None:
    """The parent must exist in the same task force and must not be the item or below it."""
    if parent_id is None:
        return
    parents = dict(
        OutlineItem.objects.filter(task_force_id=task_force_id).values_list("pk", "parent_id")
    )
    if parent_id not in parents:
        raise OutlineError("That parent item is not in this task force's outline.")
    if item is None:
        return
    node: int | None = parent_id
    seen: set[int] = set()
    while node is not None and node not in seen:
        if node == item.pk:
            raise OutlineError("An item cannot be nested inside itself or one of its sub-items.")
        seen.add(node)
        node = parents.get(node)


@transaction.atomic
def add_item(
    *,
    task_force: TaskForce,
    text: str,
    kind: str = OutlineItem.Kind.PLAN,
    parent_id: int | None = None,
    checkpoint: Checkpoint | None = None,
) -> OutlineItem:
    """Append an item at the end of its parent's children (or of the top level)."""
    _lock(task_force.pk)
    text = _check_text(text)
    _check_parent(None, task_force.pk, parent_id)
    position = OutlineItem.objects.filter(task_force=task_force, parent_id=parent_id).count()
    return OutlineItem.objects.create(
        task_force=task_force,
        parent_id=parent_id,
        kind=kind,
        text=text,
        position=position,
        checkpoint=checkpoint,
    )


@transaction.atomic
def edit_item(
    *,
    item: OutlineItem,
    version: int,
    text: str,
    kind: str,
    checkpoint: Checkpoint | None,
    parent_id: int | None,
) -> OutlineItem:
    """Change an item's text, kind, checkpoint and (optionally) where it is nested.

    Refused with StaleOutlineItem when someone else edited it since `version` was read."""
    _lock(item.task_force_id)
    text = _check_text(text)
    current = _fresh(item)
    if current.version != version:
        raise StaleOutlineItem(
            "Someone else changed this item while you were editing it. "
            "Here is the current text; make your change again if it is still needed."
        )
    if parent_id != current.parent_id:
        _check_parent(current, current.task_force_id, parent_id)
        _place(current, parent_id, index=None)
    OutlineItem.objects.filter(pk=current.pk).update(
        text=text,
        kind=kind,
        checkpoint=checkpoint,
        version=F("version") + 1,
    )
    return _fresh(current)


@transaction.atomic
def set_done(*, item: OutlineItem, done: bool) -> OutlineItem:
    """Tick or untick. Setting a value rather than toggling makes a double click harmless."""
    _lock(item.task_force_id)
    current = _fresh(item)
    if current.done != done:
        OutlineItem.objects.filter(pk=current.pk).update(done=done, version=F("version") + 1)
    return _fresh(current)


def _place(item: OutlineItem, parent_id: int | None, index: int | None) -> None:
    """Move `item` under `parent_id` at `index` (None: at the end), closing the gap it left."""
    old = [s for s in _siblings(item.task_force_id, item.parent_id) if s.pk != item.pk]
    _renumber(old)
    new = [s for s in _siblings(item.task_force_id, parent_id) if s.pk != item.pk]
    index = len(new) if index is None else max(0, min(index, len(new)))
    item.parent_id = parent_id
    OutlineItem.objects.filter(pk=item.pk).update(parent_id=parent_id)
    new.insert(index, item)
    item.position = -1  # force the write in _renumber
    _renumber(new)


@transaction.atomic
def move_item(*, item: OutlineItem, direction: str) -> OutlineItem:
    """Reorder among siblings ("up"/"down") or change nesting ("indent"/"outdent").

    Indent nests the item as the last child of the sibling above it; outdent makes it the
    sibling right after its parent. Neither can create a cycle or leave the task force."""
    _lock(item.task_force_id)
    current = _fresh(item)
    siblings = _siblings(current.task_force_id, current.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.pk == current.pk)
    if direction == "up":
        if index == 0:
            raise OutlineError(f"“{current.text}” is already first at its level.")
        siblings[index - 1], siblings[index] = siblings[index], siblings[index - 1]
        _renumber(siblings)
    elif direction == "down":
        if index == len(siblings) - 1:
            raise OutlineError(f"“{current.text}” is already last at its level.")
        siblings[index + 1], siblings[index] = siblings[index], siblings[index + 1]
        _renumber(siblings)
    elif direction == "indent":
        if index == 0:
            raise OutlineError(
                f"“{current.text}” has no item above it at the same level to nest under."
            )
        _place(current, siblings[index - 1].pk, index=None)
    elif direction == "outdent":
        parent = current.parent
        if parent is None:
            raise OutlineError(f"“{current.text}” is already at the top level.")
        parent_index = next(
            i
            for i, s in enumerate(_siblings(current.task_force_id, parent.parent_id))
            if s.pk == parent.pk
        )
        _place(current, parent.parent_id, index=parent_index + 1)
    else:
        raise OutlineError(f"Unknown move {direction!r}.")
    return _fresh(current)


@transaction.atomic
def delete_item(*, item: OutlineItem) -> None:
    """Delete one item. Its sub-items are kept: they move up one level into its place."""
    _lock(item.task_force_id)
    current = _fresh(item)
    siblings = _siblings(current.task_force_id, current.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.pk == current.pk)
    children = _siblings(current.task_force_id, current.pk)
    OutlineItem.objects.filter(pk__in=[c.pk for c in children]).update(parent_id=current.parent_id)
    current.delete()
    merged = siblings[:index] + children + siblings[index + 1 :]
    for child in children:
        child.position = -1  # its position is relative to the old parent: always rewrite
    _renumber(merged)


@transaction.atomic
def set_goal(*, checkpoint: Checkpoint, task_force: TaskForce, goal: str) -> CheckpointGoal:
    """Record (or change) what a task force plans to show at a checkpoint."""
    goal_row, _ = CheckpointGoal.objects.update_or_create(
        checkpoint=checkpoint, task_force=task_force, defaults={"goal": goal.strip()}
    )
    return goal_row


@transaction.atomic
def save_checkpoint(
    *, checkpoint: Checkpoint, task_forces: list[TaskForce] | None = None
) -> Checkpoint:
    """Create or update a checkpoint and set which task forces attend it.

    A task force that stays keeps its goal; one taken off loses its goal row (what it planned
    to show there); one added starts with no goal written. `task_forces=None` leaves them.
    """
    checkpoint.full_clean(validate_unique=False)
    checkpoint.save()
    if task_forces is not None:
        wanted = {tf.pk for tf in task_forces}
        current = set(checkpoint.goals.values_list("task_force_id", flat=True))
        checkpoint.goals.exclude(task_force_id__in=wanted).delete()
        CheckpointGoal.objects.bulk_create(
            CheckpointGoal(checkpoint=checkpoint, task_force_id=pk)
            for pk in sorted(wanted - current)
        )
    return checkpoint
