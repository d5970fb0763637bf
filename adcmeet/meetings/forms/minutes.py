"""Minutes and action items."""

from __future__ import annotations

from django import forms

from adcmeet.accounts.models import User
from adcmeet.core import text
from adcmeet.meetings.forms.base import Form
from adcmeet.meetings.forms.choices import FastSelect
from adcmeet.meetings.models import AgendaItem, Meeting


class MinutesForm(Form):
    text = forms.CharField(
        label="Minutes (Markdown)",
        required=False,
        # The meeting's limit; an item's (shorter) is checked by the model on save.
        max_length=text.MEETING_MINUTES,
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
