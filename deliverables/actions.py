"""Roadmap workflows that write history: one keyword-only function each, one transaction each.

Views check permissions (adcmeet.core.access) before calling these; the functions enforce the
domain rules (reasons, transitions, versions) so every caller, web or command, gets them.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from adcmeet.accounts.models import User
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap


class ActionError(Exception):
    """A change the rules refuse; the message is written for the person who tried it."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleVersion(ActionError):
    """Someone else changed the deliverable since this edit was started."""

    def __init__(self, deliverable: Deliverable):
        super().__init__(
            "Someone else changed this deliverable in the meantime; "
            "here is how it stands now. Please check and try again."
        )
        self.deliverable = deliverable


def _claim(deliverable: Deliverable, version: int, *, deleted: bool = False) -> None:
    """Bump the version with `UPDATE … WHERE version = n`, then reload the locked row.

    Zero rows means the edit was based on an old state: refuse it and hand back the fresh one.
    """
    claimed = Deliverable.objects.filter(
        pk=deliverable.pk, version=version, deleted_at__isnull=not deleted
    ).update(version=F("version") + 1)
    if claimed != 1:
        fresh = Deliverable.objects.filter(pk=deliverable.pk).first()
        if fresh is not None and fresh.version == version:
            state = "deleted" if fresh.is_deleted else "not deleted"
            raise ActionError(f"This deliverable is {state}.")
        raise StaleVersion(fresh or deliverable)
    deliverable.refresh_from_db()


def _record(deliverable: Deliverable, by: User | None, **fields) -> DeliverableChange:
    return DeliverableChange.objects.create(deliverable=deliverable, by=by, **fields)


def _save(deliverable: Deliverable, by: User | None, fields: list[str]) -> None:
    # The audit trail (simple_history) names the user even outside a request.
    deliverable._history_user = by
    deliverable.save(update_fields=[*fields, "updated_at"])


def set_status(
    deliverable: Deliverable,
    *,
    status: str,
    by: User | None,
    version: int,
    reason: str = "",
    today: datetime.date | None = None,
) -> DeliverableChange:
    """Mark planned / in progress / at risk / done / dropped; done records the day."""
    try:
        new_status = Deliverable.Status(status)
    except ValueError:
        raise ActionError(f"{status!r} is not a status.", field="status") from None
    with transaction.atomic():
        _claim(deliverable, version)
        old_status = deliverable.status
        if new_status == old_status:
            raise ActionError(f"It is already {new_status.label.lower()}.", field="status")
        deliverable.status = new_status
        is_done = new_status == Deliverable.Status.DONE
        deliverable.done_on = (today or timezone.localdate()) if is_done else None
        _save(deliverable, by, ["status", "done_on"])
        return _record(
            deliverable,
            by,
            kind=DeliverableChange.Kind.STATUS,
            from_status=old_status,
            to_status=new_status,
            reason=reason.strip(),
        )


def move_to_period(
    deliverable: Deliverable, *, period: Period, by: User | None, version: int, reason: str
) -> DeliverableChange:
    """Move to another period of the same roadmap, saying why. An open deliverable moved to a
    later period slipped: that move is the first-class slip event."""
    reason = reason.strip()
    if not reason:
        raise ActionError(
            "Say why it moves (for example: waiting for AGIS schema).", field="reason"
        )
    if period.roadmap_id != deliverable.roadmap_id:
        raise ActionError("That period belongs to another roadmap.", field="period")
    with transaction.atomic():
        _claim(deliverable, version)
        old_period = deliverable.period
        if period.pk == old_period.pk:
            raise ActionError(f"It is already in {period.label}.", field="period")
        is_slip = period.is_later_than(old_period) and not deliverable.is_closed
        deliverable.period = period
        _save(deliverable, by, ["period"])
        return _record(
            deliverable,
            by,
            kind=DeliverableChange.Kind.MOVE,
            from_period=old_period,
            to_period=period,
            is_slip=is_slip,
            reason=reason,
        )


