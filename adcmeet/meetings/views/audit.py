"""The audit trail: who changed what, field by field, on agendas, deliverables and roadmaps.

Reads django-simple-history's tables. One timeline over several history tables is a UNION of
(kind, history_id, date) rows, paginated in the database; the page's rows are then fetched per
table together with the record each one is compared against, and the objects their foreign
keys point at, so the query count does not grow with the page size.
"""

import dataclasses
import datetime
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from adcmeet.core.access import can_see_audit, login_required
from adcmeet.meetings.models import AgendaItem, Meeting
from deliverables.models import Deliverable, DeliverableChange, Roadmap

PAGE_SIZE = 50
# Bookkeeping columns that change on every write and say nothing to a reader.
IGNORED_FIELDS = {"id", "version", "revision", "created_at", "updated_at", "start_by"}


@dataclasses.dataclass(frozen=True)
class Kind:
    key: str
    label: str
    model: type[models.Model]

    @property
    def history(self):
        return self.model.history.model


KINDS = {
    kind.key: kind
    for kind in (
        Kind("meeting", "Meeting", Meeting),
        Kind("agenda", "Agenda item", AgendaItem),
        Kind("deliverable", "Deliverable", Deliverable),
        Kind("roadmap", "Roadmap", Roadmap),
        # Not a simple_history table: owners are many-to-many, which it does not follow, so
        # owner changes are the deliverable history's own OWNERS rows.
        Kind("owners", "Deliverable owner", DeliverableChange),
        # Owners' status reports (deliverables.actions.status), also the history's own rows.
        Kind("reports", "Status report", DeliverableChange),
    )
}
OWNERS = KINDS["owners"]
REPORTS = KINDS["reports"]
# The timeline parts read from DeliverableChange rather than a simple_history table.
CHANGE_KINDS = {
    OWNERS.key: DeliverableChange.Kind.OWNERS,
    REPORTS.key: DeliverableChange.Kind.REPORT,
}


@dataclasses.dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclasses.dataclass
class Entry:
    kind: Kind
    at: datetime.datetime
    user: Any
    action: str
    object_id: int
    object_label: str
    object_url: str
    reason: str
    changes: list[FieldChange]


def _tracked_fields(history_model) -> list[models.Field]:
    return [
        field
        for field in history_model._meta.fields
        if not field.name.startswith("history_") and field.name not in IGNORED_FIELDS
    ]


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _object_label_and_url(kind: Kind, record) -> tuple[str, str]:
    if kind.key == "meeting":
        return (
            record.title or f"Meeting on {record.scheduled_for:%d %b %Y}",
            _url("meeting", record.id),
        )
    if kind.key == "agenda":
        return record.title, _url("meeting", record.meeting_id)
    if kind.key == "deliverable":
        return record.title, _url("deliverable", record.id)
    return f"{record.name} {record.year}", _url("roadmap-detail", record.id)


