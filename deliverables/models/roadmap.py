"""Projects, roadmaps (strawman -> draft -> agreed, with a frozen baseline) and their periods."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from adcmeet.core import text
from deliverables.models.querysets import PeriodQuerySet


class Project(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True, validators=text.limits(text.LONG_TEXT))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoadmapQuerySet(models.QuerySet):
    def newest_first(self):
        """This year's newest first (the current roadmap), then older ones."""
        return self.order_by("-year", "-created_at")

    def current(self) -> "Roadmap | None":
        """The roadmap people mean by "the roadmap": this year's newest, else the newest."""
        return self.newest_first().first()


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
    # Optimistic concurrency (adcmeet.core.versioning): state changes, agreeing and imports
    # claim it, so a stale "Agree it" never freezes a plan its manager did not see.
    version = models.PositiveIntegerField(default=1)

    objects = RoadmapQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["baseline", "updated_at", "version"])

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
