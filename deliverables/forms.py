import datetime
import hashlib
from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from adcmeet.accounts.models import ROLES, User
from adcmeet.core import params
from adcmeet.core import text as usertext
from adcmeet.core.versioning import parse_version
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap
from taskforces.models import TaskForce

MAX_OUTLINE_BYTES = 512 * 1024

OPEN = "open"
SLIPPED = "slipped"
STATUS_FILTERS = [
    ("", "Any status"),
    (OPEN, "Open (not done or dropped)"),
    (SLIPPED, "Slipped"),
    *Deliverable.Status.choices,
]


class FastSelect(forms.Select):
    """A <select> written in one pass. Django renders each <option> through a template, about
    1 ms per 10 options, which made the filter form a quarter of the roadmap's time."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (choice, mark_safe(" selected") if str(choice) == selected else "", label)
                for choice, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


class RoadmapFilterForm(usertext.Form):
    """The roadmap's filters and comparison, read from GET so a filtered view has its URL.

    Projects, owners and task forces are chosen by slug / username from plain value lists (no
    model instances, no lookup when cleaning)."""

    FILTER_FIELDS = ("project", "owner", "status", "task_force")

    project = forms.ChoiceField(required=False, widget=FastSelect)
    owner = forms.ChoiceField(required=False, widget=FastSelect)
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False, widget=FastSelect)
    task_force = forms.ChoiceField(required=False, label="Task force", widget=FastSelect)
    compare = forms.ChoiceField(
        choices=[("", "Nothing"), ("baseline", "The agreed plan")],
        required=False,
        label="Compare with",
        widget=FastSelect,
    )
    since = forms.DateField(
        required=False,
        label="Changes since",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="For example the day of last Wednesday's meeting.",
    )

    def __init__(self, data, *, roadmap: Roadmap):
        # Always bound (an empty GET is "no filter"), so errors show and bad values are ignored.
        super().__init__(data)
        self.roadmap = roadmap
        self.fields["project"].choices = [
            ("", "All projects"),
            *Project.objects.order_by("name").values_list("slug", "name"),
        ]
        owners = (
            User.objects.filter(deliverables__roadmap=roadmap)
            .distinct()
            .order_by("name", "username")
            .values_list("username", "name")
        )
        self.fields["owner"].choices = [
            ("", "Anyone"),
            *((username, name or username) for username, name in owners),
        ]
        self.fields["task_force"].choices = [
            ("", "All task forces"),
            *TaskForce.objects.order_by("name").values_list("slug", "name"),
        ]

    def clean_since(self) -> datetime.date | None:
        since = self.cleaned_data.get("since")
        if since is not None and since > timezone.localdate():
            raise forms.ValidationError("Pick a day that is not in the future.")
        return since

    def value(self, name: str):
        """The valid value of a field, or None: a bad filter is reported and then ignored."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name)

    @property
    def is_filtered(self) -> bool:
        return any(self.value(name) for name in self.FILTER_FIELDS)

    def apply(self, queryset: QuerySet, today: datetime.date) -> QuerySet:
        """Filter the roadmap's deliverables (soft-deleted ones included: comparisons need
        them; callers add .live())."""
        if project := self.value("project"):
            queryset = queryset.filter(project__slug=project)
        if owner := self.value("owner"):
            queryset = queryset.filter(owners__username=owner)
        if task_force := self.value("task_force"):
            queryset = queryset.filter(task_force__slug=task_force)
        status = self.value("status")
        if status == OPEN:
            queryset = queryset.exclude(status__in=Deliverable.CLOSED_STATUSES)
        elif status == SLIPPED:
            moved_later = Exists(
                DeliverableChange.objects.filter(deliverable=OuterRef("pk"), is_slip=True)
            )
            queryset = queryset.filter(
                moved_later
                | (~Q(status__in=Deliverable.CLOSED_STATUSES) & Q(period__end__lt=today))
            )
        elif status:
            queryset = queryset.filter(status=status)
        return queryset

    def query_string(self, *, with_compare: bool = False) -> str:
        """The valid filters as a query string, for export links and "show more"."""
        params = {}
        for name in self.FILTER_FIELDS + (("compare", "since") if with_compare else ()):
            value = self.value(name)
            if not value:
                continue
            if isinstance(value, datetime.date):
                value = value.isoformat()
            params[name] = value
        return urlencode(params)


