"""One meeting of a series: its state (draft, published, held, cancelled), revision and versions."""

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from adcmeet.core import access, text
from adcmeet.meetings.models.series import MeetingSeries


class MeetingQuerySet(models.QuerySet):
    def upcoming(self, now: datetime.datetime | None = None):
        return self.filter(start__gte=(now or timezone.now()) - datetime.timedelta(hours=2))

    def past(self, now: datetime.datetime | None = None):
        return self.filter(start__lt=(now or timezone.now()) - datetime.timedelta(hours=2))

    def visible_to(self, user):
        """The meetings `user` may read (the rule is access.visible_meetings)."""
        return access.visible_meetings(user, self)


class Meeting(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    series = models.ForeignKey(MeetingSeries, on_delete=models.PROTECT, related_name="meetings")
    start = models.DateTimeField()
    # The date the series' schedule put this meeting on; a moved meeting keeps it, so the
    # generator never recreates a meeting someone moved away.
    scheduled_for = models.DateField()
    title = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    # Grows on every published change; it is the iCalendar SEQUENCE.
    revision = models.PositiveIntegerField(default=0)
    # Grows on every change of the meeting and its agenda's structure; stale edits (based on
    # an older version) are refused (adcmeet.core.versioning).
    version = models.PositiveIntegerField(default=1)
    # The general minutes' own version: they conflict only with themselves.
    minutes_version = models.PositiveIntegerField(default=1)
    # The revision last mailed out; below `revision` once a published agenda was edited.
    announced_revision = models.PositiveIntegerField(default=0)
    location = models.CharField(max_length=200, blank=True)
    video_url = models.URLField(blank=True)
    minutes = models.TextField(blank=True, validators=text.limits(text.MEETING_MINUTES))
    cancel_reason = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Minutes are mailed when the convener publishes them; each later publication of changed
    # minutes is a correction (adcmeet.meetings.actions.minutes.publish_minutes).
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    minutes_revision = models.PositiveIntegerField(default=0)
    minutes_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "minutes_version"])

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["series", "start"]),
            models.Index(fields=["start"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "scheduled_for"], name="one_meeting_per_series_date"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "published", "held", "cancelled"]),
                name="meeting_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(revision__gte=1),
                name="published_meeting_has_revision",
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start, self.series.tz)
        return f"{self.title or self.series.name} — {local:%a %d %b %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("meeting", args=[self.pk])

    @property
    def local_start(self) -> datetime.datetime:
        return timezone.localtime(self.start, self.series.tz)

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED
