"""Calendar feeds: a series' meetings, a person's own dates, one meeting as a download.

The series feed answers a client that already holds the current feed with 304 from one
aggregate query, before anything is built; building it costs three queries whatever the
number of meetings (series + validators, meetings, their items with presenters).
"""

import datetime
import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from adcmeet.accounts.models import User
from adcmeet.core import fragments
from adcmeet.core.access import can_read_series_feed, site_visible
from adcmeet.core.fragments import Param
from adcmeet.lib import ical
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting, MeetingSeries
from deliverables.models import Deliverable, Period, Roadmap

# Bump when the feed's format changes, so clients holding an old copy get the new one.
FEED_FORMAT = "1"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# Clients may reuse a copy for five minutes; after that they revalidate (a cheap 304).
MAX_AGE = 300


# --- URLs, for pages that offer the feeds --------------------------------------------------


def series_feed_url(series: MeetingSeries) -> str:
    """The absolute subscription URL; with the token where anonymous clients need one."""
    url = settings.SITE_URL + reverse("calendar-series", args=[series.slug])
    if not series.is_public or settings.SITE_PRIVATE:
        url += "?" + urlencode({"token": series.feed_token})
    return url


def personal_feed_url(user: User) -> str:
    return settings.SITE_URL + reverse("calendar-personal", args=[user.calendar_token])


def meeting_ics_url(meeting: Meeting) -> str:
    return reverse("meeting-ics", args=[meeting.pk])


# --- helpers --------------------------------------------------------------------------------


def _window_start(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.FEED_PAST_DAYS)


def _live_items() -> Prefetch:
    return Prefetch(
        "items",
        queryset=AgendaItem.objects.live().select_related("presenter"),
        to_attr="feed_items",
    )


def _calendar_response(
    body: bytes, *, filename: str, private: bool, attachment: bool = False
) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = f"{'private' if private else 'public'}, max-age={MAX_AGE}"
    if private:
        # Token URLs are secrets: keep them out of search engines.
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# What the series feed shows (adcmeet.core.fragments): the series, its meetings in the window,
# their items and presenters. Their stamp joins the validators on PostgreSQL, so an item edited
# in the admin or a presenter renamed is a new ETag, not only a change that moved a version.
_slug, _since = Param("slug"), Param("since")
_items = AgendaItem.objects.filter(meeting__series__slug=_slug, meeting__start__gte=_since)
SERIES_FEED = fragments.Sources(
    "series-feed",
    MeetingSeries.objects.filter(slug=_slug),
    Meeting.objects.filter(series__slug=_slug, start__gte=_since),
    _items,
    User.objects.filter(pk__in_array=_items.values("presenter")),
)
# The series with the aggregates its validators digest, in one query compiled once: this is
# all a revalidating calendar client costs, and the ORM took longer to compile the annotate()
# than PostgreSQL takes to run it.
_window = Q(meetings__start__gte=_since)
SERIES_WITH_VALIDATORS = fragments.Prepared(
    MeetingSeries.objects.filter(slug=_slug).annotate(
        feed_count=Count("meetings", filter=_window),
        feed_version_sum=Sum("meetings__version", filter=_window),
        feed_revision_sum=Sum("meetings__revision", filter=_window),
        feed_last_id=Max("meetings__id", filter=_window),
        feed_modified=Max("meetings__updated_at", filter=_window),
    ),
    stamp=SERIES_FEED,
)


def _series_validators(series: MeetingSeries) -> tuple[str, datetime.datetime]:
    """ETag and Last-Modified from the aggregates annotated on `series`.

    Every agenda change bumps its meeting's version with a conditional UPDATE (which does not
    touch auto_now), so the sum of versions moves even when updated_at does not; the count and
    the newest id catch meetings entering or leaving the window.
    """
    parts = [
        FEED_FORMAT,
        settings.SITE_URL,
        series.pk,
        series.name,
        series.slug,
        series.description,
        series.time_zone,
        series.target_minutes,
        series.limit_minutes,
        series.location,
        series.video_url,
        series.organizer_name,
        series.organizer_email,
        series.feed_count,
        series.feed_version_sum,
        series.feed_revision_sum,
        series.feed_last_id,
        series.feed_modified.isoformat() if series.feed_modified else "",
        getattr(series, "fragment_stamp", ""),
    ]
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return quote_etag(digest), series.feed_modified or series.created_at


def _not_modified(request: HttpRequest, etag: str, modified: datetime.datetime):
    return get_conditional_response(request, etag=etag, last_modified=int(modified.timestamp()))


# --- views ----------------------------------------------------------------------------------


@require_safe
def series_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """The meetings of a series: the last FEED_PAST_DAYS days and everything ahead."""
    since = _window_start()
    series = SERIES_WITH_VALIDATORS.first(slug=slug, since=since)
    token = request.GET.get("token")
    if series is None or not can_read_series_feed(series, token):
        raise Http404("No such calendar.")
    private = not (series.is_public and not settings.SITE_PRIVATE)
    etag, modified = _series_validators(series)
    cached = _not_modified(request, etag, modified)
    if cached is not None:
        # A 304 repeats the validators and caching rules the full answer would carry.
        cached["ETag"] = etag
        cached["Last-Modified"] = http_date(modified.timestamp())
        cached["Cache-Control"] = f"{'private' if private else 'public'}, max-age={MAX_AGE}"
        return cached

    # The body is a function of what the ETag digests, so a copy built for the same ETag is
    # reused: a first-time subscriber costs the one validator query, not a rebuild (issue 7).
    def build() -> bytes:
        # Through the related manager, so every meeting already knows its series (no join).
        meetings = list(
            series.meetings.filter(start__gte=since)
            .prefetch_related(_live_items())
            .order_by("start")
        )
        return ical.meeting_calendar(
            meetings,
            items_by_meeting={m.pk: m.feed_items for m in meetings},
            site_url=settings.SITE_URL,
            name=series.name,
            description=series.description or f"{series.name} ({settings.SITE_NAME})",
        )

    body = fragments.cached_under("series-feed", etag, (), build, source=SERIES_FEED.name)
    response = _calendar_response(body, filename=f"{series.slug}.ics", private=private)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified.timestamp())
    return response


