"""Outcomes of an agenda item (decision, action, information) and attendance."""

from __future__ import annotations

from django import forms

from adcmeet.accounts.models import User
from adcmeet.meetings.forms.base import DateInput, Form
from adcmeet.meetings.forms.choices import FastSelect
from adcmeet.meetings.models import Attendance
from adcmeet.meetings.models.outcomes import OUTCOME_TEXT

KIND_CHOICES = [("decision", "Decision"), ("action", "Action"), ("information", "Information")]
ACTION_TEXT = 500


class OutcomeForm(Form):
    kind = forms.ChoiceField(
        label="Kind", choices=KIND_CHOICES, initial="decision", widget=forms.RadioSelect
    )
    text = forms.CharField(
        label="What was concluded",
        max_length=OUTCOME_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner = forms.ModelChoiceField(
        label="Owner (actions)",
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=FastSelect,
    )
    due = forms.DateField(label="Due (actions)", required=False, widget=DateInput)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["owner"].choices = people

    def clean(self):
        data = super().clean()
        if data.get("kind") == "action" and len(data.get("text") or "") > ACTION_TEXT:
            self.add_error("text", f"An action is at most {ACTION_TEXT} characters.")
        return data


class AttendanceForm(Form):
    member = forms.ModelChoiceField(
        label="ADC member",
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=FastSelect,
    )
    name = forms.CharField(label="Or an invitee's name", max_length=200, required=False)
    affiliation = forms.CharField(label="Affiliation", max_length=200, required=False)
    status = forms.ChoiceField(
        label="Status",
        choices=Attendance.Status.choices,
        initial=Attendance.Status.PRESENT,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["member"].choices = people

    def clean(self):
        data = super().clean()
        if data.get("member") and data.get("name"):
            self.add_error("name", "Pick a member or type an invitee's name, not both.")
        elif not data.get("member") and not data.get("name") and not self.errors:
            self.add_error("name", "Pick a member, or type the invitee's name.")
        return data
