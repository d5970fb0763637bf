"""What the meetings domain adds to pages of apps that may not know it.

`deliverables` offers a list of panel functions for its deliverable page; registering ours from
AdcmeetConfig.ready() keeps the import direction meetings → deliverables.
"""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from adcmeet.meetings.models import AgendaItem, Meeting, Outcome
from deliverables.models import Deliverable


def deliverable_meetings(request: HttpRequest, deliverable: Deliverable) -> SafeString:
    """The meetings where the deliverable was on the agenda, newest first."""
    items = (
        AgendaItem.objects.live()
        .filter(deliverable=deliverable, meeting__in=Meeting.objects.visible_to(request.user))
        .exclude(meeting__state=Meeting.State.CANCELLED)
        .select_related("meeting__series")
        .order_by("-meeting__start")[:50]
    )
    return render_to_string(
        "meetings/_deliverable_meetings.html", {"items": items}, request=request
    )


def deliverable_decisions(request: HttpRequest, deliverable: Deliverable) -> SafeString:
    """The decisions about the deliverable (taken on an agenda item tracking it), newest first,
    each linking to its meeting's item; nothing when there are none."""
    decisions = list(
        Outcome.objects.decisions()
        .filter(deliverable=deliverable, meeting__in=Meeting.objects.visible_to(request.user))
        .select_related("meeting__series")
        .order_by("-meeting__start", "-id")[:50]
    )
    if not decisions:
        return SafeString("")
    return render_to_string(
        "meetings/_deliverable_decisions.html",
        {"decisions": decisions, "deliverable": deliverable},
        request=request,
    )
