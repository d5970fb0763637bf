"""What a deliverable card (my deliverables, its own page) and a board tile print.

Presenters: they load what a card shows in a constant number of queries and work out its
labels, links and badges once per card in Python, so templates only write strings.
"""

import datetime
from collections.abc import Callable

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core.access import can_assign_owners, can_edit_deliverable, can_take_deliverable
from deliverables.forms import assignable_owners
from deliverables.models import Deliverable

# --- fetching -------------------------------------------------------------------------------


def local_today() -> datetime.date:
    return timezone.localdate()


def card_queryset(queryset: QuerySet) -> QuerySet:
    """Everything a card shows, in a constant number of queries."""
    return (
        queryset.with_slip_info()
        .select_related("period", "project", "task_force", "roadmap")
        # A roadmap's baseline is a JSON copy of its whole plan: decoding it once per card
        # was 40 % of the roadmap page (issue 7). Cards never show it.
        .defer("roadmap__baseline")
        .prefetch_related("owners")
    )


def url_maker(name: str) -> Callable[[int], str]:
    """reverse() once per page; each card's URL by substitution (a reverse() per link per
    card was a tenth of a page of cards)."""
    marker = 987654321
    head, _, tail = reverse(name, args=[marker]).partition(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def day_label(day: datetime.date | None) -> str:
    """ "3 Mar 2026", as the date filter's "j M Y" writes it."""
    return f"{day.day} {day:%b %Y}" if day else ""


def decorate(items, user, today: datetime.date, *, marks: dict[int, str] | None = None):
    """Per-card facts a template cannot compute (they need today or the user), and what the
    card prints, worked out once per card in Python (the template only writes strings)."""
    urls = {
        name: url_maker(name)
        for name in ("deliverable", "deliverable-status", "deliverable-move", "roadmap-detail")
    }
    urls.update({name: url_maker(name) for name in ("deliverable-owners", "deliverable-take")})
    statuses = dict(Deliverable.Status.choices)
    times = "\N{MULTIPLICATION SIGN}"
    people: list | None = None  # who can be made an owner: read once, for the first card
    for item in items:
        owners = list(item.owners.all())
        item.user_can_assign = can_assign_owners(user, item)
        item.user_can_take = not owners and not item.is_closed and can_take_deliverable(user, item)
        item.owners_url = urls["deliverable-owners"](item.pk)
        item.take_url = urls["deliverable-take"](item.pk)
        if item.user_can_assign:
            people = list(assignable_owners()) if people is None else people
            owner_ids = {owner.pk for owner in owners}
            extra = [owner for owner in owners if owner not in people]
            item.owner_choices = [
                (person.pk, person.display_name, person.pk in owner_ids)
                for person in [*people, *extra]
            ]
        item.slips = item.slip_count(today)
        item.slip_since = item.slipped_since(today) if item.slips else None
        item.late = item.is_overdue(today)
        item.start_by_warning = item.start_by_passed(today)
        item.user_can_edit = not item.is_deleted and can_edit_deliverable(user, item)
        item.change_mark = (marks or {}).get(item.pk, "")
        item.url = urls["deliverable"](item.pk)
        item.status_url = urls["deliverable-status"](item.pk)
        item.move_url = urls["deliverable-move"](item.pk)
        item.roadmap_url = urls["roadmap-detail"](item.roadmap_id)
        item.status_label = statuses.get(item.status, item.status)
        item.owner_names = ", ".join(owner.display_name for owner in item.owners.all())
        item.slip_text = f"Slipped {item.slips}{times} since {day_label(item.slip_since)}"
        item.late_text = f"Late: {item.period.label} ended {day_label(item.period.end)}"
        item.start_by_text = (
            f"Start by {day_label(item.start_by)} (deadline {day_label(item.deadline)})"
            if item.start_by_warning
            else ""
        )
        if item.user_can_edit:
            # The roadmap's periods are prefetched in order (no query per card).
            targets = item.move_targets(item.roadmap.periods.all(), today=today)
            item.move_later = [(period.pk, period.label) for period in targets.later]
            item.move_earlier = [(period.pk, period.label) for period in targets.earlier]
            item.move_default = targets.default.pk if targets.default else ""
    return items


def board_card_queryset(queryset: QuerySet) -> QuerySet:
    """What a tile on the board shows, and no more (no roadmap or task force per card)."""
    return (
        queryset.with_slip_info()
        .select_related("period", "project")
        .prefetch_related(
            Prefetch("owners", queryset=User.objects.only("pk", "name", "username", "first_name"))
        )
    )


def tiles(items, today: datetime.date, *, marks: dict[int, str]):
    """Everything a tile prints, worked out once per card in Python: the template then only
    writes strings (a tile used to cost a dozen lookups, filters and a URL reversal)."""
    url = reverse("deliverable", args=[0])[: -len("0/")]
    statuses = dict(Deliverable.Status.choices)
    for item in items:
        item.url = f"{url}{item.pk}/"
        item.status_label = statuses.get(item.status, item.status)
        item.owner_names = ", ".join(owner.display_name for owner in item.owners.all())
        item.slips = item.slip_count(today)
        since = item.slipped_since(today) if item.slips else None
        item.slip_title = (
            f"Slipped {item.slips} time{'s' if item.slips != 1 else ''}, "
            f"first on {since.day} {since:%b %Y}"
            if since
            else ""
        )
        times = "\N{MULTIPLICATION SIGN}"
        item.slip_text = (
            f"Slipped {item.slips}{times} since {since.day} {since:%b}" if since else ""
        )
        item.start_by_text = (
            f"{item.start_by.day} {item.start_by:%b %Y}" if item.start_by_passed(today) else ""
        )
        item.change_mark = marks.get(item.pk, "")
    return items
