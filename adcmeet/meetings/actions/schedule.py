"""Publishing, cancelling and moving meetings; creating upcoming ones; marking them held."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from adcmeet.accounts.models import User
from adcmeet.meetings.actions import live_end, rules
from adcmeet.meetings.actions.common import (
    AgendaError,
    Section,
    agenda_items,
    claim_meeting,
    ensure_editable,
    ensure_not_held,
    meeting_end,
    refresh_last_focus,
    save_meeting,
)
from adcmeet.meetings.mail import meeting_mail
from adcmeet.meetings.models import (
    Meeting,
    MeetingSeries,
    OutboundMail,
)


@dataclass
class PublishResult:
    meeting: Meeting
    kind: str  # OutboundMail.Kind of the queued mail
    warning: str = ""


def publish_meeting(
    *, meeting: Meeting, version: int | None, by: User | None, without_focus: bool = False
) -> PublishResult:
    """Publish the agenda (or send an update of a published one) and queue its mail.

    Refused over the series' limit (over the objective is only a warning, in the result), and
    with no focus topic unless the convener confirmed it (`without_focus`).
    """
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        ensure_not_held(meeting, "published")
        items = agenda_items(meeting)
        plan = rules.check_publishable(meeting, items, without_focus=without_focus)
        first = meeting.state != Meeting.State.PUBLISHED
        if not first and meeting.announced_revision == meeting.revision:
            raise AgendaError("The agenda is already published and unchanged since it was sent.")
        meeting.state = Meeting.State.PUBLISHED
        meeting.revision += 1
        meeting.announced_revision = meeting.revision
        meeting.published_at = timezone.now()
        save_meeting(meeting, by, "state", "revision", "announced_revision", "published_at")
        kind = OutboundMail.Kind.AGENDA if first else OutboundMail.Kind.AGENDA_UPDATE
        meeting_mail.queue_meeting_mail(meeting, kind)
    return PublishResult(
        meeting=meeting, kind=kind, warning=plan.message if plan.over_target else ""
    )


def cancel_meeting(
    *, meeting: Meeting, version: int | None, by: User | None, reason: str
) -> Meeting:
    """Cancel the meeting. Its revision grows (feeds show drafts as tentative, and now as
    cancelled); the cancellation is mailed only if its agenda was ever mailed: nobody was
    invited to a meeting that was never published."""
    reason = " ".join(reason.split())
    if not reason:
        raise AgendaError("Say why the meeting is cancelled; the reason goes out with the notice.")
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        ensure_not_held(meeting, "cancelled")
        announced = meeting.state == Meeting.State.PUBLISHED
        meeting.state = Meeting.State.CANCELLED
        meeting.cancel_reason = reason[:300]
        meeting.revision += 1
        fields = ["state", "cancel_reason", "revision"]
        if announced:
            meeting.announced_revision = meeting.revision
            fields.append("announced_revision")
        save_meeting(meeting, by, *fields)
        if announced:
            meeting_mail.queue_meeting_mail(meeting, OutboundMail.Kind.CANCELLATION)
        refresh_last_focus(
            meeting.items.live()
            .filter(section=Section.FOCUS)
            .values_list("task_force_id", flat=True)
        )
    return meeting


def wall_clock_start(day: datetime.date, time: datetime.time, zone: zoneinfo.ZoneInfo):
    """`time` on `day` on `zone`'s wall clock, as an aware datetime.

    A time the clocks skip (02:30 on the last Sunday of March in Zurich) does not exist and
    is refused. A time they pass twice (02:30 on the last Sunday of October) is taken as the
    first of the two, still on summer time (fold=0): the earlier instant, the one a reader of
    "02:30" on that morning reaches first; whoever needs the second one passes `fold=1`."""
    start = datetime.datetime.combine(day, time, tzinfo=zone)
    if not exists(start):
        raise AgendaError(_gap_message(start))
    return start.replace(fold=0)


def exists(start: datetime.datetime) -> bool:
    """Whether the wall-clock time of `start` exists in its zone (it is not in a DST gap)."""
    back = start.astimezone(datetime.UTC).astimezone(start.tzinfo)
    return back.replace(tzinfo=None, fold=0) == start.replace(tzinfo=None, fold=0)


def _gap_message(start: datetime.datetime) -> str:
    # In a gap, fold=0 reads the time with the offset before the change, fold=1 after it.
    earlier, later = start.replace(fold=0), start.replace(fold=1)
    skipped = int((later.utcoffset() - earlier.utcoffset()).total_seconds() // 60)
    length = f"{skipped // 60} hour" if skipped == 60 else f"{skipped} minutes"
    return (
        f"{start:%H:%M} does not exist on {start:%d %B %Y} in {start.tzinfo}: the clocks skip "
        f"{length} that night, from {earlier.tzname()} to {later.tzname()}. Choose another "
        "time."
    )


def check_new_start(start: datetime.datetime, *, now: datetime.datetime | None = None) -> None:
    """A meeting moves to a real moment in the future."""
    if start.tzinfo is None:
        raise AgendaError("The new start needs a time zone.")
    if not exists(start):
        raise AgendaError(_gap_message(start))
    if start <= (now or timezone.now()):
        raise AgendaError(
            f"{start:%A %d %B %Y, %H:%M} has already passed: a meeting can only move to a "
            "time still ahead."
        )


def move_meeting(
    *,
    meeting: Meeting,
    version: int | None,
    by: User | None,
    start: datetime.datetime,
    now: datetime.datetime | None = None,
) -> Meeting:
    """Move one meeting (holiday, workshop week). It keeps its scheduled date, so the series
    never recreates it there; a published meeting's revision grows and the update is mailed.

    Refused into the past and at a wall-clock time that does not exist in `start`'s zone
    (a DST gap); an ambiguous time is the instant `start` names (its `fold`)."""
    check_new_start(start, now=now)
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        ensure_editable(meeting)
        ensure_not_held(meeting, "moved")
        if start == meeting.start:
            raise AgendaError("That is when the meeting already starts.")
        clash = (
            Meeting.objects.filter(series=meeting.series_id, start=start)
            .exclude(pk=meeting.pk)
            .exists()
        )
        if clash:
            raise AgendaError("Another meeting of this series already starts then.")
        moved_from = meeting.start
        meeting.start = start
        fields = ["start"]
        if meeting.state == Meeting.State.PUBLISHED:
            meeting.revision += 1
            meeting.announced_revision = meeting.revision
            fields += ["revision", "announced_revision"]
        save_meeting(meeting, by, *fields)
        # A move changes no duration, but the agenda mailed now must be one that could be
        # published: the same rules as after any other change.
        rules.hold(meeting)
        if meeting.state == Meeting.State.PUBLISHED:
            # The mail keeps the old time: "Moved from … to …" is what readers look for.
            meeting_mail.queue_meeting_mail(
                meeting, OutboundMail.Kind.AGENDA_UPDATE, moved_from=moved_from
            )
    return meeting


def change_place(
    *, meeting: Meeting, version: int | None, by: User | None, location: str, video_url: str
) -> Meeting:
    """A new room or video link, claiming `version` of the meeting (a stale one is refused
    with the fresh meeting, like every other change of it). For a published meeting its
    revision grows (feeds' SEQUENCE and LAST-MODIFIED move, so clients revalidating get the
    new room instead of a 304) and the updated agenda goes out like any other change: by
    itself after the quiet period, or at once with "Send the updated agenda". Drafts,
    cancelled and held meetings only change. Empty values mean the series' room or link."""
    location, video_url = location.strip(), video_url.strip()
    with transaction.atomic():
        meeting = claim_meeting(meeting, version)
        if (meeting.location, meeting.video_url) == (location, video_url):
            return meeting
        meeting.location, meeting.video_url = location, video_url
        fields = ["location", "video_url"]
        if meeting.state == Meeting.State.PUBLISHED:
            meeting.revision += 1
            fields.append("revision")
        save_meeting(meeting, by, *fields)
    return meeting


