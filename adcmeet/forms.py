"""Forms of the meetings pages: they validate and normalise; adcmeet.actions applies.

Choice lists that every form on a page shares (people, focus topics) are built once per
request by the view and handed in, so a builder with many forms costs one query each.
"""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Prefetch

from adcmeet.accounts.models import User
from adcmeet.models import MAX_ITEM_MINUTES, AgendaItem, Meeting
from taskforces.models import OutlineItem, TaskForce

Section = AgendaItem.Section


def people_choices() -> list[tuple[str, str]]:
    people = User.objects.filter(is_active=True).only("pk", "name", "username", "first_name")
    return [("", "—")] + [(str(person.pk), person.display_name) for person in people]


def topic_choices() -> list:
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
    return groups


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

    topic = forms.ChoiceField(label="Pick a focus topic", required=False)
    title = forms.CharField(label="Title", max_length=300, required=False)
    duration_minutes = DurationField(
        label="Minutes",
        min_value=1,
        max_value=MAX_ITEM_MINUTES,
        initial=10,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ITEM_MINUTES, "size": 4}),
    )
    presenter = forms.ModelChoiceField(
        label="Presenter", queryset=User.objects.filter(is_active=True), required=False
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
        label="Owner", queryset=User.objects.filter(is_active=True), required=False
    )
    due = forms.DateField(
        label="Due",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    agenda_item = forms.ModelChoiceField(
        label="About agenda item", queryset=AgendaItem.objects.none(), required=False
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
