"""Publishing, cancelling and moving a meeting."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from adcmeet.meetings.actions.common import AgendaError
from adcmeet.meetings.actions.schedule import wall_clock_start
from adcmeet.meetings.forms.base import Form
from adcmeet.meetings.models import Meeting


class CancelForm(Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=300,
        help_text="Sent with the cancellation, e.g. “S&C week”.",
    )


class PublishForm(Form):
    """Publishing (or sending the updated agenda). An agenda with no focus topic is published
    only once the convener ticks the box (the action refuses it otherwise, and says so)."""

    without_focus = forms.BooleanField(label="Publish without a focus topic", required=False)


class PlaceForm(Form):
    """The meeting's own room and video link; empty, the series' ones (named in the help
    text). `actions.schedule.change_place` applies it."""

    location = forms.CharField(label="Room", max_length=200, required=False)
    video_url = forms.URLField(
        label="Video link", max_length=200, required=False, assume_scheme="https"
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        series = meeting.series
        self.fields["location"].help_text = (
            f"Empty: the series' room ({series.location})."
            if series.location
            else "Empty: no room."
        )
        self.fields["video_url"].help_text = (
            f"Empty: the series' link ({series.video_url})."
            if series.video_url
            else "Empty: no link."
        )
        if not self.is_bound:
            self.initial.setdefault("location", meeting.location)
            self.initial.setdefault("video_url", meeting.video_url)


class MoveMeetingForm(Form):
    """Where to move the meeting, read on the series' wall clock. A time the clocks skip (a
    DST gap) is an error on the time; a time they pass twice is the first of the two (still
    summer time), as `actions.schedule.wall_clock_start` decides; the past is refused. The
    action checks all of it again: the form only says it early, next to the field."""

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
    # (year 9999) is refused with a message instead of reaching calendars and mail.
    MAX_YEARS_AHEAD = 5

    def clean_date(self) -> datetime.date:
        day = self.cleaned_data["date"]
        today = timezone.localdate(timezone=self.meeting.series.tz)
        latest = today + datetime.timedelta(days=365 * self.MAX_YEARS_AHEAD)
        if not today <= day <= latest:
            raise forms.ValidationError(
                f"Choose a date between today ({today:%d %b %Y}) and {latest:%d %b %Y}."
            )
        return day

    def clean(self):
        data = super().clean()
        if "date" in data and "time" in data:
            try:
                data["start"] = wall_clock_start(data["date"], data["time"], self.meeting.series.tz)
            except AgendaError as refused:
                self.add_error("time", refused.message)
                return data
            if data["start"] <= timezone.now():
                self.add_error("time", "That time has already passed today: choose a later one.")
        return data

    def start(self) -> datetime.datetime:
        """The new start, aware, in the series' zone (see the class docstring)."""
        return self.cleaned_data["start"]
