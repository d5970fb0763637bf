"""Live mode: the convener runs the meeting (`live`, the clock's steps), everybody else watches
it on the meeting page (`status`, polled).

Every control is a plain form: without JavaScript a POST answers with a redirect back to the
live page; with htmx it answers with the page's `#live` region. The convener's page polls its
own `#clock` region with the version it shows (`?since=`): an unchanged clock is a 204, which
htmx leaves alone, so focus and typed text stay. Watchers poll `status`, answered 304 by ETag
(the session's version) from one indexed query while nothing moved."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.views.decorators.http import require_GET, require_POST

from adcmeet.core import params
from adcmeet.core.access import can_run_meeting, login_required, reads_every_meeting, site_visible
from adcmeet.core.versioning import Refused, answers_refusals
from adcmeet.meetings import forms
from adcmeet.meetings.actions import live as actions
from adcmeet.meetings.actions import live_end
from adcmeet.meetings.actions.outcomes import record_outcome
from adcmeet.meetings.models import AgendaItem, LiveSession, Meeting
from adcmeet.meetings.views.fetch import meeting_item, posted_version, visible_meeting

LIVE_TEMPLATE = "meetings/live.html"
STATUS_TEMPLATE = "meetings/_live_status.html"
# htmx stops polling on this status (https://htmx.org/docs/#polling).
STOP_POLLING = 286
POLL_SECONDS = 3


# --- fetching ------------------------------------------------------------------------------


def watched_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    """The meeting page's fetch, with its live session (or none) in the same query."""
    return get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("series", "live"), pk=meeting_id
    )


def _run_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = visible_meeting(request, meeting_id)
    if not can_run_meeting(request.user, meeting):
        raise PermissionDenied("Only conveners of this series can run it in live mode.")
    return meeting


def _session(meeting: Meeting) -> LiveSession | None:
    session = (
        LiveSession.objects.select_related("driver", "current_item").filter(meeting=meeting).first()
    )
    if session is not None:
        session.meeting = meeting
    return session


def _running(meeting: Meeting) -> LiveSession:
    session = _session(meeting)
    if session is None:
        raise Refused("The meeting is not running live yet: start it first.")
    return session


# --- rendering -----------------------------------------------------------------------------


def _context(request: HttpRequest, meeting: Meeting, session: LiveSession | None, **extra):
    user = request.user
    state = actions.state(session) if session is not None else None
    items = state.items if state else actions.running_order(meeting)
    visited = {item.pk for item in items if item.actual_seconds is not None}
    ended = session is not None and session.ended_at is not None
    reopen_until = live_end.reopen_deadline(session, meeting) if ended else None
    return {
        "meeting": meeting,
        "session": session,
        "state": state,
        "clock": state.clock if state else None,
        "current": state.current if state else None,
        "items": items,
        "visited": visited,
        "driving": session is not None and session.driver_id == user.pk,
        "ended": ended,
        # On the series' wall clock, as the meeting's own times.
        "reopen_until": reopen_until and timezone.localtime(reopen_until, meeting.series.tz),
        # What End would mark not reached, for its confirmation.
        "untouched": sum(1 for item in items if item.started_at is None),
        "as_of": int(timezone.now().timestamp()),
        "poll_seconds": POLL_SECONDS,
        "level": "success",
        "notice": "",
        **extra,
    }


def _outcome_form(request: HttpRequest, bound: bool = False) -> forms.OutcomeForm:
    """The current item's outcome form; refilled with what was sent when it was refused."""
    people = forms.people_choices()
    if bound:
        form = forms.OutcomeForm(request.POST, prefix="outcome", people=people)
        form.is_valid()
        return form
    return forms.OutcomeForm(prefix="outcome", people=people)


def _page(request: HttpRequest, meeting: Meeting, *, status: int = 200, **extra) -> HttpResponse:
    context = _context(request, meeting, _session(meeting), **extra)
    current = context["current"]
    if current is not None and not context["ended"]:
        context.setdefault("outcome_form", _outcome_form(request))
        # What was recorded on the item so far, so the room sees it landed.
        context["recorded"] = list(current.outcomes.live().order_by("id"))
        context["recorded_actions"] = list(current.action_items.select_related("owner"))
    template = f"{LIVE_TEMPLATE}#live" if request.htmx else LIVE_TEMPLATE
    return render(request, template, context, status=status)


