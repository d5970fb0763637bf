"""The deliverable roadmap: projects, roadmaps, periods, deliverables and their history.

May know task forces; knows nothing of meetings.
"""

import dataclasses
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from taskforces.models import TaskForce


class Project(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoadmapQuerySet(models.QuerySet):
    def current(self) -> "Roadmap | None":
        """The roadmap people mean by "the roadmap": this year's newest, else the newest."""
        return self.order_by("-year", "-created_at").first()


class Roadmap(models.Model):
    class State(models.TextChoices):
        STRAWMAN = "strawman", "Strawman"
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"

    name = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.STRAWMAN)
    agreed_at = models.DateTimeField(null=True, blank=True)
    # Frozen when the roadmap becomes agreed: [{"id", "title", "period_id", "status", ...}].
    baseline = models.JSONField(null=True, blank=True, editable=False)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="successors"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoadmapQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["baseline", "updated_at"])

    class Meta:
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="roadmap_name_year_unique"),
            models.CheckConstraint(
                condition=Q(state__in=["strawman", "draft", "agreed"]), name="roadmap_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="agreed") | Q(agreed_at__isnull=False, baseline__isnull=False),
                name="agreed_roadmap_has_baseline",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2200), name="roadmap_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("roadmap-detail", args=[self.pk])

    # strawman -> draft -> agreed, one step at a time; an agreed plan is frozen.
    NEXT_STATE = {State.STRAWMAN: State.DRAFT, State.DRAFT: State.AGREED}

    @property
    def next_state(self) -> "Roadmap.State | None":
        return self.NEXT_STATE.get(self.state)

    @property
    def is_agreed(self) -> bool:
        return self.state == self.State.AGREED

    def baseline_snapshot(self) -> list[dict]:
        """The plan as it stands, in the shape frozen into `baseline` (JSON-safe)."""
        items = (
            self.deliverables.live()
            .select_related("period", "project")
            .prefetch_related("owners")
            .order_by("period__order", "position", "id")
        )
        return [item.snapshot() for item in items]


class PeriodQuerySet(models.QuerySet):
    def with_counts(self, today: datetime.date | None = None):
        """Per period, in one query: planned, done, open, tentative and slipped.

        A deliverable moved to a later period slipped *from* the period it left, so it counts
        as planned and slipped there (and as planned in its new period); an open item whose
        period has ended slipped where it stands. Done and dropped items never slip.
        """
        today = today or timezone.localdate()
        live = Q(deliverables__deleted_at__isnull=True)
        open_ = live & ~Q(deliverables__status__in=Deliverable.CLOSED_STATUSES)
        moved_out = (
            DeliverableChange.objects.filter(
                from_period=OuterRef("pk"), is_slip=True, deliverable__deleted_at__isnull=True
            )
            .exclude(deliverable__period=OuterRef("pk"))
            .order_by()
            .values("from_period")
            .annotate(n=Count("deliverable", distinct=True))
            .values("n")
        )
        return self.annotate(
            n_here=Count("deliverables", filter=live, distinct=True),
            n_done=Count(
                "deliverables", filter=live & Q(deliverables__status="done"), distinct=True
            ),
            n_open=Count("deliverables", filter=open_, distinct=True),
            n_tentative=Count(
                "deliverables", filter=live & Q(deliverables__tentative=True), distinct=True
            ),
            n_overdue=Count("deliverables", filter=open_ & Q(end__lt=today), distinct=True),
            n_moved_out=Coalesce(Subquery(moved_out), 0),
        ).annotate(
            n_planned=F("n_here") + F("n_moved_out"),
            n_slipped=F("n_overdue") + F("n_moved_out"),
        )


