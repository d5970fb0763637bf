"""Forms of the meetings pages: they validate and normalise; adcmeet.meetings.actions applies.

Choice lists that every form on a page shares (people, focus topics) are built once per
request by the view and handed in, so a builder with many forms costs one query each. They
are `SharedChoices`: their `<option>`s are written once per request and reused by every
`<select>` that shows them (the builder has one presenter select per section and per edited
item; Django's per-option widget templates made that 58 % of a builder response, issue 7).
"""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Prefetch
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from adcmeet.accounts.models import User
from adcmeet.meetings.models import MAX_ITEM_MINUTES, AgendaItem, Meeting
from taskforces.models import OutlineItem, TaskForce

Section = AgendaItem.Section


class SharedChoices(BaseChoiceIterator):
    """Choices shared by several `<select>`s of one page, their options written once.

    A `BaseChoiceIterator` is kept as it is by Django's choice normalisation, so every field
    given this object holds the same one (and validates against it as against a list).
    """

    def __init__(self, choices) -> None:
        self.choices = list(choices)
        self._html: SafeString | None = None

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    def options_html(self) -> SafeString:
        if self._html is None:
            self._html = _options_html(self.choices, None)
        return self._html


def _options_html(choices, selected: str | None) -> SafeString:
    """The <option>s (and <optgroup>s), the one whose value is `selected` marked (None: none)."""
    parts = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            parts.append(
                format_html(
                    '<optgroup label="{}">{}</optgroup>', value, _options_html(label, selected)
                )
            )
        else:
            value = "" if value is None else str(value)
            mark = " selected" if value == selected else ""
            parts.append(format_html('<option value="{}"{}>{}</option>', value, mark, label))
    # Every part came out of format_html, so their concatenation is safe as well.
    return SafeString("".join(parts))


class FastSelect(forms.Select):
    """A `<select>` written in one pass instead of one widget template per `<option>`."""

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        selected = "" if value is None else str(value)
        if isinstance(self.choices, SharedChoices):
            options = self.choices.options_html()
            if selected:
                plain = f'<option value="{escape(selected)}">'
                # Both the options and the escaped value are safe; so is the substitution.
                options = SafeString(options.replace(plain, plain[:-1] + " selected>", 1))
        else:
            options = _options_html(self.choices, selected)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


def share_choices(form, *, people=None, topics=None) -> None:
    """Give a form (e.g. one bound to posted data) the page's shared choice lists."""
    if people is not None and "presenter" in form.fields:
        form.fields["presenter"].choices = people
    if topics is not None and "topic" in form.fields:
        form.fields["topic"].choices = topics


def people_choices() -> SharedChoices:
    """Everybody active, by their display name (as User.display_name, from plain rows: a
    model instance per person was most of an "add item" round trip's database time)."""
    people = User.objects.filter(is_active=True).values_list(
        "pk", "name", "first_name", "last_name", "username"
    )
    return SharedChoices(
        [("", "—")]
        + [
            (str(pk), name or f"{first} {last}".strip() or username)
            for pk, name, first, last, username in people
        ]
    )


def topic_choices() -> SharedChoices:
    """Focus topics: each active task force, and under it its open questions."""
    task_forces = (
        TaskForce.objects.active()
        .prefetch_related(
            Prefetch(
                "outline",
                queryset=OutlineItem.objects.filter(
                    kind=OutlineItem.Kind.QUESTION, done=False
                ).order_by("position", "id"),
                to_attr="focus_questions",
            )
        )
        .order_by("name")
    )
    groups: list = [("", "— type a topic below, or pick one —")]
    for task_force in task_forces:
        options = [(f"tf:{task_force.pk}", f"{task_force.name} (the whole activity)")]
        options += [
            (f"q:{question.pk}", f"{task_force.name}: {question.text}")
            for question in task_force.focus_questions
        ]
        groups.append((task_force.name, options))
    return SharedChoices(groups)


