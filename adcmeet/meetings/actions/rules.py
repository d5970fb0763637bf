"""The meeting's rules over its whole agenda, in one place, held after every change.

Every action that changes an agenda calls `hold(meeting, agenda, before=…)` once it applied
its change, inside its transaction: a refusal raises an `AgendaError` and rolls the change
back, so no path (an add, an edit of a duration, a move between sections, a copy from last
week, accepted tracking proposals, a restored item, a rescheduled focus topic) can leave the
agenda breaking them. Publishing checks the same rules through `check_publishable`; the
scheduled "updated agenda" mail asks `publishable_now` before it sends anything.

- **Time budget.** A published agenda never runs over the series' limit
  (`MeetingSeries.limit_minutes`); over its objective (`target_minutes`) is only a warning. A
  draft may be over while it is being built, but it cannot be published so. A published
  agenda found over the limit (data from before this rule, or written past the actions) may
  still be shortened: a change that makes it shorter is allowed, anything else refused.
- **Focus topic.** At most one live focus topic per meeting (backed by the partial unique
  index `one_live_focus_topic`), always first (the section order puts it there, and
  `move_item` keeps it in its section). Publishing an agenda without one asks the convener to
  confirm (`without_focus=True`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Sum

from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings.actions.common import AgendaError, Section, budget
from adcmeet.meetings.models import AgendaItem, Meeting, MeetingSeries


class OverLimit(AgendaError):
    """The change would leave a published agenda (or the one being published) over the
    series' limit."""


class SecondFocusTopic(AgendaError):
    """The meeting already has a live focus topic."""


class NoFocusTopic(AgendaError):
    """Publishing an agenda with no focus topic, not confirmed."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "The agenda has no focus topic. Add one, or tick “Publish without a focus "
            "topic” and publish again."
        )


def minutes_of(meeting: Meeting, items: Sequence[AgendaItem] | None = None) -> int:
    """The agenda's planned length: from `items` (the live agenda a change just left, no
    query) or read as one sum."""
    if items is not None:
        return sum(item.duration_minutes for item in items)
    total = meeting.items.live().aggregate(total=Sum("duration_minutes"))["total"]
    return total or 0


def hold(
    meeting: Meeting,
    items: Sequence[AgendaItem] | None = None,
    *,
    before: Sequence[AgendaItem] | None = None,
) -> None:
    """After a change of `meeting`'s agenda, inside its transaction: refuse it if it leaves a
    published agenda over the series' limit (unless it shortened one that already was).

    `items` is the live agenda as the change left it, `before` as it was (both optional: read
    when missing). A draft is never refused here: it is checked when it is published."""
    if meeting.state != Meeting.State.PUBLISHED:
        return
    limit = meeting.series.limit_minutes
    total = minutes_of(meeting, items)
    if total <= limit:
        return
    if before is not None and total < minutes_of(meeting, before):
        return  # an agenda already over the limit, made shorter: on its way back
    raise OverLimit(
        f"The agenda is published: this change would make it run {total} min, "
        f"{total - limit} min over the {limit}-min limit of the series, so it was not "
        "applied. Shorten or drop other items first."
    )


def ensure_room_for_focus(items: Sequence[AgendaItem], *, adding: AgendaItem | None = None):
    """Before a focus topic joins the live agenda (`items`): refuse a second one."""
    existing = next(
        (
            item
            for item in items
            if item.section == Section.FOCUS and (adding is None or item.pk != adding.pk)
        ),
        None,
    )
    if existing is not None:
        raise SecondFocusTopic(
            f"This meeting already has a focus topic, “{existing.title}”: a meeting has one. "
            "Remove it first, or edit it instead."
        )


def check_publishable(
    meeting: Meeting, items: Sequence[AgendaItem], *, without_focus: bool = False
) -> agenda_lib.Budget:
    """What publishing `items` (the live agenda, in running order) needs: at least one item,
    no more than the series' limit, and a focus topic or the convener's confirmation. Returns
    the budget (its `over_target` is the warning to show)."""
    if not items:
        raise AgendaError("Add at least one item before publishing the agenda.")
    plan = budget(meeting, items)
    if plan.over_limit:
        raise OverLimit("Publishing refused. " + plan.message)
    if not without_focus and not any(item.section == Section.FOCUS for item in items):
        raise NoFocusTopic()
    return plan


def publishable_now(meeting: Meeting, items: Sequence[AgendaItem] | None = None) -> str:
    """Why the agenda of `meeting` could not be published as it is ("" if it could): what
    an automatic mail checks before sending an agenda in the convener's name."""
    total = minutes_of(meeting, items)
    limit = meeting.series.limit_minutes
    if total > limit:
        return agenda_lib.limit_message(total, limit)
    return ""


def series_limit_problem(series: MeetingSeries, limit_minutes: int) -> str:
    """Why `series` cannot take `limit_minutes` as its limit ("" if it can): a published
    agenda of one of its meetings runs longer (it would then be published over the limit)."""
    longest = (
        AgendaItem.objects.live()
        .filter(meeting__series=series, meeting__state=Meeting.State.PUBLISHED)
        .values("meeting")
        .annotate(total=Sum("duration_minutes"))
        .filter(total__gt=limit_minutes)
        .order_by("-total")
        .values_list("meeting", "total")
        .first()
    )
    if longest is None:
        return ""
    meeting = Meeting.objects.select_related("series").get(pk=longest[0])
    return (
        f"The published agenda of {meeting} runs {longest[1]} min: the limit cannot go below "
        "that. Shorten that agenda first."
    )
