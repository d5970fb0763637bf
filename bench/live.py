"""The watchers of a meeting run live (issue 16): 50 clients polling its status endpoint.

Everybody in the room and on the video call may keep the meeting page open; each page polls
`/meetings/<id>/live/status/` every 3 s with the ETag it holds. While the clock does not move
the answer is a 304 from one query; each step gives every watcher one 200 (the panel) and then
304s again. Both are measured at 50 connections from their own driver processes, against the
same bare view as the pages: the 304 should cost no more than a cached page.

The session runs on the series' second published meeting (not the agenda page's, so that
page is measured as generated) and stays running between runs: starting it is idempotent.
"""

import argparse

from bench.common import HOST, log
from bench.driver import Driver, Request, run_once
from bench.endpoints import FEED, FEED_304, Endpoint
from bench.measure import measure

WATCHERS = 50
KEYS = ("live_status", "live_status_304")


def _watched_meeting():
    from adcmeet.accounts.models import User
    from adcmeet.meetings.actions import live
    from adcmeet.meetings.loaddata import SERIES_SLUG
    from adcmeet.meetings.models import LiveSession, Meeting

    meeting = (
        Meeting.objects.filter(state=Meeting.State.PUBLISHED, series__slug=SERIES_SLUG)
        .select_related("series")
        .order_by("start")[1]
    )
    if not LiveSession.objects.filter(meeting=meeting, ended_at__isnull=True).exists():
        LiveSession.objects.filter(meeting=meeting).delete()
        live.start_meeting(meeting=meeting, by=User.objects.get(username="bench-convener"))
    return meeting


def endpoints(port: int) -> list[Endpoint]:
    meeting = _watched_meeting()
    path = f"/meetings/{meeting.pk}/live/status/"
    htmx = {"HX-Request": "true"}

    def current_etag(endpoint: Endpoint) -> None:
        status, headers, _ = run_once(HOST, port, Request(path, headers=tuple(htmx.items())))
        etag = dict(headers).get("etag")
        if status != 200 or not etag:
            endpoint.skip = f"the status answered {status} without an ETag"
        else:
            endpoint.headers["If-None-Match"] = etag

    return [
        Endpoint(
            "live_status",
            f"live status, {WATCHERS} watchers (panel)",
            path,
            FEED,
            headers=dict(htmx),
            note="what each watcher fetches once after a step of the clock",
        ),
        Endpoint(
            "live_status_304",
            f"live status, {WATCHERS} watchers (304)",
            path,
            FEED_304,
            headers=dict(htmx),
            expect=(304,),
            prepare=current_etag,
            note="the poll every 3 s while the clock has not moved",
        ),
    ]


def measure_watchers(
    port: int, sessions: dict, users: dict, args: argparse.Namespace, only: set[str]
) -> list[dict]:
    """Both status endpoints at WATCHERS connections (their own driver processes)."""
    if only and not only.intersection(KEYS):
        return []
    chosen = [e for e in endpoints(port) if not only or e.key in only]
    watchers = argparse.Namespace(**{**vars(args), "connections": WATCHERS})
    log(f"live status: {WATCHERS} watchers")
    with Driver(HOST, port, max_connections=WATCHERS) as driver:
        return [measure(endpoint, driver, sessions, users, watchers) for endpoint in chosen]
