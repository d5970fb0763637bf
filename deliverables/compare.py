"""What changed on a roadmap: against its agreed baseline, or since a given day.

Both answers have the same shape (moved, added, dropped, done), so one template shows them.
"""

import dataclasses
import datetime
from collections import defaultdict

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import dateformat, timezone

from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap


@dataclasses.dataclass(frozen=True)
class Entry:
    id: int
    title: str
    period: str
    exists: bool = True

    @property
    def url(self) -> str | None:
        return reverse("deliverable", args=[self.id]) if self.exists else None


@dataclasses.dataclass(frozen=True)
class Move:
    entry: Entry
    from_period: str
    to_period: str
    later: bool  # a move to a later period is a slip; to an earlier one a pull-in

    @property
    def pulled_in(self) -> bool:
        return not self.later


@dataclasses.dataclass
class Comparison:
    against: str
    moved: list[Move] = dataclasses.field(default_factory=list)
    added: list[Entry] = dataclasses.field(default_factory=list)
    dropped: list[Entry] = dataclasses.field(default_factory=list)
    done: list[Entry] = dataclasses.field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.moved or self.added or self.dropped or self.done)

    @property
    def slipped(self) -> int:
        return sum(1 for move in self.moved if move.later)

    @property
    def pulled_in(self) -> int:
        """Moves to an earlier period: never counted as slips."""
        return sum(1 for move in self.moved if move.pulled_in)

    def marks(self) -> dict[int, str]:
        """Per deliverable id, a short word for its card."""
        marks: dict[int, str] = {}
        for move in self.moved:
            marks[move.entry.id] = "slipped" if move.later else "pulled in"
        for entry in self.added:
            marks[entry.id] = "new"
        for entry in self.done:
            marks.setdefault(entry.id, "done")
        return marks


def _gone(status: str, deleted_at) -> bool:
    return deleted_at is not None or status == Deliverable.Status.DROPPED


def compare_with_baseline(
    roadmap: Roadmap, deliverables: QuerySet, *, complete: bool = True
) -> Comparison:
    """Today's plan against the baseline frozen when the roadmap was agreed.

    `deliverables` is the (filtered) set to look at, soft-deleted ones included; `complete`
    says it is unfiltered, so a baseline item missing from it was deleted outright.
    """
    if roadmap.baseline is None:
        raise ValueError("This roadmap has no agreed baseline.")
    agreed = timezone.localtime(roadmap.agreed_at)
    result = Comparison(against=f"the plan agreed on {dateformat.format(agreed, 'j F Y')}")
    periods = {p.pk: p for p in Period.objects.filter(roadmap=roadmap)}
    current = {
        row["id"]: row
        for row in deliverables.order_by("period__order", "position", "id").values(
            "id", "title", "period_id", "status", "deleted_at"
        )
    }
    baseline_ids = set()
    for entry in roadmap.baseline:
        baseline_ids.add(entry["id"])
        row = current.get(entry["id"])
        if row is None:
            if complete:
                result.dropped.append(Entry(entry["id"], entry["title"], entry["period"], False))
            continue
        label = periods[row["period_id"]].label
        item = Entry(row["id"], row["title"], label)
        if _gone(row["status"], row["deleted_at"]):
            if entry["status"] != Deliverable.Status.DROPPED:
                result.dropped.append(dataclasses.replace(item, exists=row["deleted_at"] is None))
            continue
        if row["period_id"] != entry["period_id"]:
            was = periods.get(entry["period_id"])
            later = was is not None and periods[row["period_id"]].order > was.order
            result.moved.append(Move(item, entry["period"], label, later))
        if row["status"] == Deliverable.Status.DONE and entry["status"] != row["status"]:
            result.done.append(item)
    for row in current.values():
        if row["id"] not in baseline_ids and not _gone(row["status"], row["deleted_at"]):
            result.added.append(Entry(row["id"], row["title"], periods[row["period_id"]].label))
    return result


def compare_since(roadmap: Roadmap, deliverables: QuerySet, since: datetime.date) -> Comparison:
    """What the history says happened from the start of `since` (local time) until now."""
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    result = Comparison(against=dateformat.format(since, "l j F Y"))
    changes: dict[int, list[DeliverableChange]] = defaultdict(list)
    for change in (
        DeliverableChange.objects.filter(deliverable__in=deliverables.values("pk"), at__gte=start)
        .select_related("from_period", "to_period")
        .order_by("at", "id")
    ):
        changes[change.deliverable_id].append(change)
    touched = (
        deliverables.filter(Q(created_at__gte=start) | Q(pk__in=list(changes)))
        .select_related("period")
        .order_by("period__order", "position", "id")
    )
    kind = DeliverableChange.Kind
    for item in touched:
        history = changes.get(item.pk, [])
        entry = Entry(item.pk, item.title, item.period.label)
        created = item.created_at >= start or any(
            c.kind in (kind.CREATED, kind.CARRIED) for c in history
        )
        if _gone(item.status, item.deleted_at):
            went = any(
                c.kind == kind.DELETED
                or (c.kind == kind.STATUS and c.to_status == Deliverable.Status.DROPPED)
                for c in history
            )
            # Added and dropped inside the window is noise, not news.
            if went and not created:
                result.dropped.append(dataclasses.replace(entry, exists=item.deleted_at is None))
            continue
        if created:
            result.added.append(entry)
            continue
        moves = [c for c in history if c.kind in (kind.MOVE, kind.PULL_IN)]
        if moves and moves[0].from_period_id != item.period_id:
            first = moves[0].from_period
            later = first is not None and item.period.order > first.order
            label = first.label if first is not None else "?"
            result.moved.append(Move(entry, label, item.period.label, later))
        if item.status == Deliverable.Status.DONE and any(
            c.kind == kind.STATUS and c.to_status == Deliverable.Status.DONE for c in history
        ):
            result.done.append(entry)
    return result