class Form(forms.Form):
    """Labels read as written ("Minutes", not "Minutes:"): the layout separates them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DurationField(forms.IntegerField):
    """Minutes, also accepting "20 min", "1h", "1h30" or "1:30" as people type them."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip().lower().replace(" ", "")
            for suffix in ("minutes", "minute", "mins", "min", "m"):
                if text.endswith(suffix) and text[: -len(suffix)].isdigit():
                    text = text[: -len(suffix)]
                    break
            if ":" in text or "h" in text:
                hours, _, minutes = text.replace(":", "h").partition("h")
                if hours.isdigit() and (minutes.isdigit() or minutes == ""):
                    return int(hours) * 60 + int(minutes or 0)
            value = text
        return super().to_python(value)


class ItemForm(Form):
    """Add or edit an agenda item. `topic` (focus section only) picks a task force or one of
    its open questions; a typed title wins over the picked one."""

    topic = forms.ChoiceField(label="Pick a focus topic", required=False, widget=FastSelect)
    title = forms.CharField(label="Title", max_length=300, required=False)
    duration_minutes = DurationField(
        label="Minutes",
        min_value=1,
        max_value=MAX_ITEM_MINUTES,
        initial=10,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ITEM_MINUTES, "size": 4}),
    )
    presenter = forms.ModelChoiceField(
        label="Presenter",
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=FastSelect,
    )
    presenter_name = forms.CharField(label="External invitee: name", max_length=200, required=False)
    presenter_email = forms.EmailField(label="Invitee email", required=False)
    presenter_affiliation = forms.CharField(
        label="Invitee affiliation", max_length=200, required=False
    )
    notes = forms.CharField(
        label="Notes (Markdown)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    recurring = forms.BooleanField(label="Recurring: copy to next week", required=False)

    def __init__(
        self,
        *args,
        section: str,
        people: list | None = None,
        topics: list | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.section = section
        if people is not None:
            self.fields["presenter"].choices = people
        if section == Section.FOCUS:
            self.fields["topic"].choices = topics if topics is not None else topic_choices()
            self.fields["title"].label = "Or type a focus topic"
            self.fields["duration_minutes"].initial = 20
        else:
            del self.fields["topic"]
            self.fields["title"].required = True
        if section == Section.TRACKING:
            self.fields["duration_minutes"].initial = 5
        if section == Section.OPEN_FLOOR:
            self.fields["recurring"].initial = True

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean(self):
        data = super().clean()
        topic = data.get("topic") or ""
        data["task_force"] = None
        data["outline_item"] = None
        if topic:
            kind, _, pk = topic.partition(":")
            if kind == "q":
                question = OutlineItem.objects.select_related("task_force").filter(pk=pk).first()
                if question is None:
                    self.add_error("topic", "That open question no longer exists.")
                else:
                    data["outline_item"] = question
                    data["task_force"] = question.task_force
                    picked = f"{question.task_force.name}: {question.text}"
            else:
                task_force = TaskForce.objects.filter(pk=pk).first()
                if task_force is None:
                    self.add_error("topic", "That task force no longer exists.")
                else:
                    data["task_force"] = task_force
                    picked = task_force.name
            if not data.get("title") and not self.errors:
                data["title"] = picked[:300]
        if not data.get("title") and "title" not in self.errors and "topic" not in self.errors:
            if self.section == Section.FOCUS:
                self.add_error("title", "Pick a focus topic or type one.")
            else:
                self.add_error("title", "An agenda item needs a title.")
        name = " ".join((data.get("presenter_name") or "").split())
        data["presenter_name"] = name
        if data.get("presenter") and name:
            self.add_error(
                "presenter_name",
                "Choose either a presenter with an account or an external invitee, not both.",
            )
        if (data.get("presenter_email") or data.get("presenter_affiliation")) and not name:
            self.add_error("presenter_name", "Give the external invitee's name.")
        return data

    def action_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "title": data["title"],
            "duration_minutes": data["duration_minutes"],
            "presenter": data.get("presenter"),
            "presenter_name": data["presenter_name"],
            "presenter_email": data.get("presenter_email") or "",
            "presenter_affiliation": " ".join((data.get("presenter_affiliation") or "").split()),
            "notes": data.get("notes") or "",
            "recurring": bool(data.get("recurring")),
        }
        if self.section == Section.FOCUS and data.get("topic"):
            kwargs["task_force"] = data["task_force"]
            kwargs["outline_item"] = data["outline_item"]
        return kwargs

    @classmethod
    def initial_for(cls, item: AgendaItem) -> dict:
        return {
            "topic": f"q:{item.outline_item_id}"
            if item.outline_item_id
            else (f"tf:{item.task_force_id}" if item.task_force_id else ""),
            "title": item.title,
            "duration_minutes": item.duration_minutes,
            "presenter": item.presenter_id,
            "presenter_name": item.presenter_name,
            "presenter_email": item.presenter_email,
            "presenter_affiliation": item.presenter_affiliation,
            "notes": item.notes,
            "recurring": item.recurring,
        }


class TrackingForm(Form):
    deliverables = forms.TypedMultipleChoiceField(
        label="Deliverables to track", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    duration_minutes = DurationField(
        label="Minutes each",
        min_value=1,
        max_value=MAX_ITEM_MINUTES,
        initial=5,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ITEM_MINUTES, "size": 4}),
    )

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = list(proposals)
        self.fields["deliverables"].choices = [
            (proposal.deliverable.pk, str(proposal.deliverable)) for proposal in self.proposals
        ]
        if not self.is_bound:
            self.initial.setdefault(
                "deliverables", [proposal.deliverable.pk for proposal in self.proposals]
            )

    def chosen(self) -> list:
        """The chosen deliverables in the order the proposals list them."""
        wanted = set(self.cleaned_data["deliverables"])
        return [p.deliverable for p in self.proposals if p.deliverable.pk in wanted]


