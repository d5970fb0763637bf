"""Status reports: an owner's health call and one line on a deliverable, before a meeting.

A report is a history entry of the deliverable (DeliverableChange.Kind.REPORT: who, when,
what). "Done" also marks the deliverable done through the card's own status rule. Every path
goes through here: the deliverable page, My deliverables, and the signed links of the status
mail (`use_link`), which act in the name of the owner the mail was sent to.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.core import access, text
from adcmeet.core.versioning import Conflict, Refused
from deliverables import status_links
from deliverables.actions.deliverable import move_to_period, set_status
from deliverables.models import Deliverable, DeliverableChange, StatusLink, StatusRequest

LINE_LIMIT = 300
Health = DeliverableChange.Health


class NotAllowed(Refused):
    """Reporting on a deliverable one neither owns nor convenes nor manages."""

    status = 403


def _health(value: str) -> str:
    try:
        return Health(value).value
    except ValueError:
        raise Refused("Choose on track, at risk, off track or done.", field="health") from None


def report_status(
    *,
    deliverable: Deliverable,
    by: User | None,
    health: str,
    line: str = "",
    version: int | None = None,
) -> DeliverableChange:
    """Record `by`'s status of `deliverable`; "done" also marks it done (claiming `version`
    when given, else the version stored now)."""
    if by is None or not access.can_report_status(by, deliverable):
        raise NotAllowed("Only the deliverable's owners, conveners and managers report on it.")
    health = _health(health)
    line = text.accepted(line, label="The line of status", field="line", max_length=LINE_LIMIT)
    line = " ".join(line.split())  # one line: a pasted paragraph keeps its words, not its breaks
    with transaction.atomic():
        current = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
        if current.is_deleted:
            raise Refused("This deliverable was taken off the roadmap.")
        if current.status == Deliverable.Status.DROPPED:
            raise Refused("This deliverable was dropped: there is nothing to report.")
        if version is not None and version != current.version:
            raise Conflict(current)
        if health == Health.DONE and current.status != Deliverable.Status.DONE:
            set_status(
                deliverable,
                status=Deliverable.Status.DONE,
                by=by,
                version=current.version if version is None else version,
                reason=line,
            )
        return DeliverableChange.objects.create(
            deliverable=deliverable,
            by=by,
            kind=DeliverableChange.Kind.REPORT,
            health=health,
            line=line,
        )


def latest_reports(
    deliverables, *, since: datetime.datetime | None = None
) -> dict[int, DeliverableChange]:
    """The newest report of each of `deliverables` (a queryset, or deliverables or ids), in
    one query; with `since`, only reports made at or after it."""
    if isinstance(deliverables, QuerySet):
        ids = deliverables.values("pk")
    else:
        ids = [getattr(item, "pk", item) for item in deliverables]
        if not ids:
            return {}
    reports = DeliverableChange.objects.filter(kind=DeliverableChange.Kind.REPORT)
    if since is not None:
        reports = reports.filter(at__gte=since)
    newest = reports.filter(deliverable=OuterRef("deliverable")).order_by("-at", "-id")
    rows = (
        reports.filter(deliverable__in=ids)
        .filter(pk=Subquery(newest.values("pk")[:1]))
        .select_related("by")
    )
    return {row.deliverable_id: row for row in rows}


def reports_of(deliverable: Deliverable) -> QuerySet[DeliverableChange]:
    """A deliverable's status lines, newest first."""
    return (
        deliverable.changes.filter(kind=DeliverableChange.Kind.REPORT)
        .select_related("by")
        .order_by("-at", "-id")
    )


def request_status(*, owner: User, for_date: datetime.date, deliverables) -> StatusRequest | None:
    """Ask `owner` once for the meeting on `for_date` about `deliverables`: the new request, or
    None when they were already asked that day or there is nothing to ask about.

    A newer request revokes the unused links of the owner's older requests for the same
    deliverables: one mail's links act on an item at a time, so an old "move to the next
    period" cannot land after a newer answer. Links for items the new mail does not list stay
    usable (another series' meeting may still be ahead)."""
    deliverables = list(deliverables)
    if not deliverables:
        return None
    try:
        with transaction.atomic():
            request, created = StatusRequest.objects.get_or_create(owner=owner, for_date=for_date)
            if not created:
                return None
            request.deliverables.set(deliverables)
            StatusLink.objects.filter(
                request__owner=owner,
                deliverable__in=deliverables,
                used_at__isnull=True,
                revoked_at__isnull=True,
            ).exclude(request=request).update(revoked_at=timezone.now())
    except IntegrityError:
        return None  # the same request made at the same moment by another worker
    return request


def move_target(deliverable: Deliverable, *, today: datetime.date | None = None):
    """Where "move to the next period" sends `deliverable`: the move form's default."""
    periods = deliverable.roadmap.periods.order_by("order")
    return deliverable.move_targets(periods, today=today).default


def _move_to_next_period(deliverable: Deliverable, *, by: User, reason: str) -> DeliverableChange:
    if not access.can_report_status(by, deliverable):
        raise NotAllowed("Only the deliverable's owners, conveners and managers move it.")
    target = move_target(deliverable)
    if target is None:
        raise Refused("There is no later period to move it to.", field="reason")
    # The same limit as the card's move form (deliverables.forms.MoveForm).
    reason = text.accepted(reason, label="The reason", field="reason", max_length=500)
    return move_to_period(
        deliverable, period=target, by=by, version=deliverable.version, reason=reason
    )


def use_link(
    token: str, *, health: str = "", line: str = "", reason: str = ""
) -> tuple[StatusLink, DeliverableChange]:
    """Apply what the link `token` stands for, once: the row is locked and marked used in the
    same transaction as the change, so a double click or a replay applies it once and the
    second attempt is refused as used (`status_links.LinkUsed`)."""
    with transaction.atomic():
        link = status_links.open_link(token, for_update=True)
        owner, deliverable = link.request.owner, link.deliverable
        if link.purpose == StatusLink.Purpose.MOVE:
            change = _move_to_next_period(deliverable, by=owner, reason=reason)
        else:
            # "done" and "on track" say the health themselves; the report form asks for it.
            said = health if link.purpose == StatusLink.Purpose.REPORT else link.purpose
            if not said:
                raise Refused("Choose how it stands.", field="health")
            change = report_status(deliverable=deliverable, by=owner, health=said, line=line)
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        return link, change
