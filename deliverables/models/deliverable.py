"""A deliverable: what someone promised for a period of a roadmap."""

import dataclasses
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Min, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from adcmeet.core import text
from adcmeet.core.versioning import Refused
from deliverables.models.querysets import DeliverableQuerySet
from deliverables.models.roadmap import Period, Project, Roadmap
from taskforces.models import TaskForce

# The history kinds of a move (DeliverableChange.Kind), named here so the rule needs no import
# of the history model.
MOVE = "move"
PULL_IN = "pull_in"


@dataclasses.dataclass(frozen=True)
class Move:
    """A move between periods as the rules classify it (see Deliverable.plan_move)."""

    source: Period
    target: Period
    kind: str
    is_slip: bool

    @property
    def is_pull_in(self) -> bool:
        return self.kind == PULL_IN


@dataclasses.dataclass(frozen=True)
class MoveTargets:
    earlier: list[Period]
    later: list[Period]
    default: Period | None


class Deliverable(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        AT_RISK = "at_risk", "At risk"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    CLOSED_STATUSES = (Status.DONE, Status.DROPPED)

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="deliverables")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="deliverables")
    title = models.CharField(max_length=300)
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliverables"
    )
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="deliverables"
    )
    tentative = models.BooleanField(
        default=False, help_text='Written with a trailing "?" in the plan.'
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(null=True, blank=True)
    # A hard external deadline and how long the work takes before it: start_by = deadline - lead.
    deadline = models.DateField(null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    start_by = models.DateField(null=True, blank=True, editable=False)
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliverables"
    )
    notes = models.TextField(blank=True, validators=text.limits(text.LONG_TEXT))
    position = models.PositiveIntegerField(default=0)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_to"
    )
    # Optimistic concurrency: every change bumps it; a stale edit is refused.
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeliverableQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "version"])

    class Meta:
        ordering = ["period__order", "position", "id"]
        indexes = [
            models.Index(fields=["roadmap", "period", "position"]),
            models.Index(fields=["status"]),
            models.Index(fields=["start_by"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "at_risk", "done", "dropped"]),
                name="deliverable_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_on__isnull=False)
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="deliverable_done_on_iff_done",
            ),
            models.CheckConstraint(
                condition=Q(lead_time_days__isnull=True) | Q(deadline__isnull=False),
                name="deliverable_lead_time_needs_deadline",
            ),
            models.CheckConstraint(
                condition=Q(start_by__isnull=True) | Q(start_by__lte=F("deadline")),
                name="deliverable_start_by_before_deadline",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="deliverable_title_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title + ("?" if self.tentative else "")

    def save(self, *args, **kwargs):
        self.start_by = self.compute_start_by()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "start_by"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("deliverable", args=[self.pk])

    def compute_start_by(self) -> datetime.date | None:
        if self.deadline is None:
            return None
        return self.deadline - datetime.timedelta(days=self.lead_time_days or 0)

    def clean(self) -> None:
        if self.period_id and self.roadmap_id and self.period.roadmap_id != self.roadmap_id:
            raise ValidationError({"period": "That period belongs to another roadmap."})
        if self.lead_time_days is not None and self.deadline is None:
            raise ValidationError({"lead_time_days": "A lead time needs a deadline."})

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return not self.is_closed and self.period.has_ended(today)

    def start_by_passed(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return not self.is_closed and self.start_by is not None and self.start_by <= today

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def plan_move(self, period: Period, *, today: datetime.date | None = None) -> Move:
        """What moving to `period` would be, or `Refused` when it may not move there.

        A move to a later period is a slip while the deliverable is open (the first-class slip
        event); to an earlier one it is a pull-in, never a slip. An open deliverable is never
        pulled in to a period that has ended: it would be late the moment it arrived (which is
        how a "Later" item sent back to April used to show up as slipped)."""
        if period.roadmap_id != self.roadmap_id:
            raise Refused("That period belongs to another roadmap.", field="period")
        if period.pk == self.period_id:
            raise Refused(f"It is already in {period.label}.", field="period")
        if period.is_later_than(self.period):
            return Move(self.period, period, MOVE, is_slip=not self.is_closed)
        if not self.is_closed and period.has_ended(today):
            raise Refused(
                f"{period.label} ended on {period.end:%-d %b %Y}: pulled in there, an open "
                "deliverable would be late at once. Pick a period that has not ended.",
                field="period",
            )
        return Move(self.period, period, PULL_IN, is_slip=False)

    def move_targets(self, periods, *, today: datetime.date | None = None) -> MoveTargets:
        """The periods a move form offers (`periods`: the roadmap's, in order): earlier ones to
        pull it in to, later ones to slip it to, and the default, never an earlier period: the
        next one that has not ended, or none (a required choice)."""
        earlier, later = [], []
        for period in periods:
            if period.pk == self.period_id:
                continue
            if period.order > self.period.order:
                later.append(period)
            elif self.is_closed or not period.has_ended(today):
                earlier.append(period)
        default = next((p for p in later if not p.has_ended(today)), None)
        return MoveTargets(earlier, later, default)

    def overdue_since(self, today: datetime.date | None = None) -> datetime.date | None:
        """The day after its period ended, while it is still open there."""
        if not self.is_overdue(today):
            return None
        return self.period.end + datetime.timedelta(days=1)

    def slip_moves(self) -> int:
        if hasattr(self, "n_slip_moves"):
            return self.n_slip_moves
        return self.changes.filter(is_slip=True).count()

    def first_slip_move_at(self) -> datetime.datetime | None:
        if hasattr(self, "first_slip_at"):
            return self.first_slip_at
        return self.changes.filter(is_slip=True).aggregate(first=Min("at"))["first"]

    def slip_count(self, today: datetime.date | None = None) -> int:
        """Moves to a later period, plus one while it sits open in a period that has ended."""
        return self.slip_moves() + (1 if self.is_overdue(today) else 0)

    def slipped_since(self, today: datetime.date | None = None) -> datetime.date | None:
        """When it first slipped: its first move to a later period or the end of its period."""
        dates = []
        first_move = self.first_slip_move_at()
        if first_move is not None:
            dates.append(timezone.localdate(first_move))
        overdue = self.overdue_since(today)
        if overdue is not None:
            dates.append(overdue)
        return min(dates) if dates else None

    def snapshot(self) -> dict:
        """The fields a baseline freezes and a comparison reads back (JSON-safe)."""
        return {
            "id": self.pk,
            "title": self.title,
            "tentative": self.tentative,
            "period_id": self.period_id,
            "period": self.period.label,
            "status": self.status,
            "project": self.project.name if self.project else "",
            "owners": sorted(owner.username for owner in self.owners.all()),
        }
