"""The user's own page: who they are, their personal calendar feed, what is on their plate."""

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from adcmeet.accounts import mailprefs
from adcmeet.accounts.forms import MailPreferencesForm
from adcmeet.core.access import login_required
from adcmeet.lib.ical import webcal_url
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting
from adcmeet.meetings.views.feeds import personal_feed_url

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
        "mail_form": MailPreferencesForm(instance=person),
    }


@require_GET
@never_cache  # the person's own data and the secret feed URL: no cache may keep it
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


@require_POST
@login_required
def mail_preferences(request: HttpRequest) -> HttpResponse:
    """The person's own mail settings (an unticked box turns that mail off)."""
    form = MailPreferencesForm(request.POST, instance=request.user)
    if not form.is_valid():  # two checkboxes cannot be invalid, but never save a bad form
        context = _me_context(request)
        context["mail_form"] = form
        return render(request, "accounts/me.html", context, status=400)
    form.save()
    messages.success(request, "Your mail settings are saved.")
    return redirect("me")


@never_cache  # the page carries the unsubscribe token
@csrf_exempt  # RFC 8058: mail clients POST without a session; the signed token authorises
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe from one kind of personal mail, no login needed.

    GET asks for confirmation (link checkers and previews must not unsubscribe anyone); POST
    (the button, or the mail client's ``List-Unsubscribe=One-Click``) turns it off."""
    try:
        person, preference = mailprefs.read_token(token)
    except mailprefs.BadToken:
        return render(request, "accounts/unsubscribe_invalid.html", status=404)
    context = {"person": person, "preference": preference, "token": token, "done": False}
    if request.method == "POST":
        mailprefs.turn_off(person, preference)
        context["done"] = True
    return render(request, "accounts/unsubscribe.html", context)
