"""What the owners said for a meeting: their status reports (deliverables.actions.status) in
the meeting's window, from the start of the series' previous meeting until this one starts.
The tracking proposals rank by them and the consent agenda shows them (actions.tracking)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from adcmeet.meetings.actions.common import previous_meeting
from adcmeet.meetings.models import Meeting
from deliverables.actions.status import latest_reports
from deliverables.models import DeliverableChange

# Without an earlier meeting in the series, a report this recent still speaks for the item.
REPORT_WINDOW = datetime.timedelta(days=14)


def reports_since(meeting: Meeting) -> datetime.datetime:
    """From when an owner's report counts for `meeting` (until it starts): the start of the
    series' previous meeting (what was said then was discussed then), else two weeks before
    this one."""
    last = previous_meeting(meeting)
    return last.start if last is not None else meeting.start - REPORT_WINDOW


def reports_in_window(
    ids: Sequence[int], since: datetime.datetime, until: datetime.datetime
) -> dict[int, DeliverableChange]:
    """Each deliverable's newest report made in [since, until): what its owner said for this
    meeting. A report made once the meeting began is the next meeting's, so a held meeting's
    page keeps the statuses it was held with; reading those needs a second query, made only
    when there are any."""
    if not ids:
        return {}
    reports = latest_reports(ids, since=since)
    late = [pk for pk, report in reports.items() if report.at >= until]
    if late:
        for pk in late:
            del reports[pk]
        earlier = (
            DeliverableChange.objects.filter(
                kind=DeliverableChange.Kind.REPORT,
                deliverable_id__in=late,
                at__gte=since,
                at__lt=until,
            )
            .select_related("by")
            .order_by("deliverable_id", "-at", "-id")
        )
        for report in earlier:
            reports.setdefault(report.deliverable_id, report)
    return reports
