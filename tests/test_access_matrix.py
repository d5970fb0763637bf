"""Every URL the resolver knows, times every role, checked against the matrix in docs/security.md.

For each URL (path arguments filled with real objects, see tests/urlwalk.py) and each role:
GET, and POST with an empty body. Never a 500. A refused request gets a login redirect
(anonymous), 403 or 404, and a refused POST leaves every row in the database as it was. Private
strings (a non-public series' meeting, someone's calendar token) never reach anyone else.
Each POST runs in a savepoint that is rolled back, so every role sees the same world.
"""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client

from adcmeet.core import access
from adcmeet.meetings.models import Meeting, MeetingSeries
from tests import factories, urlwalk

# Rows that change on any request (sessions, login throttling, admin log) or that describe the
# schema; everything else must be byte-for-byte the same after a refused POST.
VOLATILE_APPS = {"sessions", "axes", "admin", "contenttypes"}
VOLATILE_MODELS = {"auth.permission"}
VOLATILE_FIELDS = {"last_login"}


def snapshot() -> dict:
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in VOLATILE_APPS or label in VOLATILE_MODELS:
            continue
        fields = [
            f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE_FIELDS
        ]
        state[label] = list(model._base_manager.order_by("pk").values_list(*fields))
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def is_login_redirect(response) -> bool:
    if response.status_code == 302:
        return response["Location"].startswith("/login/?next=")
    return response.status_code == 200 and response.get("HX-Redirect", "").startswith("/login/")


@pytest.fixture
def world(db):
    return urlwalk.build_world()


def client_for(world, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.user(role))
    return client


# Pages that show when activities are (or were) focus topics, from the meetings viewers read.
FOCUS_DATE_PAGES = {"home", "focus-topics", "meetings", "meeting", "taskforces", "taskforce"}


def leaks(world, role: str, route: urlwalk.Route, body: str, *, site_private: bool) -> list[str]:
    """Private strings in a response that the role must not see."""
    problems = []
    token_url = route.name in {"calendar-personal", "status-link", "status-link-done"}
    developer = world.user("developer")
    if role != "developer" and not token_url and developer.calendar_token in body:
        problems.append("the developer's calendar token")
    if role == "anonymous":
        if urlwalk.PRIVATE_MEETING_TITLE.split()[0] in body:
            problems.append("a non-public series' meeting")
        if world.private_series.feed_token in body:
            problems.append("a non-public series' feed token")
        # Every page that shows when an activity was a focus topic: the rotation, home, the
        # meetings, the task-force list (public dates only) and an activity's page.
        for date in world.private_focus_dates() if route.name in FOCUS_DATE_PAGES else ():
            if date in body:
                problems.append(f"the date of a non-public series' focus topic ({date})")
        if site_private and not token_url:
            for title in (urlwalk.PUBLIC_MEETING_TITLE, urlwalk.PUBLIC_DELIVERABLE_TITLE):
                if title.split()[0] in body:
                    problems.append(f"{title!r} on a private site")
    return problems


def check_get(world, client, role, route, rule, *, site_private=False) -> list[str]:
    url = route.url(world)
    response = client.get(url)
    where = f"GET {url} as {role}"
    status = response.status_code
    if status >= 500:
        return [f"{where}: {status}"]
    problems = []
    if rule is None:  # no GET row: the URL only takes POST
        if status != 405:
            problems.append(f"{where}: {status}, expected 405 (no GET row in the matrix)")
        return problems
    allowed = rule.allows(role, site_private=site_private)
    if allowed:
        if status >= 400 or is_login_redirect(response):
            problems.append(f"{where}: {status}, but the matrix allows it")
    elif role == "anonymous":
        if not (is_login_redirect(response) or status in (403, 404)):
            problems.append(f"{where}: {status}, expected a login redirect, 403 or 404")
    elif status not in (403, 404):
        problems.append(f"{where}: {status}, expected 403 or 404")
    body = b"" if response.streaming else response.content
    for leak in leaks(world, role, route, body.decode(errors="replace"), site_private=site_private):
        problems.append(f"{where}: leaks {leak}")
    return problems


