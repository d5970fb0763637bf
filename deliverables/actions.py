"""Roadmap workflows that write history: one keyword-only function each, one transaction each.

Views check permissions (adcmeet.core.access) before calling these; the functions enforce the
domain rules (reasons, transitions, versions) so every caller, web or command, gets them.
Every change to a deliverable or a roadmap first claims the version its caller read
(adcmeet.core.versioning.claim): a stale one is refused with `Conflict` (409), a rule with
`Refused` (422).
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from adcmeet.accounts.models import User
from adcmeet.core.versioning import Refused, claim, claimed
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap


def _check_deleted(deliverable: Deliverable, *, deleted: bool = False) -> None:
    if deliverable.is_deleted != deleted:
        state = "deleted" if deliverable.is_deleted else "not deleted"
        raise Refused(f"This deliverable is {state}.")


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
    version: int | None,
    reason: str = "",
    today: datetime.date | None = None,
) -> DeliverableChange:
    """Mark planned / in progress / at risk / done / dropped; done records the day."""
    try:
        new_status = Deliverable.Status(status)
    except ValueError:
        raise Refused(f"{status!r} is not a status.", field="status") from None
    with claimed(deliverable, version):
        _check_deleted(deliverable)
        old_status = deliverable.status
        if new_status == old_status:
            raise Refused(f"It is already {new_status.label.lower()}.", field="status")
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


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Refused("Say why it moves (for example: waiting for AGIS schema).", field="reason")
    return reason


def _apply_move(
    deliverable: Deliverable,
    period: Period,
    *,
    by: User | None,
    reason: str,
    today: datetime.date | None = None,
) -> DeliverableChange:
    """Move the claimed deliverable (the caller saves it) and record the move as the rules
    classify it: a slip (later, while open), a pull-in (earlier) or a plain move."""
    move = deliverable.plan_move(period, today=today)
    deliverable.period = period
    return _record(
        deliverable,
        by,
        kind=move.kind,
        from_period=move.source,
        to_period=move.target,
        is_slip=move.is_slip,
        reason=reason,
    )


def move_to_period(
    deliverable: Deliverable,
    *,
    period: Period,
    by: User | None,
    version: int | None,
    reason: str,
    today: datetime.date | None = None,
) -> DeliverableChange:
    """Move to another period of the same roadmap, saying why. An open deliverable moved to a
    later period slipped: that move is the first-class slip event. Moved to an earlier period
    it is pulled in, recorded as such and never counted as a slip."""
    reason = _reason(reason)
    with claimed(deliverable, version):
        _check_deleted(deliverable)
        change = _apply_move(deliverable, period, by=by, reason=reason, today=today)
        _save(deliverable, by, ["period"])
        return change


def save_edit(
    deliverable: Deliverable, *, version: int | None, by: User | None, move_reason: str = ""
) -> list[DeliverableChange]:
    """Save a deliverable edited field by field (the admin): claim the version it was read at
    and record its status change and its move by the rules the card's buttons follow.

    `deliverable` carries the new values; the stored row is what they change."""
    with transaction.atomic():
        stored = claim(Deliverable(pk=deliverable.pk), version)
        old_status = stored.status
        changes = []
        if stored.period_id != deliverable.period_id:
            # Judged with the new status: a done item may be put where it was done.
            stored.status = deliverable.status
            changes.append(
                _apply_move(stored, deliverable.period, by=by, reason=_reason(move_reason))
            )
        if old_status != deliverable.status:
            changes.append(
                _record(
                    deliverable,
                    by,
                    kind=DeliverableChange.Kind.STATUS,
                    from_status=old_status,
                    to_status=deliverable.status,
                )
            )
        deliverable.version = stored.version
        deliverable._history_user = by
        deliverable.save()
        return changes


def delete_deliverable(
    deliverable: Deliverable, *, by: User | None, version: int | None, reason: str = ""
) -> DeliverableChange:
    """Take it off the roadmap (a duplicate, a mistake); history stays and it can come back.
    Work that will not happen is dropped instead, which comparisons report."""
    with claimed(deliverable, version):
        _check_deleted(deliverable)
        deliverable.deleted_at = timezone.now()
        _save(deliverable, by, ["deleted_at"])
        return _record(deliverable, by, kind=DeliverableChange.Kind.DELETED, reason=reason.strip())


def restore_deliverable(
    deliverable: Deliverable, *, by: User | None, version: int | None
) -> DeliverableChange:
    with claimed(deliverable, version):
        _check_deleted(deliverable, deleted=True)
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


def set_owners(
    deliverable: Deliverable, *, owners, by: User | None, version: int | None
) -> DeliverableChange | None:
    """Replace who owns a deliverable and record it in its history (simple_history does not
    follow many-to-many fields). Returns the history row, or None when nothing changed."""
    with claimed(deliverable, version):
        _check_deleted(deliverable)
        owners = list(owners)
        before = list(deliverable.owners.all())
        deliverable.owners.set(owners)
        return record_owner_change(deliverable, before=before, after=owners, by=by)


def take_deliverable(
    deliverable: Deliverable, *, by: User, version: int | None
) -> DeliverableChange:
    """ "I'll take it": `by` becomes the owner of an open deliverable nobody owns yet. Taking
    one somebody already owns is for a convener or a manager to decide (set_owners)."""
    with claimed(deliverable, version):
        _check_deleted(deliverable)
        if deliverable.is_closed:
            raise Refused(f"It is {deliverable.get_status_display().lower()}: nothing to take.")
        owners = list(deliverable.owners.all())
        if owners:
            raise Refused(f"{', '.join(_owner_names(owners))} took it already.")
        deliverable.owners.set([by])
        change = record_owner_change(deliverable, before=[], after=[by], by=by)
        assert change is not None  # nobody → by is always a change
        return change


# --- roadmaps -----------------------------------------------------------------------------


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