def series_place_changed(series: MeetingSeries, *, by: User | None) -> list[int]:
    """The series' room or video link changed: every upcoming published meeting that uses it
    (no room or link of its own) changed place too. Returns their ids."""
    changed = []
    with transaction.atomic():
        meetings = Meeting.objects.select_for_update().filter(
            series=series, state=Meeting.State.PUBLISHED, start__gt=timezone.now()
        )
        for meeting in meetings:
            if meeting.location and meeting.video_url:
                continue
            meeting.revision += 1
            save_meeting(meeting, by, "revision")
            changed.append(meeting.pk)
    return changed


def create_upcoming_meetings(
    series: MeetingSeries, count: int = 8, *, now: datetime.datetime | None = None
) -> list[Meeting]:
    """Make sure the next `count` regular dates of the series have a meeting; returns the
    ones created. Idempotent: the (series, scheduled_for) unique constraint names a date's
    meeting, and a moved meeting keeps its scheduled date, so it is never recreated."""
    now = now or timezone.now()
    today = timezone.localdate(now, series.tz)
    dates = [day for day in series.next_dates(count + 1, after=today) if series.start_on(day) > now]
    created = []
    for day in dates[:count]:
        try:
            with transaction.atomic():
                meeting, made = Meeting.objects.get_or_create(
                    series=series, scheduled_for=day, defaults={"start": series.start_on(day)}
                )
        except IntegrityError:  # a concurrent run created it first
            continue
        if made:
            created.append(meeting)
    return created


def mark_meetings_held(*, now: datetime.datetime | None = None) -> list[int]:
    """Published meetings that have ended (start + the series' limit) become held; returns
    their ids. Drafts and cancelled meetings stay as they are. Idempotent, for beat or cron.

    The rows are locked and re-read in one transaction, so a convener moving or cancelling the
    meeting at the same moment either goes first (and is respected) or waits. The version is
    left alone: the minutes page, open right after the meeting, must not be refused as stale
    because of it. The change lands in the meeting's history like any other.

    Then live sessions nobody ended, long past their meeting's hard limit, are ended as of
    their driver's last sign of life (actions.live_end.end_forgotten_sessions), so watchers
    stop polling and what was not reached is proposed again."""
    now = now or timezone.now()
    with transaction.atomic():
        running = list(
            Meeting.objects.select_for_update(of=("self",))
            .filter(state=Meeting.State.PUBLISHED, start__lte=now)
            .select_related("series")
        )
        ended = [meeting for meeting in running if meeting_end(meeting) <= now]
        for meeting in ended:
            meeting.state = Meeting.State.HELD
        if ended:
            bulk_update_with_history(
                ended,
                Meeting,
                ["state"],
                default_date=now,
                default_change_reason="The meeting has ended.",
            )
    live_end.end_forgotten_sessions(now=now)
    return [meeting.pk for meeting in ended]


# --- minutes -----------------------------------------------------------------------------