class CancelForm(Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=300,
        help_text="Sent with the cancellation, e.g. “S&C week”.",
    )


class MoveMeetingForm(Form):
    date = forms.DateField(
        label="New date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label="New start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["time"].help_text = f"In {meeting.series.time_zone} time."
        if not self.is_bound:
            local = meeting.local_start
            self.initial.setdefault("date", local.date())
            self.initial.setdefault("time", local.time())

    # A move is a holiday or a workshop week, not a trip through time: bounded so that a typo
    # (year 0001 or 9999) is refused with a message instead of reaching calendars and mail.
    MAX_YEARS_BACK = 1
    MAX_YEARS_AHEAD = 5

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        earliest = today - datetime.timedelta(days=365 * self.MAX_YEARS_BACK)
        latest = today + datetime.timedelta(days=365 * self.MAX_YEARS_AHEAD)
        if not earliest <= day <= latest:
            raise forms.ValidationError(
                f"Choose a date between {earliest:%d %b %Y} and {latest:%d %b %Y}."
            )
        return day

    def start(self) -> datetime.datetime:
        """The new start, read as wall-clock time in the series' zone."""
        return datetime.datetime.combine(
            self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=self.meeting.series.tz
        )


class MinutesForm(Form):
    text = forms.CharField(
        label="Minutes (Markdown)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class ActionItemForm(Form):
    text = forms.CharField(label="Action", max_length=500)
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=FastSelect,
    )
    due = forms.DateField(
        label="Due",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    agenda_item = forms.ModelChoiceField(
        label="About agenda item",
        queryset=AgendaItem.objects.none(),
        required=False,
        widget=FastSelect,
    )

    def __init__(self, *args, meeting: Meeting, people: list | None = None, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["owner"].choices = people
        self.fields["agenda_item"].queryset = meeting.items.live()
        if items is not None:
            self.fields["agenda_item"].choices = [("", "—")] + [
                (str(item.pk), item.title) for item in items
            ]

    def clean_text(self) -> str:
        return " ".join(self.cleaned_data["text"].split())