# What a personal feed shows (adcmeet.core.fragments): the people, the meetings the person
# presents in (those in the window: one leaving it changes the count), every item of those
# meetings, the series, their deliverables (and owner links) with periods and roadmaps; the
# action items they own (open ones with a due date are shown) and the meetings that set them.
_presented = AgendaItem.objects.filter(presenter=Param("person")).values("meeting")
_owned = Deliverable.owners.through.objects.filter(user=Param("person"))
_actions = ActionItem.objects.filter(owner=Param("person"))
PERSONAL_FEED = fragments.Sources(
    "personal-feed",
    User,
    Meeting.objects.filter(pk__in_array=_presented, start__gte=Param("since")),
    AgendaItem.objects.filter(meeting__in_array=_presented),
    MeetingSeries,
    _owned,
    Deliverable.objects.filter(pk__in_array=_owned.values("deliverable")),
    Period,
    Roadmap,
    _actions,
    Meeting.objects.filter(pk__in_array=_actions.values("meeting")),
)


def _personal_body(person: User, since: datetime.datetime) -> tuple[bytes, str]:
    # The meetings come with their items: every one of them has at least the person's own.
    presented = AgendaItem.objects.live().filter(presenter=person).values("meeting_id")
    items = (
        AgendaItem.objects.live()
        .filter(meeting__start__gte=since, meeting_id__in=presented)
        .select_related("meeting__series", "presenter")
        .order_by("meeting__start", "meeting_id", "position", "id")
    )
    meetings: list[Meeting] = []
    items_by_meeting: dict[int, list[AgendaItem]] = {}
    for item in items:
        if item.meeting_id not in items_by_meeting:
            meetings.append(item.meeting)
            items_by_meeting[item.meeting_id] = []
        items_by_meeting[item.meeting_id].append(item)
    since_day = since.date()
    deliverables = (
        Deliverable.objects.open()
        .owned_by(person)
        .filter(
            Q(deadline__gte=since_day)
            | Q(deadline__isnull=True, period__end__gte=since_day)
            | Q(start_by__gte=since_day)
        )
        .select_related("period", "roadmap")
        .defer("roadmap__baseline")
        .order_by("pk")
    )
    extra = [
        event
        for deliverable in deliverables
        for event in ical.deliverable_events(deliverable, site_url=settings.SITE_URL)
    ]
    # Open actions with a due date, overdue ones too (until they are ticked done).
    due_actions = (
        ActionItem.objects.filter(owner=person, done=False, due__gte=since_day)
        .select_related("meeting__series")
        .order_by("due", "pk")
    )
    extra += [ical.action_event(action, site_url=settings.SITE_URL) for action in due_actions]
    body = ical.meeting_calendar(
        meetings,
        items_by_meeting=items_by_meeting,
        site_url=settings.SITE_URL,
        name=f"{person.display_name}: ADC presentations and deliverables",
        description=f"What {person.display_name} presents and delivers ({settings.SITE_NAME})",
        extra_events=extra,
        presenter_id=person.pk,
    )
    # The digest of what is served: a rebuild that comes out the same keeps the ETag.
    return body, quote_etag(hashlib.sha256(body).hexdigest()[:32])


@require_safe
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's own dates: the meetings they present in, their deliverables' due and
    start-by days, their open actions' due days. The token in the URL is the only
    credential; rotating it ends the URL.

    The built feed and its ETag are cached under a one-query stamp of what it shows
    (adcmeet.core.fragments), so a client revalidating costs two queries, not a rebuild."""
    person = User.objects.filter(calendar_token=token, is_active=True).first()
    if person is None:
        raise Http404("No such calendar.")
    since = _window_start()
    body, etag = fragments.cached(
        PERSONAL_FEED.of(person=person, since=since),
        (FEED_FORMAT, settings.SITE_URL, person.pk, since.date()),
        lambda: _personal_body(person, since),
    )
    cached = get_conditional_response(request, etag=etag)
    if cached is not None:
        cached["ETag"] = etag
        cached["Cache-Control"] = f"private, max-age={MAX_AGE}"
        return cached
    response = _calendar_response(body, filename="my-adc-calendar.ics", private=True)
    response["ETag"] = etag
    return response


@require_safe
@site_visible
def meeting_ics(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One meeting as an .ics download ("Add to calendar"); the same UID as in the feed."""
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user)
        .select_related("series")
        .prefetch_related(_live_items()),
        pk=meeting_id,
    )
    body = ical.meeting_calendar(
        [meeting],
        items_by_meeting={meeting.pk: meeting.feed_items},
        site_url=settings.SITE_URL,
    )
    day = meeting.local_start.date().isoformat()
    return _calendar_response(
        body,
        filename=f"{meeting.series.slug}-{day}.ics",
        private=not meeting.series.is_public or settings.SITE_PRIVATE,
        attachment=True,
    )