def _display(field: models.Field, value, related: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        obj = related.get(field.related_model, {}).get(value)
        return str(obj) if obj is not None else f"#{value} (gone)"
    if isinstance(field, models.BooleanField):
        return "yes" if value else "no"
    if isinstance(field, models.DateTimeField):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def _action(record, changes: list[FieldChange], prev) -> str:
    if record.history_type == "+":
        return "created"
    if record.history_type == "-":
        return "removed for good"
    if prev is not None and hasattr(record, "deleted_at"):
        if prev.deleted_at is None and record.deleted_at is not None:
            return "deleted"
        if prev.deleted_at is not None and record.deleted_at is None:
            return "restored"
    return "changed"


def _entries_for(kind: Kind, history_ids: list[int]) -> dict[int, Entry]:
    """The audit entries of one table for the given history rows: two queries, plus one per
    related model their changed foreign keys point at."""
    history = kind.history
    previous = (
        history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    records = list(
        history.objects.filter(history_id__in=history_ids)
        .select_related("history_user")
        .annotate(prev_history_id=Subquery(previous))
    )
    prev_ids = [r.prev_history_id for r in records if r.prev_history_id]
    prevs = history.objects.in_bulk(prev_ids) if prev_ids else {}
    fields = _tracked_fields(history)

    # Which field values differ, and which related objects must be named.
    diffs: dict[int, list[tuple[models.Field, Any, Any]]] = {}
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for record in records:
        prev = prevs.get(record.prev_history_id)
        changed = []
        for field in fields:
            new = getattr(record, field.attname)
            old = getattr(prev, field.attname) if prev is not None else None
            if prev is None and record.history_type == "+" and new in (None, "", False):
                continue  # a creation lists what was filled in, not every empty column
            if prev is not None and old == new:
                continue
            if prev is None and record.history_type != "+":
                continue  # no earlier record to compare with (history started later)
            changed.append((field, old, new))
            if isinstance(field, models.ForeignKey):
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
        diffs[record.history_id] = changed
    # select_related(): some names need their own non-null relations (a meeting's series).
    related = {
        model: model._base_manager.select_related().in_bulk(ids) for model, ids in wanted.items()
    }

    entries = {}
    for record in records:
        prev = prevs.get(record.prev_history_id)
        changes = [
            FieldChange(
                label=str(field.verbose_name).capitalize(),
                old=_display(field, old, related) if prev is not None else "",
                new=_display(field, new, related),
            )
            for field, old, new in diffs[record.history_id]
        ]
        label, url = _object_label_and_url(kind, record)
        entries[record.history_id] = Entry(
            kind=kind,
            at=record.history_date,
            user=record.history_user,
            action=_action(record, changes, prev),
            object_id=record.id,
            object_label=label,
            object_url=url,
            reason=record.history_change_reason or "",
            changes=changes,
        )
    return entries


def _owner_entries(change_ids: list[int]) -> dict[int, Entry]:
    """Owner changes from the deliverables' own history: one query."""
    changes = DeliverableChange.objects.filter(pk__in=change_ids).select_related(
        "by", "deliverable"
    )
    return {
        change.pk: Entry(
            kind=OWNERS,
            at=change.at,
            user=change.by,
            action="owners changed",
            object_id=change.deliverable_id,
            object_label=change.deliverable.title,
            object_url=_url("deliverable", change.deliverable_id),
            reason=change.reason,
            changes=[FieldChange("Owners", change.owners_before, change.owners_after)],
        )
        for change in changes
    }


def _report_entries(change_ids: list[int]) -> dict[int, Entry]:
    """Status reports from the deliverables' own history: one query."""
    changes = DeliverableChange.objects.filter(pk__in=change_ids).select_related(
        "by", "deliverable"
    )
    return {
        change.pk: Entry(
            kind=REPORTS,
            at=change.at,
            user=change.by,
            action="status reported",
            object_id=change.deliverable_id,
            object_label=change.deliverable.title,
            object_url=_url("deliverable", change.deliverable_id),
            reason="",
            changes=[
                FieldChange("Health", "", change.get_health_display()),
                *([FieldChange("Line", "", change.line)] if change.line else []),
            ],
        )
        for change in changes
    }


def _timeline_part(kind: Kind):
    if kind.key in CHANGE_KINDS:
        return (
            DeliverableChange.objects.filter(kind=CHANGE_KINDS[kind.key])
            .order_by()
            # Named like the history tables' columns, so the timeline's ordering also works
            # when owner changes are shown alone.
            .annotate(
                timeline_kind=Value(kind.key, output_field=CharField()),
                history_id=F("id"),
                history_date=F("at"),
            )
            .values_list("timeline_kind", "history_id", "history_date")
        )
    return (
        kind.history.objects.order_by()  # compound statements refuse per-part ordering
        .annotate(kind=Value(kind.key, output_field=CharField()))
        .values_list("kind", "history_id", "history_date")
    )


def _timeline(kinds: list[Kind]):
    parts = [_timeline_part(kind) for kind in kinds]
    timeline = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return timeline.order_by("-history_date", "-history_id")


@require_GET
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can_see_audit(request.user):
        raise PermissionDenied("Only managers and staff can read the audit trail.")
    selected = request.GET.get("type", "")
    kinds = [KINDS[selected]] if selected in KINDS else list(KINDS.values())
    page = Paginator(_timeline(kinds), PAGE_SIZE).get_page(request.GET.get("page"))

    by_kind: dict[str, list[int]] = defaultdict(list)
    for key, history_id, _at in page.object_list:
        by_kind[key].append(history_id)
    readers = {OWNERS.key: _owner_entries, REPORTS.key: _report_entries}
    fetched = {
        key: readers[key](ids) if key in readers else _entries_for(KINDS[key], ids)
        for key, ids in by_kind.items()
    }
    entries = [
        fetched[key][history_id]
        for key, history_id, _at in page.object_list
        if history_id in fetched[key]
    ]
    context = {
        "entries": entries,
        "page": page,
        "kinds": KINDS.values(),
        "selected": selected if selected in KINDS else "",
    }
    template = "audit/audit_log.html#entries" if request.htmx else "audit/audit_log.html"
    return render(request, template, context)
