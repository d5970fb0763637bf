"""What a meeting discusses and decides: agenda items in their sections, action items."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from adcmeet.core import text
from adcmeet.meetings.models.meeting import Meeting
from deliverables.models import Deliverable
from taskforces.models import OutlineItem, TaskForce

MAX_ITEM_MINUTES = 240


class AgendaItemQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def in_agenda_order(self):
        """The order the meeting runs: focus topic, hot topics, tracking, open floor."""
        rank = models.Case(
            *(
                models.When(section=section, then=models.Value(order))
                for section, order in AgendaItem.SECTION_ORDER.items()
            ),
            output_field=models.PositiveSmallIntegerField(),
        )
        return self.alias(section_rank=rank).order_by("section_rank", "position", "id")


class AgendaItem(models.Model):
    class Section(models.TextChoices):
        # The order of the meeting: the focus topic at the top (friendly to non-ADC invitees),
        # then hot topics and deliverable tracking, the open floor last.
        FOCUS = "focus", "Focus topic"
        HOT = "hot", "Hot topics"
        TRACKING = "tracking", "Deliverable tracking"
        OPEN_FLOOR = "open_floor", "Open floor"

    SECTION_ORDER = {"focus": 0, "hot": 1, "tracking": 2, "open_floor": 3}

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(max_length=16, choices=Section.choices)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="presentations",
    )
    # An external invitee (non-ADC) presenting, with no account here.
    presenter_name = models.CharField(max_length=200, blank=True)
    presenter_email = models.EmailField(blank=True)
    presenter_affiliation = models.CharField(max_length=200, blank=True)
    duration_minutes = models.PositiveIntegerField(default=10)
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outline_item = models.ForeignKey(
        OutlineItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True, validators=text.limits(text.ITEM_TEXT))
    minutes = models.TextField(blank=True, validators=text.limits(text.ITEM_TEXT))
    # Brought along by "copy from last week" (open floor, standing hot topics).
    recurring = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # An edit of the item's own fields claims `version`, a save of its minutes
    # `minutes_version` (adcmeet.core.versioning): items, and minutes, conflict one by one.
    version = models.PositiveIntegerField(default=1)
    minutes_version = models.PositiveIntegerField(default=1)
    # What happened in the room (adcmeet.meetings.actions.live): when the item was first taken
    # up and last left, and how long it ran in all (pauses and returns excluded). Recorded by
    # the live clock, not by the agenda's version: running the meeting never refuses an edit.
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    actual_seconds = models.PositiveIntegerField(null=True, blank=True)
    # The meeting ran out of time before the item: proposed again at the next meeting.
    not_reached = models.BooleanField(default=False)
    # Carry-forward: the item of an earlier meeting this one takes up again (not reached
    # there), or the open action item it reviews.
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_to"
    )
    action_item = models.ForeignKey(
        "ActionItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )

    objects = AgendaItemQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["minutes_version", "started_at", "ended_at", "actual_seconds"]
    )

    class Meta:
        ordering = ["meeting", "position", "id"]
        indexes = [
            models.Index(fields=["meeting", "position"]),
            # The builder's duration suggestions look for the series' recent meetings that
            # recorded actuals (adcmeet.meetings.actuals.history): few items ever do, so a
            # partial index keeps that lookup small however many items the table holds.
            models.Index(
                fields=["meeting"],
                condition=Q(actual_seconds__isnull=False),
                name="agenda_item_ran",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(section__in=["focus", "hot", "tracking", "open_floor"]),
                name="agenda_section_valid",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0, duration_minutes__lte=MAX_ITEM_MINUTES),
                name="agenda_duration_sane",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="agenda_title_not_empty"),
            # One focus topic a meeting (adcmeet.meetings.actions.rules); removed ones stay
            # for the record and may be restored only while the meeting has none.
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(section="focus", deleted_at__isnull=True),
                name="one_live_focus_topic",
                violation_error_message="This meeting already has a focus topic: a meeting "
                "has one. Remove it first, or edit it instead.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def presenter_display(self) -> str:
        if self.presenter_id:
            return self.presenter.display_name
        if self.presenter_name and self.presenter_affiliation:
            return f"{self.presenter_name} ({self.presenter_affiliation})"
        return self.presenter_name

    @property
    def is_external_presenter(self) -> bool:
        return not self.presenter_id and bool(self.presenter_name)


class ActionItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    due = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Ticking off (or reopening) claims it (adcmeet.core.versioning).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["done", "due", "id"]
        indexes = [models.Index(fields=["owner", "done"])]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="action_text_not_empty"),
            models.CheckConstraint(
                condition=Q(done=False) | Q(done_at__isnull=False), name="done_action_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.text
