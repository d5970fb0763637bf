"""The builder's scheduling controls (conveners): publishing the agenda (or sending its
update), cancelling, moving the meeting, and changing its room or video link. Same answers as
the rest of the builder (adcmeet.meetings.views.builder): the regions a change altered for
htmx, a redirect back for plain forms, refusals through the builder's one renderer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from adcmeet.core.access import login_required
from adcmeet.core.versioning import Refused
from adcmeet.meetings import actions, builder, forms
from adcmeet.meetings.views.builder import done, refusals
from adcmeet.meetings.views.fetch import editable_meeting, posted_version


@require_POST
@login_required
@refusals
def publish(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    form = forms.PublishForm(request.POST)
    form.is_valid()  # one optional checkbox: never invalid
    result = actions.publish_meeting(
        meeting=meeting,
        version=posted_version(request),
        by=request.user,
        without_focus=form.cleaned_data["without_focus"],
    )
    what = "Published the agenda" if result.kind == "agenda" else "Sent the updated agenda"
    notice = f"{what} (revision {result.meeting.revision}); the mail is queued."
    if result.warning:
        notice, level = f"{notice} Note: {result.warning}", "warning"
    else:
        level = "success"
    return done(request, result.meeting, notice, regions=builder.STATE_CHANGE, level=level)


@require_POST
@login_required
@refusals
def cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    form = forms.CancelForm(request.POST, prefix="cancel")
    if not form.is_valid():
        raise Refused("The meeting was not cancelled: give a reason.")
    cancelled = actions.cancel_meeting(
        meeting=meeting,
        version=posted_version(request),
        by=request.user,
        reason=form.cleaned_data["reason"],
    )
    # Only an agenda that was mailed (announced) is followed by a cancellation mail.
    if cancelled.announced_revision:
        notice = "The meeting is cancelled; the notice is queued."
    else:
        notice = "The meeting is cancelled. Its agenda was never published: nobody is mailed."
    return done(request, cancelled, notice, regions=builder.WHOLE)


@require_POST
@login_required
@refusals
def move(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    form = forms.MoveMeetingForm(request.POST, meeting=meeting, prefix="move")
    if not form.is_valid():
        raise Refused("The meeting was not moved: see the form.")
    moved = actions.move_meeting(
        meeting=meeting, version=posted_version(request), by=request.user, start=form.start()
    )
    notice = f"Moved the meeting to {moved.local_start:%A %d %B %Y, %H:%M}."
    # The whole builder: the meeting's day decides the proposals and the move form's date.
    return done(request, moved, notice, regions=builder.WHOLE)


@require_POST
@login_required
@refusals
def place(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = editable_meeting(request, meeting_id)
    form = forms.PlaceForm(request.POST, meeting=meeting, prefix="place")
    if not form.is_valid():
        raise Refused("The room and video link were not changed: see the form.")
    before = (meeting.location, meeting.video_url, meeting.revision)
    changed = actions.change_place(
        meeting=meeting,
        version=posted_version(request),
        by=request.user,
        location=form.cleaned_data["location"],
        video_url=form.cleaned_data["video_url"],
    )
    if (changed.location, changed.video_url) == before[:2]:
        notice = "The room and video link are unchanged."
    elif changed.revision > before[2]:
        notice = (
            "Changed the room and video link (revision "
            f"{changed.revision}); the updated agenda will tell the list."
        )
    else:
        notice = "Changed the room and video link."
    # The whole builder: the schedule forms show the new place.
    return done(request, changed, notice, regions=builder.WHOLE, anchor="schedule")
