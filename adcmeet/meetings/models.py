"""The meetings domain: series, meetings, their agendas, minutes, action items and outbox.

Knows both task forces and deliverables; neither of them knows this module.
"""

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from adcmeet.core import access, text
from adcmeet.lib import zones
from deliverables.models import Deliverable
from taskforces.models import OutlineItem, TaskForce

MAX_ITEM_MINUTES = 240


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class MeetingSeries(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, validators=text.limits(text.LONG_TEXT))
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.WEDNESDAY)
    start_time = models.TimeField(default=datetime.time(17, 0))
    time_zone = models.CharField(
        max_length=64, default="Europe/Zurich", validators=[zones.validate_time_zone]
    )
    target_minutes = models.PositiveIntegerField(default=60)
    limit_minutes = models.PositiveIntegerField(default=90)
    mailing_list = models.EmailField(blank=True)
    location = models.CharField(max_length=200, blank=True)
    video_url = models.URLField(blank=True)
    conveners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="convened_series"
    )
    is_public = models.BooleanField(default=True)
    # Non-public series are subscribed to through this token.
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    reminder_days_before = models.PositiveSmallIntegerField(default=1)
    # The ORGANIZER of every invite of the series, and who replies reach: one person, stored
    # (the first convener when the first invite goes out, unless set here) so it never changes
    # between sends because the conveners did (adcmeet.meetings.mail.invites.organizer_for).
    organizer_name = models.CharField(max_length=200, blank=True)
    organizer_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "meeting series"
        constraints = [
            models.CheckConstraint(
                condition=Q(target_minutes__gt=0) & Q(target_minutes__lte=F("limit_minutes")),
                name="series_target_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(limit_minutes__lte=8 * 60), name="series_limit_plausible"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="series_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zones.zone_or_default(self.time_zone)

    def start_on(self, day: datetime.date) -> datetime.datetime:
        """The aware start of a meeting on `day` at the series' local wall-clock time.

        Built from the zone's rules for that date, so 17:00 Zurich is 16:00 UTC in winter and
        15:00 UTC in summer.
        """
        return datetime.datetime.combine(day, self.start_time, tzinfo=self.tz)

    def next_dates(self, count: int, after: datetime.date | None = None) -> list[datetime.date]:
        after = after or timezone.localdate()
        first = after + datetime.timedelta(days=(self.weekday - after.weekday()) % 7)
        return [first + datetime.timedelta(weeks=n) for n in range(count)]


class MeetingQuerySet(models.QuerySet):
    def upcoming(self, now: datetime.datetime | None = None):
        return self.filter(start__gte=(now or timezone.now()) - datetime.timedelta(hours=2))

    def past(self, now: datetime.datetime | None = None):
        return self.filter(start__lt=(now or timezone.now()) - datetime.timedelta(hours=2))

    def visible_to(self, user):
        """The meetings `user` may read (the rule is access.visible_meetings)."""
        return access.visible_meetings(user, self)


class Meeting(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    series = models.ForeignKey(MeetingSeries, on_delete=models.PROTECT, related_name="meetings")
    start = models.DateTimeField()
    # The date the series' schedule put this meeting on; a moved meeting keeps it, so the
    # generator never recreates a meeting someone moved away.
    scheduled_for = models.DateField()
    title = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    # Grows on every published change; it is the iCalendar SEQUENCE.
    revision = models.PositiveIntegerField(default=0)
    # Grows on every change of the meeting and its agenda's structure; stale edits (based on
    # an older version) are refused (adcmeet.core.versioning).
    version = models.PositiveIntegerField(default=1)
    # The general minutes' own version: they conflict only with themselves.
    minutes_version = models.PositiveIntegerField(default=1)
    # The revision last mailed out; below `revision` once a published agenda was edited.
    announced_revision = models.PositiveIntegerField(default=0)
    location = models.CharField(max_length=200, blank=True)
    video_url = models.URLField(blank=True)
    minutes = models.TextField(blank=True, validators=text.limits(text.MEETING_MINUTES))
    cancel_reason = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Minutes are mailed when the convener publishes them; each later publication of changed
    # minutes is a correction (adcmeet.meetings.actions.minutes.publish_minutes).
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    minutes_revision = models.PositiveIntegerField(default=0)
    minutes_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "minutes_version"])

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["series", "start"]),
            models.Index(fields=["start"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "scheduled_for"], name="one_meeting_per_series_date"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "published", "held", "cancelled"]),
                name="meeting_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(revision__gte=1),
                name="published_meeting_has_revision",
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start, self.series.tz)
        return f"{self.title or self.series.name} — {local:%a %d %b %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("meeting", args=[self.pk])

    @property
    def local_start(self) -> datetime.datetime:
        return timezone.localtime(self.start, self.series.tz)

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED


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

    objects = AgendaItemQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["minutes_version"])

    class Meta:
        ordering = ["meeting", "position", "id"]
        indexes = [models.Index(fields=["meeting", "position"])]
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
