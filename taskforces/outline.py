"""Building a task force's outline as a tree for display, in one query for the items."""

from collections import defaultdict
from dataclasses import dataclass, field

from taskforces.models import Checkpoint, OutlineItem, TaskForce


@dataclass
class Node:
    item: OutlineItem
    depth: int
    is_first: bool
    is_last: bool
    children: list["Node"] = field(default_factory=list)

    @property
    def can_indent(self) -> bool:
        return not self.is_first

    @property
    def can_outdent(self) -> bool:
        return self.depth > 0


def build_tree(items: list[OutlineItem]) -> list[Node]:
    by_parent: dict[int | None, list[OutlineItem]] = defaultdict(list)
    known = {item.pk for item in items}
    for item in items:
        # An item whose parent is missing from the list (never expected) shows at the top
        # rather than vanishing.
        parent = item.parent_id if item.parent_id in known else None
        by_parent[parent].append(item)
    for siblings in by_parent.values():
        siblings.sort(key=lambda i: (i.position, i.pk))

    def grow(parent_id: int | None, depth: int, path: frozenset[int]) -> list[Node]:
        siblings = [s for s in by_parent.get(parent_id, []) if s.pk not in path]
        return [
            Node(
                item=item,
                depth=depth,
                is_first=index == 0,
                is_last=index == len(siblings) - 1,
                children=grow(item.pk, depth + 1, path | {item.pk}),
            )
            for index, item in enumerate(siblings)
        ]

    return grow(None, 0, frozenset())


def flatten(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def outline_context(
    task_force: TaskForce,
    *,
    can_edit: bool,
    form=None,
    editing: int | None = None,
    edit_form=None,
    error: str = "",
    notice: str = "",
) -> dict:
    """What `taskforces/taskforce.html#outline` needs: the tree, the forms and the choices.

    Two queries (items, checkpoints) whatever the size of the outline."""
    from taskforces.forms import OutlineItemEditForm, OutlineItemForm

    items = list(OutlineItem.objects.filter(task_force=task_force).select_related("checkpoint"))
    tree = build_tree(items)
    flat = flatten(tree)
    checkpoints = list(Checkpoint.objects.order_by("date", "name")) if can_edit else []
    if can_edit and form is None:
        form = OutlineItemForm(nodes=flat, checkpoints=checkpoints, prefix="add")
    if can_edit and editing is not None and edit_form is None:
        item = next((n.item for n in flat if n.item.pk == editing), None)
        if item is not None:
            edit_form = OutlineItemEditForm.for_item(item, nodes=flat, checkpoints=checkpoints)
    counts = {kind: 0 for kind in OutlineItem.Kind.values}
    open_counts = dict(counts)
    for item in items:
        counts[item.kind] += 1
        if not item.done:
            open_counts[item.kind] += 1
    return {
        "task_force": task_force,
        "outline": tree,
        "outline_size": len(items),
        "open_plans": open_counts[OutlineItem.Kind.PLAN],
        "open_questions": open_counts[OutlineItem.Kind.QUESTION],
        "can_edit_outline": can_edit,
        "add_form": form,
        "editing": editing if edit_form is not None else None,
        "edit_form": edit_form,
        "outline_error": error,
        "outline_notice": notice,
    }
