"""Cancelling and moving a meeting."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from adcmeet.meetings.forms.base import Form
from adcmeet.meetings.models import Meeting


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