def check_post(world, client, role, route, rule) -> list[str]:
    url = route.url(world)
    where = f"POST {url} as {role}"
    allowed = rule is not None and rule.allows(role)
    with transaction.atomic():
        # Only a refused write must leave everything as it was; comparing costs a query per
        # table, so allowed ones are just rolled back.
        before = None if allowed else snapshot()
        response = client.post(url, {})
        after = None if allowed else snapshot()
        transaction.set_rollback(True)
    status = response.status_code
    if status >= 500:
        return [f"{where}: {status}"]
    problems = []
    if rule is None and status != 405:
        problems.append(f"{where}: {status}, expected 405 (no POST row in the matrix)")
    if not allowed:
        if role == "anonymous" and rule is not None:
            if not (is_login_redirect(response) or status in (403, 404, 405)):
                problems.append(f"{where}: {status}, expected a login redirect, 403 or 405")
        elif rule is not None and status not in (400, 403, 404, 405):
            # 400: the object the permission depends on is named in the (empty) body.
            problems.append(f"{where}: {status}, expected 400/403/404/405")
        if changed := changed_tables(before, after):
            problems.append(f"{where}: refused, yet changed {', '.join(changed)}")
    return problems


def test_every_url_has_a_row_in_the_matrix_and_every_row_a_url(db):
    routes = {route.name for route in urlwalk.routes()}
    documented = {name for name, _method in urlwalk.matrix()}
    assert routes - documented == set(), "URLs missing from docs/security.md's matrix"
    assert documented - routes == set(), "matrix rows in docs/security.md for URLs that are gone"


def test_every_path_argument_can_be_filled_with_a_real_object(world):
    for route in urlwalk.routes():
        assert route.url(world).startswith("/")


@pytest.mark.parametrize("role", urlwalk.ROLES)
def test_every_url_answers_each_role_as_the_matrix_says(world, role):
    rules = urlwalk.matrix()
    client = client_for(world, role)
    problems = []
    for route in urlwalk.routes():
        get_rule = rules.get((route.name, "GET"))
        post_rule = rules.get((route.name, "POST"))
        problems += check_get(world, client, role, route, get_rule)
        if route.name == "logout":
            continue  # logging out would end this walk's session; covered on its own below
        problems += check_post(world, client, role, route, post_rule)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", ["anonymous", "outsider", "convener"])
def test_htmx_requests_get_the_same_answers(world, role):
    """The same walk with HX-Request: partial responses obey the same matrix."""
    rules = urlwalk.matrix()
    client = client_for(world, role)
    client.defaults["HTTP_HX_REQUEST"] = "true"
    problems = []
    for route in urlwalk.routes():
        if (rule := rules.get((route.name, "GET"))) is not None:
            problems += check_get(world, client, role, route, rule)
    assert problems == [], "\n".join(problems)


def test_on_a_private_site_anonymous_visitors_reach_only_login_health_and_token_urls(
    world, settings
):
    settings.SITE_PRIVATE = True
    rules = urlwalk.matrix()
    client = client_for(world, "anonymous")
    problems = []
    for route in urlwalk.routes():
        if (rule := rules.get((route.name, "GET"))) is not None:
            problems += check_get(world, client, "anonymous", route, rule, site_private=True)
    assert problems == [], "\n".join(problems)
    reachable = [
        name
        for (name, method), rule in rules.items()
        if method == "GET" and rule.allows("anonymous", site_private=True)
    ]
    assert sorted(reachable) == [
        "calendar-personal",
        "healthz",
        "login",
        "mail-unsubscribe",
        "status-link",
        "status-link-done",
    ]


