"""Editing a task force's outline (add, edit, tick done, reorder, indent/outdent, delete) and its
checkpoints (a checkpoint, the task forces attending it, their goals).

Outline functions lock the task force row first, so two members editing one outline at once are
serialised and sibling positions stay dense (0..n-1) under each parent. Then each claims the
version of the item it changes (adcmeet.core.versioning.claim) as the editor saw it: a stale
one is a `Conflict` (409) carrying the fresh item, never last-writer-wins. Rules refuse with
`Refused` (422). The instance passed in is never changed; each function returns the fresh
item. Checkpoints and goals claim their own versions the same way.
"""

import re

from django.db import IntegrityError, transaction
from django.db.models import F

from adcmeet.core.versioning import Conflict, Refused, claim
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce

MAX_TEXT = OutlineItem._meta.get_field("text").max_length


def normalise_text(text: str) -> str:
    """Outline lines are single lines: collapse runs of whitespace and newlines."""
    return re.sub(r"\s+", " ", text or "").strip()


def _lock(task_force_id: int) -> TaskForce:
    return TaskForce.objects.select_for_update().get(pk=task_force_id)


def _claim(item: OutlineItem, version: int | None) -> OutlineItem:
    """The item as stored, its version claimed; a fresh instance (the caller's is left alone)."""
    try:
        return claim(OutlineItem(pk=item.pk), version)
    except Conflict as conflict:
        if conflict.current is None:
            raise Conflict(None, "That item was deleted in the meantime.") from None
        raise


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
        raise Refused("Write something: an outline item cannot be empty.")
    if len(text) > MAX_TEXT:
        raise Refused(f"Keep it to {MAX_TEXT} characters (this is {len(text)}).")
    return text


def _check_parent(item: OutlineItem | None, task_force_id: int, parent_id: int | None) -> None:
    """The parent must exist in the same task force and must not be the item or below it."""
    if parent_id is None:
        return
    parents = dict(
        OutlineItem.objects.filter(task_force_id=task_force_id).values_list("pk", "parent_id")
    )
    if parent_id not in parents:
        # The form offered it: it was deleted (or moved to another outline) in the meantime.
        raise Conflict(None, "That parent item is not in this task force's outline any more.")
    if item is None:
        return
    node: int | None = parent_id
    seen: set[int] = set()
    while node is not None and node not in seen:
        if node == item.pk:
            raise Refused("An item cannot be nested inside itself or one of its sub-items.")
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
    version: int | None,
    text: str,
    kind: str,
    checkpoint: Checkpoint | None,
    parent_id: int | None,
) -> OutlineItem:
    """Change an item's text, kind, checkpoint and (optionally) where it is nested."""
    _lock(item.task_force_id)
    text = _check_text(text)
    current = _claim(item, version)
    if parent_id != current.parent_id:
        _check_parent(current, current.task_force_id, parent_id)
        _place(current, parent_id, index=None)
    current.text, current.kind, current.checkpoint = text, kind, checkpoint
    current.save(update_fields=["text", "kind", "checkpoint", "updated_at"])
    return current


@transaction.atomic
def set_done(*, item: OutlineItem, done: bool, version: int | None) -> OutlineItem:
    """Tick or untick. A stale request whose outcome already holds (a double click, two people
    ticking the same item) changes nothing and is no conflict: nothing anybody wrote is lost."""
    _lock(item.task_force_id)
    try:
        current = _claim(item, version)
    except Conflict as conflict:
        if conflict.current is not None and conflict.current.done == done:
            return conflict.current
        raise
    if current.done != done:
        current.done = done
        current.save(update_fields=["done", "updated_at"])
    return current


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
def move_item(*, item: OutlineItem, direction: str, version: int | None) -> OutlineItem:
    """Reorder among siblings ("up"/"down") or change nesting ("indent"/"outdent").

    Indent nests the item as the last child of the sibling above it; outdent makes it the
    sibling right after its parent. Neither can create a cycle or leave the task force. Siblings
    shifted by the move keep their versions: what a form shows of them does not change."""
    _lock(item.task_force_id)
    current = _claim(item, version)
    siblings = _siblings(current.task_force_id, current.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.pk == current.pk)
    if direction == "up":
        if index == 0:
            raise Refused(f"“{current.text}” is already first at its level.")
        siblings[index - 1], siblings[index] = siblings[index], siblings[index - 1]
        _renumber(siblings)
    elif direction == "down":
        if index == len(siblings) - 1:
            raise Refused(f"“{current.text}” is already last at its level.")
        siblings[index + 1], siblings[index] = siblings[index], siblings[index + 1]
        _renumber(siblings)
    elif direction == "indent":
        if index == 0:
            raise Refused(f"“{current.text}” has no item above it at the same level to nest under.")
        _place(current, siblings[index - 1].pk, index=None)
    elif direction == "outdent":
        parent = current.parent
        if parent is None:
            raise Refused(f"“{current.text}” is already at the top level.")
        parent_index = next(
            i
            for i, s in enumerate(_siblings(current.task_force_id, parent.parent_id))
            if s.pk == parent.pk
        )
        _place(current, parent.parent_id, index=parent_index + 1)
    else:
        raise Refused(f"Unknown move {direction!r}.")
    current.refresh_from_db()
    return current


