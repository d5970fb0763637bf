"""A roadmap's workflows: its state (strawman, draft, agreed) and the agreement's undo,
creating one, carrying the open work over into next year's."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from adcmeet.accounts.models import User
from adcmeet.core.versioning import Refused, claimed
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap


def advance_roadmap(
    roadmap: Roadmap, *, to_state: str, by: User | None, version: int | None
) -> Roadmap:
    """strawman → draft → agreed, one step at a time (agreeing freezes the baseline)."""
    if to_state == Roadmap.State.AGREED:
        return agree_roadmap(roadmap, by=by, version=version)
    with claimed(roadmap, version):
        if roadmap.next_state != to_state:
            raise Refused(
                f"A {roadmap.get_state_display().lower()} roadmap cannot become {to_state}."
            )
        roadmap.state = to_state
        roadmap._history_user = by
        roadmap.save(update_fields=["state", "updated_at"])
    return roadmap


def agree_roadmap(roadmap: Roadmap, *, by: User | None, version: int | None) -> Roadmap:
    """Draft → agreed: freeze today's plan as the baseline later comparisons are made against.

    The version claimed is the one the manager saw: a plan changed since (an import, another
    manager's step) is refused rather than frozen unseen."""
    with claimed(roadmap, version):
        if roadmap.state != Roadmap.State.DRAFT:
            raise Refused(
                "Only a draft can be agreed; this roadmap is "
                f"{roadmap.get_state_display().lower()}."
            )
        roadmap.state = Roadmap.State.AGREED
        roadmap.agreed_at = timezone.now()
        roadmap.baseline = roadmap.baseline_snapshot()
        roadmap._history_user = by
        roadmap.save(update_fields=["state", "agreed_at", "baseline", "updated_at"])
    return roadmap


# "Agree" freezes the baseline; a click on the wrong roadmap (or too early) can be taken back
# for a while, but only while the frozen plan is still today's plan: once anything was moved
# or changed, later comparisons may already have been read against it.
AGREEMENT_UNDO_WINDOW = datetime.timedelta(minutes=30)


def agreement_undo_deadline(
    roadmap: Roadmap, *, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """Until when the agreement can be undone, or None when it cannot (any more)."""
    if not roadmap.is_agreed or roadmap.agreed_at is None:
        return None
    deadline = roadmap.agreed_at + AGREEMENT_UNDO_WINDOW
    if (now or timezone.now()) > deadline:
        return None
    changed = DeliverableChange.objects.filter(
        deliverable__roadmap=roadmap, at__gte=roadmap.agreed_at
    ).exists()
    return None if changed else deadline


def undo_agreement(
    roadmap: Roadmap, *, by: User | None, version: int | None, now: datetime.datetime | None = None
) -> Roadmap:
    """Agreed → draft again, the baseline dropped: allowed within AGREEMENT_UNDO_WINDOW of the
    agreement while no deliverable of the roadmap changed since. The roadmap's history records
    the step back with who took it and why."""
    with claimed(roadmap, version):
        if not roadmap.is_agreed:
            raise Refused("This roadmap is not agreed: there is nothing to undo.")
        if agreement_undo_deadline(roadmap, now=now) is None:
            raise Refused(
                "The agreement can no longer be undone: it is more than "
                f"{AGREEMENT_UNDO_WINDOW.seconds // 60} minutes old, or the plan changed since."
            )
        roadmap.state = Roadmap.State.DRAFT
        roadmap.agreed_at = None
        roadmap.baseline = None
        roadmap._history_user = by
        roadmap._change_reason = "Agreement undone"
        roadmap.save(update_fields=["state", "agreed_at", "baseline", "updated_at"])
    return roadmap


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def create_roadmap(*, name: str, year: int, by: User | None) -> Roadmap:
    """A new, empty strawman roadmap. Its name and year are unique: the form checks first, and
    two managers creating the same one at the same moment get the refusal too (the
    database's constraint, caught in a savepoint), never an error page."""
    name = name.strip()
    if not name:
        raise Refused("Give the new roadmap a name.", field="name")
    try:
        with transaction.atomic():
            created = Roadmap(name=name, year=year)
            created._history_user = by
            created.save()
    except IntegrityError:
        raise Refused(f"There is already a roadmap “{name} {year}”.", field="name") from None
    return created


def carry_over(roadmap: Roadmap, *, name: str, year: int, by: User | None) -> Roadmap:
    """Start a new strawman from the open items of `roadmap`.

    The periods are copied (dates moved by the difference in years); every open deliverable
    gets a successor pointing back at it (`carried_from`) with a CARRIED change, so its
    history and slips stay reachable. The old roadmap is left exactly as it was.
    """
    name = name.strip()
    if not name:
        raise Refused("Give the new roadmap a name.", field="name")
    if Roadmap.objects.filter(name=name, year=year).exists():
        raise Refused(f"There is already a roadmap “{name} {year}”.", field="name")
    shift = year - roadmap.year
    try:
        with transaction.atomic():
            successor = Roadmap(name=name, year=year, carried_from=roadmap)
            successor._history_user = by
            successor.save()
            new_periods: dict[int, Period] = {}
            for period in roadmap.periods.order_by("order"):
                new_periods[period.pk] = Period.objects.create(
                    roadmap=successor,
                    label=period.label,
                    order=period.order,
                    start=_shift_year(period.start, shift),
                    end=_shift_year(period.end, shift) if period.end else None,
                )
            old_items = list(
                roadmap.deliverables.open()
                .prefetch_related("owners")
                .order_by("period__order", "position", "id")
            )
            copies = [
                Deliverable(
                    roadmap=successor,
                    period=new_periods[item.period_id],
                    title=item.title,
                    project_id=item.project_id,
                    tentative=item.tentative,
                    status=item.status,
                    deadline=item.deadline,
                    lead_time_days=item.lead_time_days,
                    start_by=item.compute_start_by(),
                    task_force_id=item.task_force_id,
                    notes=item.notes,
                    position=item.position,
                    carried_from=item,
                )
                for item in old_items
            ]
            copies = bulk_create_with_history(copies, Deliverable, default_user=by)
            owner_links = [
                Deliverable.owners.through(deliverable_id=copy.pk, user_id=owner.pk)
                for item, copy in zip(old_items, copies, strict=True)
                for owner in item.owners.all()
            ]
            Deliverable.owners.through.objects.bulk_create(owner_links)
            now = timezone.now()
            DeliverableChange.objects.bulk_create(
                DeliverableChange(
                    deliverable=copy,
                    kind=DeliverableChange.Kind.CARRIED,
                    at=now,
                    by=by,
                    from_period_id=item.period_id,
                    to_period=copy.period,
                    from_status=item.status,
                    to_status=copy.status,
                    reason=f"Carried over from {roadmap}",
                )
                for item, copy in zip(old_items, copies, strict=True)
            )
    except IntegrityError:
        # Two managers carrying over under the same name at the same moment.
        raise Refused(f"There is already a roadmap “{name} {year}”.", field="name") from None
    return successor
