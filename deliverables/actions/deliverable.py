"""One deliverable's workflows: status, moves (slips and pull-ins), edits, deletion, owners.

Views check permissions (adcmeet.core.access) before calling these; the functions enforce the
domain rules (reasons, transitions, versions) so every caller, web or command, gets them.
Every change first claims the version its caller read (adcmeet.core.versioning.claimed): a
stale one is refused with `Conflict` (409), a rule with `Refused` (422)."""

import datetime

from django.db import transaction
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core.versioning import Refused, claim, claimed
from deliverables.models import Deliverable, DeliverableChange, Period


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