def delete_deliverable(
    deliverable: Deliverable, *, by: User | None, version: int, reason: str = ""
) -> DeliverableChange:
    """Take it off the roadmap (a duplicate, a mistake); history stays and it can come back.
    Work that will not happen is dropped instead, which comparisons report."""
    with transaction.atomic():
        _claim(deliverable, version)
        deliverable.deleted_at = timezone.now()
        _save(deliverable, by, ["deleted_at"])
        return _record(deliverable, by, kind=DeliverableChange.Kind.DELETED, reason=reason.strip())


def restore_deliverable(
    deliverable: Deliverable, *, by: User | None, version: int
) -> DeliverableChange:
    with transaction.atomic():
        _claim(deliverable, version, deleted=True)
        deliverable.deleted_at = None
        _save(deliverable, by, ["deleted_at"])
        return _record(deliverable, by, kind=DeliverableChange.Kind.RESTORED)


def _owner_names(users) -> list[str]:
    return sorted((user.display_name for user in users), key=str.lower)


def record_owner_change(
    deliverable: Deliverable, *, before, after, by: User | None
) -> DeliverableChange | None:
    """Write an OWNERS history row when the set of owners differs; None when it does not."""
    before, after = list(before), list(after)
    if {user.pk for user in before} == {user.pk for user in after}:
        return None
    return _record(
        deliverable,
        by,
        kind=DeliverableChange.Kind.OWNERS,
        owners={"from": _owner_names(before), "to": _owner_names(after)},
    )


@transaction.atomic
def set_owners(deliverable: Deliverable, *, owners, by: User | None) -> DeliverableChange | None:
    """Replace who owns a deliverable and record it in its history (simple_history does not
    follow many-to-many fields). Returns the history row, or None when nothing changed."""
    Deliverable.objects.select_for_update().filter(pk=deliverable.pk).first()
    owners = list(owners)
    before = list(deliverable.owners.all())
    deliverable.owners.set(owners)
    return record_owner_change(deliverable, before=before, after=owners, by=by)


# --- roadmaps -----------------------------------------------------------------------------


def _locked(roadmap: Roadmap) -> Roadmap:
    return Roadmap.objects.select_for_update().get(pk=roadmap.pk)


def advance_roadmap(roadmap: Roadmap, *, to_state: str, by: User | None) -> Roadmap:
    """strawman → draft → agreed, one step at a time (agreeing freezes the baseline)."""
    if to_state == Roadmap.State.AGREED:
        return agree_roadmap(roadmap, by=by)
    with transaction.atomic():
        fresh = _locked(roadmap)
        if fresh.next_state != to_state:
            raise ActionError(
                f"A {fresh.get_state_display().lower()} roadmap cannot become {to_state}."
            )
        fresh.state = to_state
        fresh._history_user = by
        fresh.save(update_fields=["state", "updated_at"])
    roadmap.refresh_from_db()
    return roadmap


def agree_roadmap(roadmap: Roadmap, *, by: User | None) -> Roadmap:
    """Draft → agreed: freeze today's plan as the baseline later comparisons are made against."""
    with transaction.atomic():
        fresh = _locked(roadmap)
        if fresh.state != Roadmap.State.DRAFT:
            raise ActionError(
                f"Only a draft can be agreed; this roadmap is {fresh.get_state_display().lower()}."
            )
        fresh.state = Roadmap.State.AGREED
        fresh.agreed_at = timezone.now()
        fresh.baseline = fresh.baseline_snapshot()
        fresh._history_user = by
        fresh.save(update_fields=["state", "agreed_at", "baseline", "updated_at"])
    roadmap.refresh_from_db()
    return roadmap


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def carry_over(roadmap: Roadmap, *, name: str, year: int, by: User | None) -> Roadmap:
    """Start a new strawman from the open items of `roadmap`.

    The periods are copied (dates moved by the difference in years); every open deliverable
    gets a successor pointing back at it (`carried_from`) with a CARRIED change, so its
    history and slips stay reachable. The old roadmap is left exactly as it was.
    """
    name = name.strip()
    if not name:
        raise ActionError("Give the new roadmap a name.", field="name")
    if Roadmap.objects.filter(name=name, year=year).exists():
        raise ActionError(f"There is already a roadmap “{name} {year}”.", field="name")
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
        raise ActionError(f"There is already a roadmap “{name} {year}”.", field="name") from None
    return successor
