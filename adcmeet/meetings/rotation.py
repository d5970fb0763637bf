"""The focus-topic rotation: which activity should be a meeting's focus topic next, and
scheduling one in one click.

Proposals, most pressing first:
  1. activities with a checkpoint soon (within CHECKPOINT_SOON) that have not been a focus
     topic recently (within RECENT) — the nearer the checkpoint, the higher;
  2. then the activities not discussed longest: never a focus topic first, then the oldest
     `last_focus_on`;
  3. last, activities already scheduled on an upcoming meeting (their `last_focus_on` lies
     ahead) or discussed recently.
Paused and closed activities are not proposed.

Scheduling reuses the agenda builder's workflow (adcmeet.meetings.actions): each step claims the
meeting's version with a conditional UPDATE, so a stale page is refused, never applied. A
meeting has one focus topic: if it already has one, scheduling another is refused with
`FocusTopicTaken` unless the convener confirmed the replacement (`replace=True`); the old item
is then removed (soft-deleted, restorable from the agenda builder) and the new one added, in
one transaction. A published meeting's revision grows and an agenda update is queued.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core import access
from adcmeet.meetings import actions
from adcmeet.meetings.mail import meeting_mail
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail
from taskforces.models import Checkpoint, OutlineItem, TaskForce

CHECKPOINT_SOON = datetime.timedelta(weeks=6)
RECENT = datetime.timedelta(weeks=4)
FOCUS_MINUTES = 20
PROPOSED_STATUSES = (TaskForce.Status.ACTIVE, TaskForce.Status.PROPOSED)


class FocusTopicTaken(actions.AgendaError):
    """The meeting already has a focus topic and the convener did not confirm replacing it."""

    status = 409  # the meeting is not as the page showed it: it has a focus topic now

    def __init__(self, meeting: Meeting, existing: AgendaItem):
        self.meeting = meeting
        self.existing = existing
        super().__init__(
            f"{meeting.local_start:%a %d %b} already has a focus topic: “{existing.title}”. "
            "Tick “Replace the current focus topic” and schedule again to swap it."
        )


@dataclass
class Proposal:
    task_force: TaskForce
    tier: int
    reason: str
    next_checkpoint: Checkpoint | None = None
    days_to_checkpoint: int | None = None
    questions: list[OutlineItem] = field(default_factory=list)
    scheduled_on: list[AgendaItem] = field(default_factory=list)

    @property
    def is_scheduled(self) -> bool:
        return bool(self.scheduled_on)


def _weeks_ago(day: datetime.date, today: datetime.date) -> str:
    days = (today - day).days
    if days < 7:
        return f"{days} day{'s' if days != 1 else ''} ago"
    weeks = days // 7
    return f"{weeks} week{'s' if weeks != 1 else ''} ago"


def propose(
    today: datetime.date | None = None, *, user=None, upcoming_meetings=None
) -> list[Proposal]:
    """Every active or proposed activity, most pressing first (see the module docstring).

    A constant number of queries: task forces with their next checkpoint, those checkpoints,
    open questions, and focus items already on upcoming meetings."""
    today = today or timezone.localdate()
    task_forces = list(
        TaskForce.objects.filter(status__in=PROPOSED_STATUSES)
        .with_next_checkpoint(today)
        .order_by("name")
    )
    ids = [tf.pk for tf in task_forces]
    checkpoints = Checkpoint.objects.in_bulk(
        {tf.next_checkpoint_id for tf in task_forces if tf.next_checkpoint_id}
    )
    questions: dict[int, list[OutlineItem]] = defaultdict(list)
    for item in OutlineItem.objects.filter(
        task_force_id__in=ids, kind=OutlineItem.Kind.QUESTION, done=False
    ).order_by("parent_id", "position", "id"):
        questions[item.task_force_id].append(item)
    upcoming = Meeting.objects.upcoming().exclude(state=Meeting.State.CANCELLED)
    if user is not None:
        upcoming = upcoming.visible_to(user)
    if user is not None and not access.reads_every_meeting(user):
        # TaskForce.last_focus_on counts every series; this viewer sees the dates of the
        # meetings they may read only (a private series' schedule stays private).
        last_seen = dict(
            AgendaItem.objects.live()
            .filter(
                section=AgendaItem.Section.FOCUS,
                task_force_id__in=ids,
                meeting__in=Meeting.objects.visible_to(user).exclude(state=Meeting.State.CANCELLED),
            )
            .values("task_force_id")
            .annotate(latest=Max("meeting__scheduled_for"))
            .values_list("task_force_id", "latest")
        )
        for tf in task_forces:
            tf.last_focus_on = last_seen.get(tf.pk)
    scheduled: dict[int, list[AgendaItem]] = defaultdict(list)
    for item in (
        AgendaItem.objects.live()
        .filter(section=AgendaItem.Section.FOCUS, task_force_id__in=ids, meeting__in=upcoming)
        .select_related("meeting__series")
        .order_by("meeting__start")
    ):
        scheduled[item.task_force_id].append(item)

    proposals = []
    for tf in task_forces:
        checkpoint = checkpoints.get(tf.next_checkpoint_id)
        days = checkpoint.days_from(today) if checkpoint else None
        last = tf.last_focus_on
        recent = last is not None and last > today - RECENT
        soon = checkpoint is not None and checkpoint.date - today <= CHECKPOINT_SOON
        if scheduled[tf.pk] or (last is not None and last >= today):
            tier = 2
            when = scheduled[tf.pk][0].meeting if scheduled[tf.pk] else None
            reason = (
                f"Already scheduled for {when.local_start:%a %d %b}"
                if when
                else f"Scheduled for {last:%a %d %b}"
            )
        elif soon and not recent:
            tier = 0
            reason = f"{checkpoint.name} in {days} day{'s' if days != 1 else ''}"
            reason += (
                "; never a focus topic"
                if last is None
                else f"; last focus topic {_weeks_ago(last, today)}"
            )
        elif recent:
            tier = 2
            reason = f"Focus topic {_weeks_ago(last, today)}"
        else:
            tier = 1
            reason = (
                "Never a focus topic"
                if last is None
                else f"Last focus topic {last:%d %b %Y}, {_weeks_ago(last, today)}"
            )
        proposals.append(
            Proposal(
                task_force=tf,
                tier=tier,
                reason=reason,
                next_checkpoint=checkpoint,
                days_to_checkpoint=days,
                questions=questions[tf.pk],
                scheduled_on=scheduled[tf.pk],
            )
        )

    def key(p: Proposal):
        last = p.task_force.last_focus_on
        if p.tier == 0:
            return (0, p.days_to_checkpoint, last or datetime.date.min, p.task_force.name.lower())
        # Never discussed sorts before any date; then the oldest first.
        return (p.tier, 0, last or datetime.date.min, p.task_force.name.lower())

    return sorted(proposals, key=key)


def focus_title(task_force: TaskForce, question: OutlineItem | None) -> str:
    """ "Rucio" or, with one of its open questions, "Rucio: how can other areas leverage it?"."""
    if question is None:
        return task_force.name
    title = f"{task_force.name}: {question.text}"
    limit = AgendaItem._meta.get_field("title").max_length
    return title if len(title) <= limit else title[: limit - 1] + "…"


def schedule_focus_topic(
    *,
    meeting: Meeting,
    version: int,
    by: User | None,
    task_force: TaskForce,
    question: OutlineItem | None = None,
    replace: bool = False,
    duration_minutes: int = FOCUS_MINUTES,
) -> AgendaItem:
    """Make `task_force` the focus topic of `meeting` (first item of the agenda).

    Raises actions.StaleVersion when the meeting changed since `version` was read,
    FocusTopicTaken when it already has a focus topic and `replace` is False, and
    actions.AgendaError for anything else the agenda refuses (a cancelled or past meeting,
    a question of another task force)."""
    if question is not None and (
        question.task_force_id != task_force.pk or question.kind != OutlineItem.Kind.QUESTION
    ):
        raise actions.AgendaError("That question is not one of this task force's questions.")
    with transaction.atomic():
        fresh = actions.claim_meeting(meeting, version)
        version = fresh.version
        if fresh.state in (Meeting.State.CANCELLED, Meeting.State.HELD):
            raise actions.AgendaError(
                f"That meeting is {fresh.get_state_display().lower()}; "
                "choose an upcoming one for the focus topic."
            )
        existing = list(
            fresh.items.live().filter(section=AgendaItem.Section.FOCUS).order_by("position")
        )
        if existing and not replace:
            raise FocusTopicTaken(fresh, existing[0])
        # Each agenda step claims the version it was given and bumps it by one.
        for old in existing:
            actions.remove_item(item=old, version=version, by=by)
            version += 1
        change = actions.add_item(
            meeting=fresh,
            version=version,
            by=by,
            section=AgendaItem.Section.FOCUS,
            title=focus_title(task_force, question),
            duration_minutes=duration_minutes,
            task_force=task_force,
            outline_item=question,
        )
        item, fresh = change.item, change.meeting
        if fresh.state == Meeting.State.PUBLISHED:
            # The update goes out now, so nothing is left unannounced.
            Meeting.objects.filter(pk=fresh.pk).update(announced_revision=F("revision"))
            fresh.announced_revision = fresh.revision
            meeting_mail.queue_meeting_mail(fresh, OutboundMail.Kind.AGENDA_UPDATE)
    task_force.refresh_from_db(fields=["last_focus_on"])
    return item
