from django import forms

from taskforces.actions import MAX_TEXT, normalise_text
from taskforces.models import Checkpoint, OutlineItem, TaskForce


def _indented(node) -> str:
    text = node.item.text if len(node.item.text) <= 70 else node.item.text[:69] + "…"
    return f"{'— ' * node.depth}{text}"


class OutlineItemForm(forms.Form):
    """Add an item. Choices come from the already-loaded outline, so no extra queries."""

    kind = forms.ChoiceField(label="Kind", choices=OutlineItem.Kind.choices)
    text = forms.CharField(
        label="Text",
        max_length=MAX_TEXT,
        widget=forms.TextInput(attrs={"size": 60, "autocomplete": "off"}),
    )
    parent = forms.TypedChoiceField(
        label="Nested under", required=False, coerce=int, empty_value=None
    )
    checkpoint = forms.TypedChoiceField(
        label="Due at checkpoint", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, nodes, checkpoints: list[Checkpoint], item=None, **kwargs):
        super().__init__(*args, **kwargs)
        excluded: set[int] = set()
        if item is not None:
            excluded = {item.pk} | _descendants(item.pk, nodes)
        self.fields["parent"].choices = [("", "Top level")] + [
            (node.item.pk, _indented(node)) for node in nodes if node.item.pk not in excluded
        ]
        self._checkpoints = {c.pk: c for c in checkpoints}
        self.fields["checkpoint"].choices = [("", "No checkpoint")] + [
            (c.pk, str(c)) for c in checkpoints
        ]

    def clean_text(self) -> str:
        text = normalise_text(self.cleaned_data["text"])
        if not text:
            raise forms.ValidationError("Write something: an outline item cannot be empty.")
        return text

    def clean_checkpoint(self) -> Checkpoint | None:
        pk = self.cleaned_data["checkpoint"]
        return None if pk is None else self._checkpoints[pk]


class OutlineItemEditForm(OutlineItemForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _descendants(pk: int, nodes) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for node in nodes:
        children.setdefault(node.item.parent_id, []).append(node.item.pk)
    out: set[int] = set()
    stack = [pk]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in out:
                out.add(child)
                stack.append(child)
    return out


class DoneForm(forms.Form):
    done = forms.TypedChoiceField(choices=[("1", "done"), ("0", "open")], coerce=lambda v: v == "1")


class MoveForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("up", "up"), ("down", "down"), ("indent", "indent"), ("outdent", "outdent")]
    )


class GoalForm(forms.Form):
    task_force = forms.ModelChoiceField(
        label="Task force", queryset=TaskForce.objects.none(), empty_label=None
    )
    goal = forms.CharField(
        label="What it plans to show",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, task_forces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task_force"].queryset = task_forces