def test_a_non_public_series_feed_needs_its_token(world, client):
    series = world.private_series

    without = client.get(f"/calendar/{series.slug}.ics")
    with_token = client.get(f"/calendar/{series.slug}.ics", {"token": series.feed_token})
    wrong = client.get(f"/calendar/{series.slug}.ics", {"token": "x" * 32})

    assert without.status_code == 404
    assert wrong.status_code == 404
    assert with_token.status_code == 200
    assert urlwalk.PRIVATE_MEETING_TITLE.encode() in with_token.content


def test_a_personal_feed_with_a_wrong_or_rotated_token_is_gone(world, client):
    developer = world.user("developer")
    old = developer.calendar_token
    developer.rotate_calendar_token()

    assert client.get(f"/calendar/me/{old}.ics").status_code == 404
    assert client.get(f"/calendar/me/{developer.calendar_token}.ics").status_code == 200


def test_logging_out_needs_a_post_and_ends_the_session(world):
    client = client_for(world, "developer")

    assert client.get("/logout/").status_code == 405
    assert client.get("/me/").status_code == 200
    client.post("/logout/")
    assert is_login_redirect(client.get("/me/"))


def test_anonymous_htmx_requests_are_redirected_as_a_whole_page(world):
    client = Client()
    response = client.get(
        "/audit/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/roadmap/"}
    )
    assert response["HX-Redirect"] == "/login/?next=/roadmap/"


# --- the predicates the matrix is built from (adcmeet.core.access) ---------------------------


def test_a_superuser_holds_every_role_and_a_group_only_its_own(db, developer):
    root = factories.make_user("root", is_superuser=True)

    assert all(access.has_role(root, role) for role in access.ROLES)
    assert access.is_developer(developer)
    assert not access.is_convener(developer)
    assert not access.is_manager(developer)
    assert not access.has_role(AnonymousUser(), access.DEVELOPER)


def test_a_series_convener_convenes_that_series_only_and_a_convener_every_series(
    db, convener, developer
):
    ours = factories.make_series()
    theirs = factories.make_series(name="Rucio meeting", slug="rucio")
    ours.conveners.add(developer)
    series = MeetingSeries.objects.order_by("pk")

    assert access.convenes_series(developer, ours)
    assert not access.convenes_series(developer, theirs)
    assert list(access.series_convened_by(developer, series)) == [ours]
    assert list(access.series_convened_by(convener, series)) == [ours, theirs]
    assert list(access.series_convened_by(AnonymousUser(), series)) == []
    # The one-object and the many-objects forms of the rule agree.
    for user in (developer, convener, AnonymousUser()):
        assert [s for s in series if access.convenes_series(user, s)] == list(
            access.series_convened_by(user, series)
        )


def test_anonymous_visitors_see_public_series_meetings_and_none_on_a_private_site(
    db, developer, settings
):
    public = factories.make_meeting(factories.make_series())
    hidden = factories.make_meeting(
        factories.make_series(name="Managers", slug="managers", is_public=False)
    )
    meetings = Meeting.objects.order_by("pk")

    assert list(access.visible_meetings(AnonymousUser(), meetings)) == [public]
    assert list(access.visible_meetings(developer, meetings)) == [public, hidden]
    assert list(Meeting.objects.visible_to(AnonymousUser())) == [public]
    settings.SITE_PRIVATE = True
    assert list(access.visible_meetings(AnonymousUser(), meetings)) == []


def test_a_presenter_may_minute_their_own_items_only(db, developer, manager):
    meeting = factories.make_meeting(factories.make_series())
    theirs = factories.make_item(meeting, "Pilot news", presenter=developer)
    other = factories.make_item(meeting, "Rucio news", presenter=manager)

    assert access.presents_in(developer, meeting)
    assert access.can_take_minutes(developer, meeting, theirs)
    assert not access.can_take_minutes(developer, meeting, other)
    assert not access.presents_in(AnonymousUser(), meeting)
