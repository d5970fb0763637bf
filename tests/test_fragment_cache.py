"""Cached pages never outlive a change of what they show (adcmeet.core.fragments, issue 7).

Every change below goes through a path that leaves `updated_at` and `version` alone (a
queryset `.update()`, an M2M add, a rename of a person): the stamp of row versions still sees
it. On PostgreSQL each test also checks that an unchanged page is served from the cache (fewer
queries); on SQLite nothing is cached and the pages are simply rendered every time.
"""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from adcmeet.accounts.models import User
from adcmeet.meetings.models import AgendaItem, Meeting
from deliverables.models import Deliverable
from taskforces.models import OutlineItem, TaskForce
from tests import factories

pytestmark = pytest.mark.django_db

CACHING = connection.vendor == "postgresql"


def page(client, url: str, **headers) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def served_from_cache(client, url: str) -> str:
    """The page twice: on PostgreSQL the second answer costs fewer queries (a cache hit)."""
    cache.clear()
    first, miss = page(client, url)
    second, hit = page(client, url)
    # The same page but for the CSRF token, masked afresh for every response.
    token = re.compile(r'"X-CSRFToken": "[^"]+"')
    assert token.sub("", second) == token.sub("", first)
    if CACHING:
        assert hit < miss, f"{url}: {hit} queries on the second view, {miss} on the first"
    return second


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def roadmap(today):
    return factories.make_roadmap(today.year)


@pytest.fixture
def deliverable(roadmap, developer):
    return factories.make_deliverable(
        "new looping job killer in pilot", roadmap=roadmap, period="Later", owners=(developer,)
    )


@pytest.fixture
def meeting(today):
    meeting = factories.make_meeting(
        factories.make_series(),
        on=today + datetime.timedelta(days=7),
        state=Meeting.State.PUBLISHED,
        revision=1,
    )
    factories.make_item(meeting, "PanDA server release")
    return meeting


def test_the_home_page_shows_a_renamed_task_force_and_a_deliverable_done(
    client, meeting, deliverable, today
):
    rucio = factories.make_task_force("Rucio")
    html = served_from_cache(client, "/")
    assert "Rucio" in html
    assert "PanDA server release" not in html  # the home page names the meeting, not items

    TaskForce.objects.filter(pk=rucio.pk).update(name="Rucio and DDM")
    Deliverable.objects.filter(pk=deliverable.pk).update(status="done", done_on=today)
    html, _ = page(client, "/")

    assert "Rucio and DDM" in html
    assert "<td>1</td><td>1</td><td>0</td><td>0</td>" in html  # Later: 1 planned, 1 done


def test_the_home_page_moves_on_when_the_next_meeting_is_cancelled(client, meeting, today):
    later = factories.make_meeting(meeting.series, on=today + datetime.timedelta(days=14))
    served_from_cache(client, "/")

    Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.CANCELLED)
    html, _ = page(client, "/")

    assert later.local_start.strftime("%d %B %Y").lstrip("0") in html


def test_the_roadmap_shows_renamed_deliverables_owners_and_new_owners(
    client, deliverable, developer, manager
):
    html = served_from_cache(client, "/roadmap/")
    assert "new looping job killer in pilot" in html
    assert "Bob Developer" in html

    Deliverable.objects.filter(pk=deliverable.pk).update(title="looping job killer v2")
    User.objects.filter(pk=developer.pk).update(name="Robert Developer")
    deliverable.owners.add(manager)
    html, _ = page(client, "/roadmap/")

    assert "looping job killer v2" in html
    assert "Carol Manager, Robert Developer" in html


def test_a_filtered_roadmap_follows_a_status_change(client, deliverable, today):
    url = "/roadmap/?status=done"
    assert "new looping job killer" not in served_from_cache(client, url)

    Deliverable.objects.filter(pk=deliverable.pk).update(status="done", done_on=today)
    html, _ = page(client, url)

    assert "new looping job killer in pilot" in html


def test_a_manager_sees_the_manager_tools_on_a_roadmap_cached_for_an_anonymous_visit(
    client, deliverable, manager
):
    served_from_cache(client, "/roadmap/")

    client.force_login(manager)
    html, _ = page(client, "/roadmap/")

    assert "Import an outline" in html
    assert "new looping job killer in pilot" in html


def test_the_task_force_list_follows_outline_and_convener_changes(client, developer):
    pilot = factories.make_task_force("Pilot")
    pilot.conveners.add(developer)
    plan = factories.make_outline_item(pilot, "multicore queues", kind="plan")
    html = served_from_cache(client, "/taskforces/")
    assert "Bob Developer" in html
    assert '<td class="num">1</td>' in html

    OutlineItem.objects.filter(pk=plan.pk).update(done=True)
    User.objects.filter(pk=developer.pk).update(name="Robert Developer")
    html, _ = page(client, "/taskforces/")

    assert "Robert Developer" in html
    assert '<td class="num">0</td>' in html


def test_the_meeting_page_follows_an_item_edit_that_leaves_the_meeting_alone(client, meeting):
    url = f"/meetings/{meeting.pk}/"
    assert "PanDA server release" in served_from_cache(client, url)

    AgendaItem.objects.filter(meeting=meeting).update(title="PanDA server 0.0.12")
    html, _ = page(client, url)

    assert "PanDA server 0.0.12" in html
    assert "PanDA server release" not in html


def test_the_meeting_page_cached_for_one_viewer_never_shows_another_viewers_links(
    client, meeting, convener
):
    url = f"/meetings/{meeting.pk}/"
    anonymous, _ = page(client, url)
    client.force_login(convener)
    as_convener, _ = page(client, url)
    client.logout()
    anonymous_again, _ = page(client, url)

    assert "Edit the agenda" not in anonymous
    assert "Edit the agenda" in as_convener
    assert "Edit the agenda" not in anonymous_again


def test_nothing_cached_holds_a_csrf_token(client, meeting, deliverable, convener, manager):
    for user in (convener, manager):
        client.force_login(user)
        for url in ("/", "/roadmap/", "/taskforces/", f"/meetings/{meeting.pk}/"):
            html, _ = page(client, url)
            assert "csrfmiddlewaretoken" in html  # the page has forms (log out, at least)
    # LocMemCache's store holds keys as ":<version>:<key>".
    stored = [cache.get(key.split(":", 2)[2]) for key in list(cache._cache)]

    assert len(stored) >= (4 if CACHING else 0)
    for value in stored:
        assert "csrfmiddlewaretoken" not in str(value)


def test_the_personal_feed_follows_a_deliverable_change_and_keeps_its_etag_otherwise(
    client, deliverable, developer, today
):
    url = f"/calendar/me/{developer.calendar_token}.ics"
    Deliverable.objects.filter(pk=deliverable.pk).update(deadline=today + datetime.timedelta(30))
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    if CACHING:
        assert len(queries) == 2  # the person and the stamp

    Deliverable.objects.filter(pk=deliverable.pk).update(title="looping job killer v2")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert b"looping job killer v2" in changed.content