class Period(models.Model):
    """A bucket of the roadmap: a month ("April"), a season ("Summer") or open-ended ("Later").

    Vague dates stay buckets with a resolution, never fake dates. "Later" has no end and is
    never late.
    """

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="periods")
    label = models.CharField(max_length=40)
    order = models.PositiveSmallIntegerField()
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["roadmap", "order"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "order"], name="period_order_unique"),
            models.UniqueConstraint(fields=["roadmap", "label"], name="period_label_unique"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="period_ends_after_start",
            ),
            models.CheckConstraint(condition=~Q(label=""), name="period_label_not_empty"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_open_ended(self) -> bool:
        return self.end is None

    def has_ended(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.end is not None and self.end < today

    def is_later_than(self, other: "Period") -> bool:
        return self.order > other.order


@dataclasses.dataclass
class PeriodTally:
    """What one period holds: the numbers behind a roadmap column and a bar of the chart."""

    here: int = 0
    done: int = 0
    dropped: int = 0
    open: int = 0
    overdue: int = 0
    tentative: int = 0
    moved_out: int = 0

    @property
    def planned(self) -> int:
        return self.here + self.moved_out

    @property
    def slipped(self) -> int:
        return self.overdue + self.moved_out

    @property
    def on_track(self) -> int:
        return self.open - self.overdue


class DeliverableQuerySet(models.QuerySet):
    def live(self):
        """Not soft-deleted."""
        return self.filter(deleted_at__isnull=True)

    def open(self):
        return self.live().exclude(status__in=Deliverable.CLOSED_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        """Open items whose period has ended ("Later" never ends)."""
        today = today or timezone.localdate()
        return self.open().filter(period__end__lt=today)

    def start_by_passed(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.open().filter(start_by__lte=today)

    def owned_by(self, user):
        return self.filter(owners=user)

    def without_successor(self):
        """Not carried over into a newer roadmap: an item that was carried is followed up
        there, so reminders and cross-roadmap lists should skip the old copy."""
        return self.exclude(Exists(Deliverable.objects.filter(carried_from=OuterRef("pk"))))

    def with_slip_info(self):
        """Annotate n_slip_moves (moves to a later period) and first_slip_at, as subqueries so
        they combine with windows and joins without a GROUP BY."""
        slips = (
            DeliverableChange.objects.filter(deliverable=OuterRef("pk"), is_slip=True)
            .order_by()
            .values("deliverable")
        )
        return self.annotate(
            n_slip_moves=Coalesce(Subquery(slips.annotate(n=Count("id")).values("n")), 0),
            first_slip_at=Subquery(slips.annotate(first=Min("at")).values("first")),
        )

    def period_tallies(self, today: datetime.date | None = None) -> dict[int, "PeriodTally"]:
        """Per period id, for the deliverables of this (filtered) queryset: planned, done,
        open, overdue, dropped, tentative and moved out (slipped away to a later period).

        Two queries whatever the number of deliverables."""
        today = today or timezone.localdate()
        live = self.live()
        closed = Deliverable.CLOSED_STATUSES
        rows = (
            live.order_by()
            .values("period_id")
            .annotate(
                here=Count("id"),
                done=Count("id", filter=Q(status=Deliverable.Status.DONE)),
                dropped=Count("id", filter=Q(status=Deliverable.Status.DROPPED)),
                open=Count("id", filter=~Q(status__in=closed)),
                overdue=Count("id", filter=~Q(status__in=closed) & Q(period__end__lt=today)),
                tentative=Count("id", filter=Q(tentative=True)),
            )
        )
        tallies: dict[int, PeriodTally] = {}
        for row in rows:
            tallies[row["period_id"]] = PeriodTally(
                here=row["here"],
                done=row["done"],
                dropped=row["dropped"],
                open=row["open"],
                overdue=row["overdue"],
                tentative=row["tentative"],
            )
        moved_out = (
            DeliverableChange.objects.filter(
                is_slip=True, deliverable__in=live.order_by().values("pk")
            )
            .exclude(deliverable__period=F("from_period"))
            .order_by()
            .values("from_period_id")
            .annotate(n=Count("deliverable", distinct=True))
        )
        for row in moved_out:
            tally = tallies.setdefault(row["from_period_id"], PeriodTally())
            tally.moved_out = row["n"]
        return tallies

    def slipped(self, on: datetime.date | None = None):
        """Slipped as of `on`: the period ended with the item still open, or it was moved to
        a later period. Done and dropped items whose period ended on time never slip."""
        on = on or timezone.localdate()
        moved_later = Exists(
            DeliverableChange.objects.filter(
                deliverable=OuterRef("pk"), is_slip=True, at__date__lte=on
            )
        )
        return self.live().filter(
            (~Q(status__in=Deliverable.CLOSED_STATUSES) & Q(period__end__lt=on)) | Q(moved_later)
        )


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
    notes = models.TextField(blank=True)
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

    def can_edit(self, user) -> bool:
        if not user.is_authenticated:
            return False
        if user.is_superuser or user.has_role("Convener") or user.has_role("Manager"):
            return True
        # Lists prefetch owners; answering from them keeps a page of cards free of N+1.
        if "owners" in getattr(self, "_prefetched_objects_cache", {}):
            return any(owner.pk == user.pk for owner in self.owners.all())
        return self.owners.filter(pk=user.pk).exists()

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

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
        CARRIED = "carried", "Carried over"
        EDITED = "edited", "Edited"
        DELETED = "deleted", "Deleted"
        RESTORED = "restored", "Restored"
        OWNERS = "owners", "Owners changed"

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
    # True when a move goes to a later period: the first-class slip event.
    is_slip = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    # An owner change: {"from": [names], "to": [names]}, as people were named at the time
    # (simple_history does not follow many-to-many fields).
    owners = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["deliverable", "at"]),
            models.Index(fields=["at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="move") | Q(to_period__isnull=False),
                name="move_has_target_period",
            ),
            models.CheckConstraint(
                condition=~Q(is_slip=True) | Q(kind="move"), name="only_moves_are_slips"
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
        """One line for a history list: "Summer → Fall", "In progress → Done"."""
        kind = self.Kind
        if self.kind == kind.MOVE:
            source = self.from_period.label if self.from_period else "?"
            target = self.to_period.label if self.to_period else "?"
            return f"Moved {source} → {target}"
        if self.kind == kind.STATUS:
            return f"{_status_label(self.from_status)} → {_status_label(self.to_status)}"
        if self.kind == kind.OWNERS:
            return f"Owners: {self.owners_before} → {self.owners_after}"
        if self.kind in (kind.CREATED, kind.CARRIED) and self.to_period is not None:
            return f"{self.get_kind_display()} into {self.to_period.label}"
        return self.get_kind_display()