@transaction.atomic
def delete_item(*, item: OutlineItem, version: int | None) -> None:
    """Delete one item. Its sub-items are kept: they move up one level into its place (a
    change of theirs: their versions move on, so a form still nesting one under the deleted
    item is refused)."""
    _lock(item.task_force_id)
    current = _claim(item, version)
    siblings = _siblings(current.task_force_id, current.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.pk == current.pk)
    children = _siblings(current.task_force_id, current.pk)
    OutlineItem.objects.filter(pk__in=[c.pk for c in children]).update(
        parent_id=current.parent_id, version=F("version") + 1
    )
    current.delete()
    merged = siblings[:index] + children + siblings[index + 1 :]
    for child in children:
        child.position = -1  # its position is relative to the old parent: always rewrite
    _renumber(merged)


@transaction.atomic
def set_goal(
    *, checkpoint: Checkpoint, task_force: TaskForce, goal: str, version: int | None
) -> CheckpointGoal:
    """Record (or change) what a task force plans to show at a checkpoint.

    `version` is the goal's as the writer saw it, None when it had none yet: a goal written,
    changed or taken off the checkpoint (the task force no longer attending) in the meantime
    is a `Conflict`."""
    row = CheckpointGoal.objects.filter(checkpoint=checkpoint, task_force=task_force).first()
    if row is None and version is not None:
        raise Conflict(
            None,
            f"{task_force.name} was taken off {checkpoint.name} in the meantime, with its goal. "
            "Your text was not saved; save it again to put the task force back.",
        )
    if row is None:
        try:
            with transaction.atomic():
                return CheckpointGoal.objects.create(
                    checkpoint=checkpoint, task_force=task_force, goal=goal.strip()
                )
        except IntegrityError:
            row = CheckpointGoal.objects.get(checkpoint=checkpoint, task_force=task_force)
            raise Conflict(row, _goal_written(row)) from None
    try:
        claim(row, version)
    except Conflict as conflict:
        raise Conflict(conflict.current, _goal_written(conflict.current)) from None
    row.goal = goal.strip()
    row.save(update_fields=["goal"])
    return row


def _goal_written(goal: CheckpointGoal | None) -> str:
    if goal is None:
        return Conflict.DEFAULT_MESSAGE
    return (
        f"{goal.task_force.name}'s goal was written in the meantime: “{goal.goal}”. Your text "
        "was not saved; it is kept below, save it again to replace that goal."
    )


@transaction.atomic
def save_checkpoint(
    *,
    checkpoint: Checkpoint,
    version: int | None = None,
    task_forces: list[TaskForce] | None = None,
    goal_versions: dict[int, int] | None = None,
) -> Checkpoint:
    """Create or update a checkpoint and set which task forces attend it.

    An existing checkpoint claims `version`, the one its form was built from: saved over by
    someone else meanwhile, it is a `Conflict` (a stale form never restores an old
    description). `checkpoint` carries the new values.

    A task force that stays keeps its goal; one added starts with no goal written; one taken off
    loses its goal row, which claims that goal's version as the form saw it (`goal_versions`,
    task force id → version): a goal written or changed since the form was built is never
    deleted unseen. `task_forces=None` leaves them all."""
    if checkpoint.pk is not None:
        stored = claim(Checkpoint(pk=checkpoint.pk), version)
        checkpoint.version = stored.version
    checkpoint.full_clean(validate_unique=False)
    checkpoint.save()
    if task_forces is not None:
        _set_attendance(checkpoint, {tf.pk for tf in task_forces}, goal_versions or {})
    return checkpoint


def _set_attendance(checkpoint: Checkpoint, wanted: set[int], seen: dict[int, int]) -> None:
    rows = {g.task_force_id: g for g in checkpoint.goals.select_related("task_force")}
    for task_force_id, row in rows.items():
        if task_force_id in wanted:
            continue
        if task_force_id not in seen:
            raise Conflict(checkpoint, _goal_written(row))
        try:
            claim(row, seen[task_force_id])
        except Conflict:
            row.refresh_from_db()
            raise Conflict(checkpoint, _goal_written(row)) from None
        row.delete()
    CheckpointGoal.objects.bulk_create(
        CheckpointGoal(checkpoint=checkpoint, task_force_id=pk) for pk in sorted(wanted - set(rows))
    )
