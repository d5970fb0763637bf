"""Permission-scoped fetches and request parsing shared by the meeting, builder and minutes
views: each returns the object or raises 404/403."""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from adcmeet.core.access import (
    can_edit_meeting,
)
from adcmeet.core.versioning import parse_version
from adcmeet.lib import agenda as agenda_lib
from adcmeet.meetings.models import AgendaItem, Meeting

Section = AgendaItem.Section
EDIT_TEMPLATE = "meetings/meeting_edit.html"
MINUTES_TEMPLATE = "meetings/meeting_minutes.html"
PAGE_SIZE = 20


# --- fetching with permissions --------------------------------------------------------------


def visible_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("series"), pk=meeting_id
    )


def editable_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = visible_meeting(request, meeting_id)
    if not can_edit_meeting(request.user, meeting):
        raise PermissionDenied("Only conveners of this series can edit its agenda.")
    return meeting


def meeting_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    item.meeting = meeting
    return item


def posted_version(request: HttpRequest) -> int:
    """The version the posted form was built from (core.versioning); a form without one is a
    bad request, never a change applied blindly."""
    version = parse_version(request.POST.get("version"))
    if version is None:
        raise BadRequest("This form is missing the version it is based on.")
    return version


def viewer_zone(request: HttpRequest):
    user = request.user
    return agenda_lib.zone_or_none(getattr(user, "time_zone", "") if user.is_authenticated else "")
