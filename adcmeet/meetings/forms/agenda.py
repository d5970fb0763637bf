"""Adding and editing an agenda item."""

from __future__ import annotations

from django import forms

from adcmeet.accounts.models import User
from adcmeet.core import text
from adcmeet.meetings.forms.base import DurationField, Form
from adcmeet.meetings.forms.choices import FastSelect, topic_choices
from adcmeet.meetings.models import MAX_ITEM_MINUTES, AgendaItem
from taskforces.models import OutlineItem, TaskForce

Section = AgendaItem.Section


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
        label="Notes (Markdown)",
        required=False,
        max_length=text.ITEM_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
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
