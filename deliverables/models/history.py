"""The append-only history of a deliverable: status changes, moves (slips), owners, lifecycle."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deliverables.models.deliverable import Deliverable
from deliverables.models.roadmap import Period


def _status_label(value: str) -> str:
    try:
        return Deliverable.Status(value).label
    except ValueError:
        return value or "?"


class DeliverableChange(models.Model):
    """Append-only history: every status change and every move between periods, with why."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS = "status", "Status change"
        MOVE = "move", "Moved"
        PULL_IN = "pull_in", "Pulled in"
        CARRIED = "carried", "Carried over"
        EDITED = "edited", "Edited"
        DELETED = "deleted", "Deleted"
        RESTORED = "restored", "Restored"
        OWNERS = "owners", "Owners changed"
        # An owner's status report before a meeting (deliverables.actions.status).
        REPORT = "report", "Status reported"

    class Health(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        OFF_TRACK = "off_track", "Off track"
        DONE = "done", "Done"

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_period = models.ForeignKey(
        Period, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_period = models.ForeignKey(
        Period, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # True when an open deliverable moves to a later period: the first-class slip event. A move
    # to an earlier period is a PULL_IN, never a slip.
    is_slip = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    # An owner change: {"from": [names], "to": [names]}, as people were named at the time
    # (simple_history does not follow many-to-many fields).
    owners = models.JSONField(default=dict, blank=True)
    # A status report: the owner's health call and one line of status.
    health = models.CharField(max_length=16, choices=Health.choices, blank=True)
    line = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["deliverable", "at"]),
            models.Index(fields=["at"]),
            models.Index(fields=["kind", "deliverable", "at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["move", "pull_in"]) | Q(to_period__isnull=False),
                name="move_has_target_period",
            ),
            models.CheckConstraint(
                condition=~Q(is_slip=True) | Q(kind="move"), name="only_moves_are_slips"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="report") & Q(health__in=["on_track", "at_risk", "off_track", "done"])
                )
                | (~Q(kind="report") & Q(health="")),
                name="report_has_health",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.deliverable_id} at {self.at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Deliverable history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Deliverable history is append-only.")

    @property
    def owners_before(self) -> str:
        return ", ".join((self.owners or {}).get("from") or []) or "nobody"

    @property
    def owners_after(self) -> str:
        return ", ".join((self.owners or {}).get("to") or []) or "nobody"

    @property
    def summary(self) -> str:
        """One line for a history list: "Moved Summer → Fall", "In progress → Done"."""
        kind = self.Kind
        if self.kind in (kind.MOVE, kind.PULL_IN):
            source = self.from_period.label if self.from_period else "?"
            target = self.to_period.label if self.to_period else "?"
            verb = "Pulled in" if self.kind == kind.PULL_IN else "Moved"
            return f"{verb} {source} → {target}"
        if self.kind == kind.STATUS:
            return f"{_status_label(self.from_status)} → {_status_label(self.to_status)}"
        if self.kind == kind.REPORT:
            label = self.get_health_display()
            return f"Status: {label} — {self.line}" if self.line else f"Status: {label}"
        if self.kind == kind.OWNERS:
            return f"Owners: {self.owners_before} → {self.owners_after}"
        if self.kind in (kind.CREATED, kind.CARRIED) and self.to_period is not None:
            return f"{self.get_kind_display()} into {self.to_period.label}"
        return self.get_kind_display()
