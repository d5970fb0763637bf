"""The roadmap's reads over many rows: what a period holds and which deliverables slipped.

The models import these QuerySets; the QuerySets find the other models through the app
registry when they run (`apps.get_model`, as a foreign key names its model by a string), so the
models package has no import cycle, not even one hidden in a function.
"""

import dataclasses
import datetime

from django.apps import apps
from django.db import models
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone


class PeriodQuerySet(models.QuerySet):
    def with_counts(self, today: datetime.date | None = None):
        """Per period, in one query: planned, done, open, tentative and slipped.

        A deliverable moved to a later period slipped *from* the period it left, so it counts
        as planned and slipped there (and as planned in its new period); an open item whose
        period has ended slipped where it stands. Done and dropped items never slip.
        """
        Deliverable = apps.get_model("deliverables", "Deliverable")
        DeliverableChange = apps.get_model("deliverables", "DeliverableChange")

        today = today or timezone.localdate()
        live = Q(deliverables__deleted_at__isnull=True)
        open_ = live & ~Q(deliverables__status__in=Deliverable.CLOSED_STATUSES)
        moved_out = (
            DeliverableChange.objects.filter(
                from_period=OuterRef("pk"), is_slip=True, deliverable__deleted_at__isnull=True
            )
            .exclude(deliverable__period=OuterRef("pk"))
            .order_by()
            .values("from_period")
            .annotate(n=Count("deliverable", distinct=True))
            .values("n")
        )
        return self.annotate(
            n_here=Count("deliverables", filter=live, distinct=True),
            n_done=Count(
                "deliverables", filter=live & Q(deliverables__status="done"), distinct=True
            ),
            n_open=Count("deliverables", filter=open_, distinct=True),
            n_tentative=Count(
                "deliverables", filter=live & Q(deliverables__tentative=True), distinct=True
            ),
            n_overdue=Count("deliverables", filter=open_ & Q(end__lt=today), distinct=True),
            n_moved_out=Coalesce(Subquery(moved_out), 0),
        ).annotate(
            n_planned=F("n_here") + F("n_moved_out"),
            n_slipped=F("n_overdue") + F("n_moved_out"),
        )


@dataclasses.dataclass
class PeriodTally:
    """What one period holds: the numbers behind a roadmap column and a bar of the chart."""

    here: int = 0
    done: int = 0
    dropped: int = 0
    open: int = 0
    overdue: int = 0
    tentative: int = 0
    moved_out: int = 0

    @property
    def planned(self) -> int:
        return self.here + self.moved_out

    @property
    def slipped(self) -> int:
        return self.overdue + self.moved_out

    @property
    def on_track(self) -> int:
        return self.open - self.overdue


class DeliverableQuerySet(models.QuerySet):
    def live(self):
        """Not soft-deleted."""
        return self.filter(deleted_at__isnull=True)

    def open(self):
        Deliverable = apps.get_model("deliverables", "Deliverable")

        return self.live().exclude(status__in=Deliverable.CLOSED_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        """Open items whose period has ended ("Later" never ends)."""
        today = today or timezone.localdate()
        return self.open().filter(period__end__lt=today)

    def start_by_passed(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.open().filter(start_by__lte=today)

    def owned_by(self, user):
        return self.filter(owners=user)

    def without_successor(self):
        """Not carried over into a newer roadmap: an item that was carried is followed up
        there, so reminders and cross-roadmap lists should skip the old copy."""
        Deliverable = apps.get_model("deliverables", "Deliverable")

        return self.exclude(Exists(Deliverable.objects.filter(carried_from=OuterRef("pk"))))

    def with_slip_info(self):
        """Annotate n_slip_moves (moves to a later period) and first_slip_at, as subqueries so
        they combine with windows and joins without a GROUP BY."""
        DeliverableChange = apps.get_model("deliverables", "DeliverableChange")

        slips = (
            DeliverableChange.objects.filter(deliverable=OuterRef("pk"), is_slip=True)
            .order_by()
            .values("deliverable")
        )
        return self.annotate(
            n_slip_moves=Coalesce(Subquery(slips.annotate(n=Count("id")).values("n")), 0),
            first_slip_at=Subquery(slips.annotate(first=Min("at")).values("first")),
        )

    def period_tallies(self, today: datetime.date | None = None) -> dict[int, "PeriodTally"]:
        """Per period id, for the deliverables of this (filtered) queryset: planned, done,
        open, overdue, dropped, tentative and moved out (slipped away to a later period).

        Two queries whatever the number of deliverables."""
        Deliverable = apps.get_model("deliverables", "Deliverable")
        DeliverableChange = apps.get_model("deliverables", "DeliverableChange")

        today = today or timezone.localdate()
        live = self.live()
        closed = Deliverable.CLOSED_STATUSES
        rows = (
            live.order_by()
            .values("period_id")
            .annotate(
                here=Count("id"),
                done=Count("id", filter=Q(status=Deliverable.Status.DONE)),
                dropped=Count("id", filter=Q(status=Deliverable.Status.DROPPED)),
                open=Count("id", filter=~Q(status__in=closed)),
                overdue=Count("id", filter=~Q(status__in=closed) & Q(period__end__lt=today)),
                tentative=Count("id", filter=Q(tentative=True)),
            )
        )
        tallies: dict[int, PeriodTally] = {}
        for row in rows:
            tallies[row["period_id"]] = PeriodTally(
                here=row["here"],
                done=row["done"],
                dropped=row["dropped"],
                open=row["open"],
                overdue=row["overdue"],
                tentative=row["tentative"],
            )
        moved_out = (
            DeliverableChange.objects.filter(
                is_slip=True, deliverable__in=live.order_by().values("pk")
            )
            .exclude(deliverable__period=F("from_period"))
            .order_by()
            .values("from_period_id")
            .annotate(n=Count("deliverable", distinct=True))
        )
        for row in moved_out:
            tally = tallies.setdefault(row["from_period_id"], PeriodTally())
            tally.moved_out = row["n"]
        return tallies

    def slipped(self, on: datetime.date | None = None):
        """Slipped as of `on`: the period ended with the item still open, or it was moved to
        a later period. Done and dropped items whose period ended on time never slip."""
        Deliverable = apps.get_model("deliverables", "Deliverable")
        DeliverableChange = apps.get_model("deliverables", "DeliverableChange")

        on = on or timezone.localdate()
        moved_later = Exists(
            DeliverableChange.objects.filter(
                deliverable=OuterRef("pk"), is_slip=True, at__date__lte=on
            )
        )
        return self.live().filter(
            (~Q(status__in=Deliverable.CLOSED_STATUSES) & Q(period__end__lt=on)) | Q(moved_later)
        )