class VersionedForm(usertext.Form):
    """Carries the version the page was built from. A missing or garbled one cleans to None,
    which the action's claim answers as a conflict (the fresh state), never as a crash."""

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_version(self) -> int | None:
        return parse_version(self.cleaned_data.get("version"))


class StatusForm(VersionedForm):
    status = forms.ChoiceField(choices=Deliverable.Status.choices)
    reason = forms.CharField(max_length=500, required=False)


class MoveForm(VersionedForm):
    """Where to and why. The target is always chosen: the form offers the deliverable's next
    period by default (never an earlier one), or nothing when none is left later; earlier
    periods are offered as pull-ins (Deliverable.move_targets)."""

    period = forms.ModelChoiceField(
        queryset=Period.objects.none(),
        label="Move to",
        error_messages={"required": "Choose the period it moves to."},
    )
    reason = forms.CharField(
        max_length=500,
        error_messages={"required": "Say why it moves (for example: waiting for AGIS schema)."},
    )

    def __init__(self, data=None, *, deliverable: Deliverable):
        super().__init__(data)
        self.fields["period"].queryset = Period.objects.filter(roadmap_id=deliverable.roadmap_id)


class DeleteForm(VersionedForm):
    reason = forms.CharField(max_length=500, required=False)


class RoadmapStateForm(VersionedForm):
    state = forms.ChoiceField(choices=Roadmap.State.choices)


class NewRoadmapForm(usertext.Form):
    name = forms.CharField(max_length=200, help_text="For example “PanDA+Prodsys”.")
    year = params.IntegerField(min_value=2000, max_value=2200)

    def clean(self):
        cleaned = super().clean()
        name, year = cleaned.get("name"), cleaned.get("year")
        if name and year and Roadmap.objects.filter(name=name, year=year).exists():
            self.add_error("name", f"There is already a roadmap “{name} {year}”.")
        return cleaned


class CarryOverForm(NewRoadmapForm):
    """A new roadmap started from the open items of another."""


class OutlineImportForm(usertext.Form):
    """Paste an outline or upload a .md/.txt file; the text is kept for the confirm step."""

    text = forms.CharField(
        label="Outline",
        required=False,
        max_length=usertext.OUTLINE_TEXT,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text="Periods as top bullets or headings, deliverables as bullets under them; "
        "a trailing “?” marks a tentative item.",
    )
    file = forms.FileField(label="…or upload a Markdown file", required=False)
    # The digest of the text last previewed: a confirm of any other text previews it first.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)
    # The roadmap's version at the preview: a confirm after it changed previews again.
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_version(self) -> int | None:
        return parse_version(self.cleaned_data.get("version"))

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > MAX_OUTLINE_BYTES:
            raise forms.ValidationError("That file is too large for an outline (512 KB at most).")
        upload.seek(0)  # a refused confirm reads the same upload again
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("That file is not UTF-8 text.") from None

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("file") or cleaned.get("text") or ""
        if not text.strip() and not self.errors:
            raise forms.ValidationError("Paste an outline or choose a file.")
        cleaned["outline"] = text.replace("\r\n", "\n")
        return cleaned

    @staticmethod
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()


def assignable_owners(deliverable: Deliverable | None = None) -> QuerySet:
    """Who a deliverable can be given to: active people with a role in ADC, and whoever owns
    it now (so saving the form never drops an owner merely because the list left them out)."""
    wanted = Q(groups__name__in=ROLES) | Q(is_superuser=True)
    if deliverable is not None and deliverable.pk:
        wanted |= Q(deliverables=deliverable)
    return User.objects.filter(wanted, is_active=True).distinct().order_by("name", "username")


class OwnersForm(VersionedForm):
    """A convener or a manager says who owns a deliverable (none is allowed: unassigned)."""

    owners = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, deliverable: Deliverable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owners"].queryset = assignable_owners(deliverable)
