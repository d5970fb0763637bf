"""The meeting list and the readable (printable) meeting page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from adcmeet.accounts.models import User
from adcmeet.core import fragments, params
from adcmeet.core.access import (
    can_create_meetings,
    can_edit_meeting,
    can_see_outbox,
    can_take_minutes,
    login_required,
    presents_in,
    series_convened_by,
    site_visible,
)
from adcmeet.core.fragments import Param
from adcmeet.meetings import actions, actuals
from adcmeet.meetings.actions.tracking import consent_agenda
from adcmeet.meetings.builder import agenda_sections
from adcmeet.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingSeries,
    Outcome,
)
from adcmeet.meetings.views import live
from adcmeet.meetings.views.fetch import (
    PAGE_SIZE,
    Section,
    viewer_zone,
)
from adcmeet.meetings.views.outcome_regions import meeting_outcomes
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap
from taskforces.models import OutlineItem, TaskForce


def _listed(queryset):
    focus = (
        AgendaItem.objects.live()
        .filter(meeting=OuterRef("pk"), section=Section.FOCUS)
        .order_by("position", "id")
        .values("title")[:1]
    )
    return queryset.select_related("series").annotate(
        n_items=Count("items", filter=Q(items__deleted_at__isnull=True)),
        focus_title=Subquery(focus),
    )


@require_GET
@site_visible
def meeting_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    meetings = Meeting.objects.visible_to(request.user)
    upcoming = Paginator(_listed(meetings.upcoming(now)).order_by("start"), PAGE_SIZE).get_page(
        request.GET.get("upcoming")
    )
    past = Paginator(_listed(meetings.past(now)).order_by("-start"), PAGE_SIZE).get_page(
        request.GET.get("past")
    )
    context = {
        "upcoming": upcoming,
        "past": past,
        "convened_series": list(series_convened_by(request.user, MeetingSeries.objects.all())),
        "meetings_ahead": settings.MEETINGS_AHEAD,
    }
    if request.htmx and request.htmx.target in ("upcoming", "past"):
        return render(request, f"meetings/meeting_list.html#{request.htmx.target}", context)
    return render(request, "meetings/meeting_list.html", context)


@require_POST
@login_required
def create_upcoming(request: HttpRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(MeetingSeries, slug=slug)
    if not can_create_meetings(request.user, series):
        raise PermissionDenied("Only conveners of this series can draft its next meetings.")
    count = params.parse_int(request.POST.get("count"), minimum=1, maximum=52)
    count = count or settings.MEETINGS_AHEAD
    created = actions.create_upcoming_meetings(series, count=count)
    if created:
        dates = ", ".join(f"{meeting.local_start:%d %b}" for meeting in created)
        messages.success(request, f"Created {len(created)} meeting(s): {dates}.")
    else:
        messages.info(request, f"The next {count} {series.get_weekday_display()}s already exist.")
    return redirect("meetings")


# --- the meeting page -------------------------------------------------------------------


# What the meeting page shows (adcmeet.core.fragments): the meeting and its series, its agenda
# items and action items, the people, task forces, open questions and deliverables they name;
# and the consent agenda (actions.tracking.consent_agenda), computed from the owners' reports
# since the series' previous meeting over the current roadmap: its periods, deliverables and
# history (not their owners: the consent agenda shows none and does not read them).
#
# The consent agenda only ever reads the current roadmap's deliverables (and whether they were
# carried into a newer one), so only those rows are stamped, not the whole table of every year's
# deliverables: summing every row's version was most of a cache hit's time. Three
# narrow sources rather than one with OR: PostgreSQL answers each from an index.
_meeting = Param("meeting")
_items = AgendaItem.objects.filter(meeting=_meeting)
_current_roadmap = Roadmap.objects.newest_first().values("pk")[:1]
MEETING_PAGE = fragments.Sources(
    "meeting",
    Meeting.objects.filter(pk=_meeting),
    # Reports count from the start of the series' previous meeting (reports_since).
    Meeting.objects.filter(
        pk__in=Meeting.objects.filter(series=Param("series"), start__lt=Param("start"))
        .exclude(state=Meeting.State.CANCELLED)
        .order_by("-start")
        .values("pk")[:1]
    ),
    MeetingSeries.objects.filter(pk=Param("series")),
    _items,
    ActionItem.objects.filter(meeting=_meeting),
    Outcome.objects.filter(meeting=_meeting),
    Attendance.objects.filter(meeting=_meeting),
    User,
    TaskForce,
    OutlineItem.objects.filter(pk__in_array=_items.values("outline_item")),
    Deliverable.objects.filter(roadmap=_current_roadmap),
    # A copy carried out of it takes its original off the consent agenda.
    Deliverable.objects.filter(carried_from__roadmap=_current_roadmap),
    # The agenda names its tracked deliverables, whichever roadmap they are in.
    Deliverable.objects.filter(pk__in_array=_items.values("deliverable")),
    Roadmap,
    Period,
    fragments.Newest(DeliverableChange),
)


def _meeting_content(request: HttpRequest, meeting: Meeting, can_edit: bool) -> str:
    user = request.user
    items = actions.agenda_items(meeting)
    plan = actions.budget(meeting, items, viewer_zone=viewer_zone(request))
    action_items = list(
        meeting.action_items.select_related("owner", "agenda_item").order_by("done", "due", "id")
    )
    return fragments.render_fragment(
        "meetings/meeting_detail.html#meeting",
        {
            "meeting": meeting,
            "plan": plan,
            "sections": agenda_sections(plan),
            # Once the meeting ran: planned against actual (the items' recorded times).
            "actuals": actuals.planned_vs_actual(meeting, items),
            "consent": consent_agenda(meeting, items),
            "action_items": action_items,
            # Once recorded: decisions and information per item, and who attended.
            "outcomes": meeting_outcomes(meeting),
            "can_edit": can_edit,
            "can_minute": can_edit or any(can_take_minutes(user, meeting, item) for item in items),
            "has_minutes": bool(meeting.minutes.strip())
            or any(item.minutes.strip() for item in items),
        },
    )


@require_GET
@site_visible
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The agenda as everybody reads it. The page but the outbox is cached under one stamp
    query, per edit rights, presenter rights and time zone of the viewer (core.fragments)."""
    meeting = live.watched_meeting(request, meeting_id)
    user = request.user
    can_edit = can_edit_meeting(user, meeting)
    # A presenter may take the minutes of their own items (the page links to the sheet).
    presenter = not can_edit and presents_in(user, meeting)
    zone = viewer_zone(request)
    content = fragments.cached(
        MEETING_PAGE.of(meeting=meeting, series=meeting.series_id, start=meeting.start),
        (meeting.pk, can_edit, presenter, str(zone or "")),
        lambda: _meeting_content(request, meeting, can_edit),
    )
    outbox = None
    if can_see_outbox(user):
        outbox = list(meeting.outbox.order_by("-created_at")[:50])
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "content": content,
            "outbox": outbox,
            **live.page_panel(user, meeting),
        },
    )


# --- the builder ----------------------------------------------------------------------------
