"""Asking owners for a status before a meeting, and the single-purpose links in that mail.

A link carries a signed id of a `StatusLink` row (deliverables.status_links): the signature
makes a forged or altered link fail without a database read, the row makes it expire, be
used once and be revoked."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from deliverables.models.deliverable import Deliverable


class StatusRequest(models.Model):
    """One owner asked, once, for the meeting on `for_date`: the mail lists their items."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="status_requests"
    )
    # The day of the meeting the status is for, on the series' wall clock.
    for_date = models.DateField()
    deliverables = models.ManyToManyField(Deliverable, related_name="status_requests")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-for_date", "owner"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "for_date"], name="one_status_request_a_day")
        ]

    def __str__(self) -> str:
        return f"Status request to {self.owner_id} for {self.for_date}"


class StatusLink(models.Model):
    class Purpose(models.TextChoices):
        DONE = "done", "Mark done"
        ON_TRACK = "on_track", "Report on track"
        MOVE = "move", "Move to the next period"
        REPORT = "report", "Write a line of status"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(StatusRequest, on_delete=models.CASCADE, related_name="links")
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=["done", "on_track", "move", "report"]),
                name="status_link_purpose_valid",
            ),
            models.UniqueConstraint(
                fields=["request", "deliverable", "purpose"], name="one_link_per_purpose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.deliverable_id}"
