"""The transactional outbox's rows and beat's heartbeat."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from adcmeet.meetings.models.meeting import Meeting


class OutboundMailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_at__isnull=True, failed_at__isnull=True)

    def due(self, now: datetime.datetime | None = None):
        return self.pending().filter(next_attempt_at__lte=now or timezone.now())


class OutboundMail(models.Model):
    """The outbox. A row is written in the same transaction as the change that causes it;
    Celery delivers it. The unique key (kind, object, revision, recipient) makes a second send
    impossible; a row is marked sent only after the SMTP server accepted it."""

    class Kind(models.TextChoices):
        AGENDA = "agenda", "Agenda"
        AGENDA_UPDATE = "agenda_update", "Updated agenda"
        CANCELLATION = "cancellation", "Cancellation"
        REMINDER = "reminder", "Reminder"
        DRAFT_NUDGE = "draft_nudge", "Draft agenda nudge"
        SLIP_DIGEST = "slip_digest", "Slip digest"
        CONVENER_DIGEST = "convener_digest", "Convener slip digest"
        MINUTES = "minutes", "Minutes"
        MINUTES_CORRECTION = "minutes_correction", "Minutes corrected"
        ACTIONS = "actions", "Action items"
        STATUS_REQUEST = "status_request", "Status request"

    key = models.CharField(max_length=300, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox"
    )
    recipient = models.EmailField()
    recipient_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    ics = models.TextField(blank=True)
    ics_method = models.CharField(max_length=16, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Fixed when queued, so a resend after a crash between the server's acceptance and the
    # sent mark carries the same Message-ID and receiving systems can drop the copy.
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Set while a worker holds the row; a stale claim (worker killed) is swept back.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    objects = OutboundMailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_pending_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(failed_at__isnull=True),
                name="outbox_sent_or_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"

    @property
    def state(self) -> str:
        if self.sent_at:
            return "sent"
        if self.failed_at:
            return "failed"
        if self.claimed_at:
            return "sending"
        if self.attempts:
            return "retrying"
        return "queued"


class Heartbeat(models.Model):
    """Liveness of scheduled work: beat writes one every minute."""

    name = models.CharField(max_length=60, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
