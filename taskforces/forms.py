from django import forms
from django.utils.text import slugify

from adcmeet.core import text as usertext
from adcmeet.core.versioning import parse_version
from taskforces.actions import MAX_TEXT, normalise_text
from taskforces.models import Checkpoint, OutlineItem, TaskForce


def _indented(node) -> str:
    text = node.item.text if len(node.item.text) <= 70 else node.item.text[:69] + "…"
    return f"{'— ' * node.depth}{text}"


class OutlineItemForm(usertext.Form):
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


class VersionField(forms.CharField):
    """The version a page was built from, as a hidden field. A missing or garbled one cleans to
    None, which the action's claim answers as a conflict (the fresh state), never a crash."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        return parse_version(super().clean(value))


class OutlineItemEditForm(OutlineItemForm):
    version = VersionField()

    @classmethod
    def for_item(cls, item, *, nodes, checkpoints) -> "OutlineItemEditForm":
        """An unbound form showing the item as it is stored now."""
        return cls(
            nodes=nodes,
            checkpoints=checkpoints,
            item=item,
            prefix="edit",
            initial={
                "kind": item.kind,
                "text": item.text,
                "parent": item.parent_id,
                "checkpoint": item.checkpoint_id,
                "version": item.version,
            },
        )


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


class ItemVersionForm(usertext.Form):
    """Deleting an item: only the version the outline showed."""

    version = VersionField()


class DoneForm(ItemVersionForm):
    done = forms.TypedChoiceField(choices=[("1", "done"), ("0", "open")], coerce=lambda v: v == "1")


class MoveForm(ItemVersionForm):
    direction = forms.ChoiceField(
        choices=[("up", "up"), ("down", "down"), ("indent", "indent"), ("outdent", "outdent")]
    )


class GoalForm(usertext.Form):
    task_force = forms.ModelChoiceField(
        label="Task force", queryset=TaskForce.objects.none(), empty_label=None
    )
    goal = forms.CharField(
        label="What it plans to show",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The goal's version as the writer saw it; empty for a task force with no goal yet.
    version = VersionField()

    def __init__(self, *args, task_forces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task_force"].queryset = task_forces


# Path segments under /checkpoints/ that are pages, not checkpoints.
RESERVED_CHECKPOINT_SLUGS = {"new"}


class CheckpointForm(usertext.ModelForm):
    """Create or edit a checkpoint. The slug is made from the name when left empty; which task
    forces attend is saved by actions.save_checkpoint (the relation has a goal per row)."""

    task_forces = forms.ModelMultipleChoiceField(
        label="Task forces attending",
        queryset=TaskForce.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each can then write what it plans to show there.",
    )
    # What the form was built from: the checkpoint's version and, per attending task force, its
    # goal's ("12:1 15:3"), so a save never overwrites or deletes what others wrote meanwhile.
    version = VersionField()
    goal_versions = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Checkpoint
        fields = ["name", "slug", "date", "end_date", "location", "description"]
        labels = {
            "name": "Name",
            "slug": "Short name in the address",
            "date": "Date (first day)",
            "end_date": "Last day",
            "location": "Location",
            "description": "Description",
        }
        help_texts = {
            "slug": "Letters, digits and hyphens; made from the name if left empty.",
            "end_date": "For a workshop of several days; leave empty for a one-day event.",
        }
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["task_forces"].queryset = TaskForce.objects.order_by("name")
        if self.instance.pk and "task_forces" not in self.initial:
            goals = dict(self.instance.goals.values_list("task_force_id", "version"))
            self.initial["task_forces"] = list(goals)
            self.initial["version"] = self.instance.version
            self.initial["goal_versions"] = encode_goal_versions(goals)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the checkpoint a name.")
        return name

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or ""
        if not slug:
            slug = slugify(self.cleaned_data.get("name") or "")[:80].strip("-")
            if not slug:
                if "name" in self.cleaned_data:
                    raise forms.ValidationError(
                        "Could not make a short name from the name; please type one."
                    )
                return slug
            slug = self._free_slug(slug)
        if slug in RESERVED_CHECKPOINT_SLUGS:
            raise forms.ValidationError(f"“{slug}” is reserved; please choose another.")
        return slug

    def _free_slug(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`… when another checkpoint already has it."""
        taken = set(
            Checkpoint.objects.filter(slug__startswith=base)
            .exclude(pk=self.instance.pk)
            .values_list("slug", flat=True)
        )
        slug, n = base, 1
        while slug in taken or slug in RESERVED_CHECKPOINT_SLUGS:
            n += 1
            suffix = f"-{n}"
            slug = base[: 80 - len(suffix)] + suffix
        return slug

    def clean_goal_versions(self) -> dict[int, int]:
        return decode_goal_versions(self.cleaned_data.get("goal_versions") or "")

    def clean(self):
        cleaned = super().clean()
        date, end_date = cleaned.get("date"), cleaned.get("end_date")
        if date and end_date and end_date < date:
            self.add_error("end_date", "The last day cannot be before the first day.")
        return cleaned


def encode_goal_versions(versions: dict[int, int]) -> str:
    return " ".join(f"{task_force_id}:{version}" for task_force_id, version in versions.items())


def decode_goal_versions(text: str) -> dict[int, int]:
    """Task force id → goal version; pairs that are not two plain numbers are left out (a goal
    the form did not see is never deleted)."""
    versions = {}
    for pair in text.split():
        task_force_id, _, version = pair.partition(":")
        key, value = parse_version(task_force_id), parse_version(version)
        if key is not None and value is not None:
            versions[key] = value
    return versions
