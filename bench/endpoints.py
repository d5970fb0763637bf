"""What is measured: each page's target, and the endpoints of the generated data."""

import dataclasses
import os
import urllib.parse
from collections.abc import Callable

from bench.common import HOST
from bench.driver import Request, Scenario, run_once
from bench.sessions import cookie_header


@dataclasses.dataclass(frozen=True)
class Target:
    """From the issue: p50 and p99 at one connection; throughput as a share of the bare view."""

    p50_ms: float | None = 25.0
    p99_ms: float | None = 100.0
    ratio: float | None = 0.25

    def describe(self) -> str:
        if self.p50_ms is None:
            return "ceiling"
        return f"p50≤{self.p50_ms:g} p99≤{self.p99_ms:g} ≥{self.ratio:.0%}"


PAGE = Target()
AGENDA = Target(ratio=0.40)
FEED = Target(ratio=0.40)
FEED_304 = Target(ratio=0.70)
CEILING = Target(None, None, None)


@dataclasses.dataclass
class Endpoint:
    key: str
    label: str
    path: str
    target: Target
    method: str = "GET"
    user: str | None = None  # a bench account's role: "convener", "developer"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    # POST fields, one dict per request of the cycle; "{name}" is filled from a variant.
    form: list[dict[str, str]] | None = None
    expect: tuple[int, ...] = (200,)
    captures: tuple[tuple[str, bytes], ...] = ()
    # Fresh substitutions, one dict per connection (each edits its own meeting): the current
    # versions are read from the database just before each run.
    variants: Callable[[], list[dict[str, str]]] | None = None
    max_requests: int | None = None
    cleanup: Callable[[], None] | None = None
    # Runs just before measuring (e.g. fetch the validator a 304 needs, as it is now).
    prepare: Callable[["Endpoint"], None] | None = None
    note: str = ""
    skip: str = ""


def discover_endpoints(port: int) -> tuple[list[Endpoint], dict]:
    """The endpoints of the issue, with ids from the generated data."""
    from adcmeet.accounts.models import User
    from adcmeet.meetings.loaddata import SERIES_SLUG
    from adcmeet.meetings.models import Meeting
    from bench import builder
    from deliverables.models import Deliverable, Project

    meeting = (
        Meeting.objects.filter(state=Meeting.State.PUBLISHED, series__slug=SERIES_SLUG)
        .order_by("start")
        .first()
    )
    developer = User.objects.get(username="bench-developer")
    project = Project.objects.get(slug="panda")
    facts = {
        "meeting_id": meeting.pk,
        "meeting_items": meeting.items.live().count(),
        "developer_deliverables": Deliverable.objects.live().owned_by(developer).count(),
        "filter": {"project": project.slug, "status": "in_progress"},
    }
    feed = f"/calendar/{SERIES_SLUG}.ics"
    from django.contrib.staticfiles.storage import staticfiles_storage

    css = staticfiles_storage.url("css/app.css")
    status, headers, body = run_once(HOST, port, Request(css, headers=(("Accept-Encoding", "br"),)))
    facts["static"] = {
        "path": css,
        "status": status,
        "cache_control": dict(headers).get("cache-control", ""),
        "content_encoding": dict(headers).get("content-encoding", ""),
        "bytes": len(body),
    }
    endpoints = [
        Endpoint("bare", "bare Django view (ceiling)", "/bench/bare/", CEILING),
        Endpoint(
            "static",
            "static app.css (WhiteNoise, br)",
            css,
            CEILING,
            headers={"Accept-Encoding": "br"},
        ),
        Endpoint("home", "home page", "/", PAGE),
        Endpoint(
            "agenda",
            f"agenda page ({facts['meeting_items']} items)",
            f"/meetings/{meeting.pk}/",
            AGENDA,
        ),
        *builder.endpoints(port),
        Endpoint("roadmap", "roadmap", "/roadmap/", PAGE),
        Endpoint(
            "roadmap_filtered",
            "roadmap filtered",
            f"/roadmap/?project={project.slug}&status=in_progress",
            PAGE,
        ),
        Endpoint(
            "mine",
            f"my deliverables ({facts['developer_deliverables']})",
            "/deliverables/mine/",
            PAGE,
            user="developer",
        ),
        Endpoint("taskforces", "task forces", "/taskforces/", PAGE),
        Endpoint("feed", "meeting feed (full)", feed, FEED),
        Endpoint("feed_304", "meeting feed (304)", feed, FEED_304, expect=(304,)),
        Endpoint(
            "personal_feed", "personal feed", f"/calendar/me/{developer.calendar_token}.ics", FEED
        ),
    ]

    def current_etag(endpoint: Endpoint) -> None:
        # The validator the full feed answers with now (builder runs change meetings).
        status, headers, _ = run_once(HOST, port, Request(feed))
        etag = dict(headers).get("etag")
        if status != 200:
            endpoint.skip = f"the feed answered {status}"
        elif not etag:
            endpoint.skip = "the feed sends no ETag"
        else:
            endpoint.headers["If-None-Match"] = etag

    next(e for e in endpoints if e.key == "feed_304").prepare = current_etag
    # Writes last, so the read-only pages see the data exactly as generated.
    endpoints.sort(key=lambda e: e.method != "GET")
    return endpoints, facts


def scenarios_for(endpoint: Endpoint, sessions: dict[str, dict[str, str]]) -> list[Scenario]:
    headers = dict(endpoint.headers)
    if endpoint.user:
        cookies = sessions[endpoint.user]
        headers["Cookie"] = cookie_header(cookies)
        if endpoint.method != "GET":
            headers["X-CSRFToken"] = cookies.get("csrftoken", "")
            headers["Origin"] = os.environ["SITE_URL"]
    bodies = [b""]
    if endpoint.form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        # "{name}" placeholders stay literal (the driver fills them); the rest is quoted.
        bodies = [
            "&".join(
                f"{urllib.parse.quote_plus(k)}="
                + (v if v.startswith("{") else urllib.parse.quote_plus(v))
                for k, v in form.items()
            ).encode()
            for form in endpoint.form
        ]
    requests = tuple(
        Request(
            endpoint.path,
            endpoint.method,
            headers=tuple(headers.items()),
            body=body,
            expect=endpoint.expect,
        )
        for body in bodies
    )
    variants = endpoint.variants() if endpoint.variants else [{}]
    if not variants:
        raise RuntimeError(f"{endpoint.key}: nothing to run it on")
    return [
        Scenario(requests, captures=endpoint.captures, initial=tuple(variant.items()))
        for variant in variants
    ]
