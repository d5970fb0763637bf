from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from adcmeet.access import site_visible
from adcmeet.models import Meeting


@require_GET
@site_visible
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = Meeting.objects.visible_to(request.user).select_related("series")
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "upcoming": meetings.upcoming().order_by("start")[:20],
            "past": meetings.past().order_by("-start")[:20],
        },
    )


@require_GET
@site_visible
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("series"), pk=meeting_id
    )
    items = meeting.items.live().select_related("presenter").order_by("position")
    return render(request, "meetings/meeting_detail.html", {"meeting": meeting, "items": items})
