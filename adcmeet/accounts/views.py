"""The user's own page: who they are, their personal calendar feed, what is on their plate."""

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from adcmeet.access import login_required
from adcmeet.lib.ical import webcal_url
from adcmeet.models import ActionItem, AgendaItem, Meeting
from adcmeet.views.feeds import personal_feed_url

# Enough for anyone's plate; the rest is one click away on the meetings pages.
LIST_LIMIT = 50


def _me_context(request: HttpRequest) -> dict:
    person = request.user
    feed_url = personal_feed_url(person)
    actions = (
        ActionItem.objects.filter(owner=person, done=False)
        .select_related("meeting__series")
        .order_by("due", "meeting__start", "id")[:LIST_LIMIT]
    )
    # A meeting stays "upcoming" for two hours after its start, as on the meetings list.
    since = timezone.now() - datetime.timedelta(hours=2)
    presentations = (
        AgendaItem.objects.live()
        .filter(presenter=person, meeting__start__gte=since)
        .exclude(meeting__state=Meeting.State.CANCELLED)
        .select_related("meeting__series")
        .order_by("meeting__start", "position", "id")[:LIST_LIMIT]
    )
    return {
        "person": person,
        "feed_url": feed_url,
        "webcal_url": webcal_url(feed_url),
        "actions": actions,
        "presentations": presentations,
    }


@require_GET
@login_required
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/me.html", _me_context(request))


@require_POST
@login_required
def rotate_calendar_token(request: HttpRequest) -> HttpResponse:
    """A new personal feed URL; the old one stops working at once (404)."""
    if request.POST.get("confirm") != "yes":
        context = _me_context(request)
        context["rotate_error"] = (
            "Tick the box to confirm: every calendar subscribed to the current URL stops updating."
        )
        return render(request, "accounts/me.html", context, status=400)
    request.user.rotate_calendar_token()
    messages.success(
        request,
        "Your calendar URL has changed. Subscribe to the new one below; the old one no "
        "longer works.",
    )
    return redirect("me")
