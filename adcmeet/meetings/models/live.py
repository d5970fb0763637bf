"""The live clock of a meeting being run: which item is on, since when, paused or not, and who
drives it (adcmeet.meetings.actions.live keeps the rules)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from adcmeet.meetings.models.agenda import AgendaItem
from adcmeet.meetings.models.meeting import Meeting


class LiveSession(models.Model):
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="live")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    current_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the current item was (re)taken up, and the seconds it had run before that.
    item_started_at = models.DateTimeField(null=True, blank=True)
    item_elapsed_seconds = models.PositiveIntegerField(default=0)
    # Set while the clock is paused; pauses count toward neither the item nor the meeting.
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    # One convener drives the clock at a time; another is told, and may take over.
    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    driver_seen_at = models.DateTimeField(null=True, blank=True)
    # Every step of the clock claims it (adcmeet.core.versioning); watchers poll by it.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="live_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Live clock of {self.meeting_id}"
