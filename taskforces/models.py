"""Task forces, R&D activities and focus areas, with their outlines and checkpoints.

This app knows nothing of roadmaps or meetings: those apps point at it, never the reverse.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from adcmeet.core import text


class TaskForceQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=TaskForce.Status.CLOSED)

    def with_open_plan_count(self):
        return self.annotate(
            n_open_plans=Count(
                "outline",
                filter=Q(outline__kind=OutlineItem.Kind.PLAN, outline__done=False),
                distinct=True,
            )
        )

    def with_next_checkpoint(self, today: datetime.date | None = None):
        """Annotates `next_checkpoint_id`: the earliest upcoming checkpoint the task force has a
        goal at or has an outline item due at."""
        upcoming = Checkpoint.objects.upcoming(today).filter(
            Q(goals__task_force=OuterRef("pk")) | Q(items__task_force=OuterRef("pk"))
        )
        return self.annotate(
            next_checkpoint_id=Subquery(upcoming.order_by("date", "name").values("pk")[:1])
        )


class TaskForce(models.Model):
    class Kind(models.TextChoices):
        TASK_FORCE = "taskforce", "Task force"
        RND = "rnd", "R&D"
        FOCUS_AREA = "focus", "Focus area"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TASK_FORCE)
    scope = models.TextField(blank=True, validators=text.limits(text.LONG_TEXT))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    conveners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="convened_task_forces"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="task_forces"
    )
    # Written by whoever schedules a focus topic; kept here so the rotation needs no knowledge
    # of meetings in this app.
    last_focus_on = models.DateField(null=True, blank=True)
    # The same, counting public series only: what the task-force list, one page for every
    # visitor, may show without telling anyone when a non-public series met.
    last_public_focus_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskForceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["taskforce", "rnd", "focus"]), name="taskforce_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "active", "paused", "closed"]),
                name="taskforce_status_valid",
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="taskforce_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("taskforce", args=[self.slug])

    def open_questions(self):
        return self.outline.filter(kind=OutlineItem.Kind.QUESTION, done=False).order_by(
            "parent_id", "position", "id"
        )


class OutlineItem(models.Model):
    """One line of a task force's outline: a plan, an open question, a use case, a testbed."""

    class Kind(models.TextChoices):
        PLAN = "plan", "Plan item"
        QUESTION = "question", "Open question"
        USE_CASE = "use_case", "Use case"
        TESTBED = "testbed", "Testbed"
        NOTE = "note", "Note"

    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="outline")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PLAN)
    text = models.CharField(max_length=500)
    done = models.BooleanField(default=False)
    # Among its siblings (same parent); kept dense (0..n-1) by taskforces.actions.
    position = models.PositiveIntegerField(default=0)
    # Optimistic concurrency (adcmeet.core.versioning): every edit, tick, move and delete
    # claims it, so a stale one is refused, never silently applied over someone else's.
    version = models.PositiveIntegerField(default=1)
    checkpoint = models.ForeignKey(
        "Checkpoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["task_force", "parent_id", "position", "id"]
        indexes = [models.Index(fields=["task_force", "parent", "position"])]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="outline_not_own_parent"),
            models.CheckConstraint(condition=~Q(text=""), name="outline_text_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=["plan", "question", "use_case", "testbed", "note"]),
                name="outline_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.parent.task_force_id != self.task_force_id:
            raise ValidationError({"parent": "The parent belongs to another task force."})
        if self.pk and self.pk in self.ancestor_ids():
            raise ValidationError({"parent": "An item cannot be nested inside itself."})

    def ancestor_ids(self) -> set[int]:
        seen: set[int] = set()
        node = self.parent
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            node = node.parent
        return seen


class CheckpointQuerySet(models.QuerySet):
    def upcoming(self, today: datetime.date | None = None):
        """Not yet over: a multi-day workshop stays upcoming until its last day."""
        today = today or timezone.localdate()
        return self.filter(Q(date__gte=today) | Q(end_date__gte=today)).order_by("date")

    def past(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.exclude(Q(date__gte=today) | Q(end_date__gte=today)).order_by("-date")

    def with_open_item_count(self):
        return self.annotate(
            n_open_items=Count("items", filter=Q(items__done=False), distinct=True)
        )


class Checkpoint(models.Model):
    """A workshop or deadline at which task forces show progress ("the Dubna workshop")."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True, validators=text.limits(text.LONG_TEXT))
    task_forces = models.ManyToManyField(
        TaskForce, blank=True, related_name="checkpoints", through="CheckpointGoal"
    )
    # Optimistic concurrency: a stale checkpoint form never restores an old description.
    version = models.PositiveIntegerField(default=1)

    objects = CheckpointQuerySet.as_manager()

    class Meta:
        ordering = ["date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("date")),
                name="checkpoint_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("checkpoint", args=[self.slug])

    def days_from(self, today: datetime.date | None = None) -> int:
        """Days until it starts; 0 while it is on, never negative for an upcoming one."""
        today = today or timezone.localdate()
        return max((self.date - today).days, 0)


class CheckpointGoal(models.Model):
    """What one task force plans to show at a checkpoint."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="goals")
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.CASCADE, related_name="checkpoint_goals"
    )
    goal = models.TextField(blank=True, validators=text.limits(text.LONG_TEXT))
    # Optimistic concurrency: a goal changed meanwhile is neither overwritten nor deleted by a
    # stale goal or checkpoint form.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["checkpoint__date", "task_force__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "task_force"], name="one_goal_per_taskforce_checkpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_force} at {self.checkpoint}"
