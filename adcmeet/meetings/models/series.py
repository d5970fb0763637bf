"""The weekly series: its day, time, zone, objective and limit, conveners and organizer."""

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from adcmeet.core import text
from adcmeet.lib import zones


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