def _done(request: HttpRequest, meeting: Meeting, notice: str = "") -> HttpResponse:
    """After a step: the `#live` region for htmx, a redirect back for plain forms."""
    if not request.htmx:
        if notice:
            messages.success(request, notice)
        return redirect("meeting-live", meeting.pk)
    return _page(request, meeting, notice=notice)


def _refused(request: HttpRequest, refusal: Refused, meeting_id: int, **_) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("series"), pk=meeting_id)
    note = request.POST.get("note", "") if refusal.field == "note" else ""
    extra = {}
    if "outcome-text" in request.POST:
        extra["outcome_form"] = _outcome_form(request, bound=True)
    return _page(request, meeting, notice=refusal.message, level="error", note=note, **extra)


refusals = answers_refusals(_refused)


# --- the convener's page -----------------------------------------------------------------


@require_GET
@login_required
def live(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The page; `?confirm=end` asks before ending (End's first press, also without
    JavaScript). With htmx: the clock region when it moved since `?since=` (the page's poll),
    else a 204; without `since`, the live region ("Keep running" after End's question)."""
    meeting = _run_meeting(request, meeting_id)
    if request.GET.get("confirm") == "end":
        return _page(request, meeting, confirm_end=True)
    if not request.htmx:
        return _page(request, meeting)
    if "since" not in request.GET:
        return _page(request, meeting, focus_end=True)
    session = _session(meeting)
    if session is not None:
        actions.driver_seen(session, request.user)
    since = params.parse_int(request.GET.get("since"))
    if session is None or (since is not None and since == session.version):
        return HttpResponse(status=204)
    context = _context(request, meeting, session)
    return render(request, f"{LIVE_TEMPLATE}#clock", context)


@require_POST
@login_required
@refusals
def start(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _run_meeting(request, meeting_id)
    actions.start_meeting(meeting=meeting, by=request.user)
    return _done(request, meeting, "The meeting is running: you drive the clock.")


@require_POST
@login_required
@refusals
def step(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One button of the clock: `do` is next, previous, pause, resume, end (with
    `confirm=yes`), reopen or take-over; `to` an item's id (a jump)."""
    meeting = _run_meeting(request, meeting_id)
    session = _running(meeting)
    version, by = posted_version(request), request.user
    do = request.POST.get("do", "")
    to = params.parse_int(request.POST.get("to"))
    notice = ""
    if to is not None:
        actions.step(session=session, version=version, by=by, to=to)
    elif do in ("next", "previous"):
        actions.step(session=session, version=version, by=by, to=do)
    elif do == "pause":
        actions.pause(session=session, version=version, by=by)
        notice = "Paused."
    elif do == "resume":
        actions.resume(session=session, version=version, by=by)
        notice = "Resumed."
    elif do == "end" and request.POST.get("confirm") != "yes":
        # End is asked first (a stale page's End button, a script's POST): never one press.
        if not request.htmx:
            return redirect(reverse("meeting-live", args=[meeting.pk]) + "?confirm=end")
        return _page(request, meeting, confirm_end=True)
    elif do == "end":
        actions.end_meeting(session=session, version=version, by=by)
        notice = (
            "The meeting has ended. Tidy the minutes, then close the meeting. Ended too early? "
            f"Reopen it within {live_end.REOPEN_WINDOW.seconds // 60} minutes."
        )
    elif do == "reopen":
        live_end.reopen_meeting(session=session, version=version, by=by)
        notice = "The meeting is running again, paused: resume when the room does."
    elif do == "take-over":
        actions.take_over(session=session, version=version, by=by)
        notice = "You drive the clock now."
    else:
        raise Refused("Choose a step of the clock.")
    return _done(request, meeting, notice)


@require_POST
@login_required
@refusals
def note(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _run_meeting(request, meeting_id)
    item = _live_item(meeting, item_id)
    actions.add_note(item=item, by=request.user, text=request.POST.get("note", ""))
    return _done(request, meeting, f"Noted under “{item.title}”.")


@require_POST
@login_required
@refusals
def outcome(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    """A decision, an action (owner, due date) or a piece of information on the item, as the
    minutes sheet records them (actions.outcomes.record_outcome)."""
    meeting = _run_meeting(request, meeting_id)
    item = _live_item(meeting, item_id)
    form = forms.OutcomeForm(request.POST, prefix="outcome")
    if not form.is_valid():
        raise Refused("The outcome was not recorded: see the form.")
    data = form.cleaned_data
    action = data["kind"] == "action"
    recorded = record_outcome(
        meeting=meeting,
        by=request.user,
        kind=data["kind"],
        text=data["text"],
        agenda_item=item,
        owner=data["owner"] if action else None,
        due=data["due"] if action else None,
    )
    return _done(request, meeting, f"Recorded the {data['kind']} “{recorded.text}”.")


@require_POST
@login_required
@refusals
def not_reached(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    meeting = _run_meeting(request, meeting_id)
    item = _live_item(meeting, item_id)
    value = request.POST.get("not_reached") == "1"
    actions.mark_not_reached(item=item, by=request.user, not_reached=value)
    state = "not reached" if value else "reached"
    return _done(request, meeting, f"“{item.title}” is marked {state}.")


@require_POST
@login_required
@refusals
def close(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _run_meeting(request, meeting_id)
    done = actions.close_meeting(session=_running(meeting), by=request.user)
    notice = (
        "The meeting is closed: the minutes are mailed to the list, and each owner their actions."
        if done == "published"
        else "Published the corrected minutes: the list gets a short note that they changed."
    )
    return _done(request, meeting, notice)


def _live_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = meeting_item(meeting, item_id)
    if item.deleted_at is not None:
        raise Http404("That item was removed from the agenda.")
    return item


# --- the watchers ------------------------------------------------------------------------


def watcher_panel(meeting: Meeting) -> dict | None:
    """What the meeting page shows of a running meeting (read-only); None when none runs.
    `meeting` comes from `watched_meeting`, its session already loaded."""
    try:
        session = meeting.live
    except LiveSession.DoesNotExist:
        return None
    if session.ended_at is not None:
        return None
    session.meeting = meeting
    state = actions.state(session)
    return {
        "session": session,
        "state": state,
        "clock": state.clock,
        "current": state.current,
        "as_of": int(timezone.now().timestamp()),
        "poll_seconds": POLL_SECONDS,
    }


def page_panel(user, meeting: Meeting) -> dict:
    """The meeting page's live part, outside its cached content: the watchers' panel while the
    meeting runs, and for conveners the way into live mode."""
    runnable = meeting.state in (Meeting.State.PUBLISHED, Meeting.State.HELD)
    return {"live": watcher_panel(meeting), "can_run": runnable and can_run_meeting(user, meeting)}


def _etag(row: dict) -> str:
    """The clock's version, and the meeting's last change: an item retitled or re-timed while
    the meeting runs moves the meeting's `updated_at` (actions.common.touch_meeting)."""
    changed = int(row["meeting__updated_at"].timestamp() * 1_000_000)
    return f'"live-{row["pk"]}-{row["version"]}-{changed:x}"'


@require_GET
@site_visible
def status(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The watchers' panel, polled. Nothing moved: 304 from one query (the session's version
    with its series' visibility), no session read, no template. Never started, or ended and
    no longer reopenable: 286, so htmx stops polling."""
    row = (
        LiveSession.objects.filter(meeting_id=meeting_id)
        .values(
            "pk",
            "version",
            "ended_at",
            "meeting__updated_at",
            "meeting__minutes_published_at",
            "meeting__series__is_public",
        )
        .first()
    )
    public = row is not None and row["meeting__series__is_public"] and not settings.SITE_PRIVATE
    if row is None or not (public or reads_every_meeting(request.user)):
        visible_meeting(request, meeting_id)  # 404 for a meeting the visitor may not read
    if row is None:
        return HttpResponse(status=STOP_POLLING)
    etag = _etag(row)
    # An ended meeting may still be reopened (actions.live_end): the watchers keep asking
    # until it no longer can, so a Reopen reaches them as any step does.
    ended, published = row["ended_at"], row["meeting__minutes_published_at"]
    reopenable = (
        ended is not None and published is None and timezone.now() < ended + live_end.REOPEN_WINDOW
    )
    polled = ended is None or reopenable
    if polled and etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        meeting = watched_meeting(request, meeting_id)
        panel = watcher_panel(meeting)
        context = {
            "meeting": meeting,
            "live": panel,
            "reopenable": reopenable,
            "poll_seconds": POLL_SECONDS,
        }
        body = render_to_string(f"{STATUS_TEMPLATE}#panel", context, request)
        response = HttpResponse(body, status=200 if polled else STOP_POLLING)
    response["ETag"] = etag
    # Every poll asks again; a non-public series' state stays out of shared caches.
    patch_cache_control(response, no_cache=True, private=not public)
    return response
