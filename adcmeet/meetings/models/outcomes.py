"""What a meeting decided and noted (outcomes), and who was there (attendance). Actions, the
third kind of outcome, are ActionItem (owner, due date)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from adcmeet.meetings.models.agenda import AgendaItem
from adcmeet.meetings.models.meeting import Meeting
from deliverables.models import Deliverable
from taskforces.models import TaskForce

OUTCOME_TEXT = 2_000


class OutcomeQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def decisions(self):
        return self.live().filter(kind=Outcome.Kind.DECISION)


class Outcome(models.Model):
    class Kind(models.TextChoices):
        DECISION = "decision", "Decision"
        INFORMATION = "information", "Information"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="outcomes")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="outcomes"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(max_length=OUTCOME_TEXT)
    # What it is about, taken from the item when recorded (the decisions log filters by them).
    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "id"]
        indexes = [
            models.Index(fields=["kind", "meeting"]),
            models.Index(fields=["deliverable"]),
            models.Index(fields=["task_force"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["decision", "information"]), name="outcome_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="outcome_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        REGRETS = "regrets", "Regrets"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    # An ADC member with an account, or an invitee named here.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    invitee = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PRESENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "invitee", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["present", "regrets"]), name="attendance_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="attendance_names_someone"
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="attendance_once_per_member",
                violation_error_message="That person is already on the attendance list.",
            ),
            models.UniqueConstraint(
                "meeting",
                Lower("name"),
                condition=Q(user__isnull=True),
                name="attendance_once_per_invitee",
                violation_error_message="An invitee of that name is already on the list.",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.user_id)
