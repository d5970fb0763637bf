"""Query counts of the pages issue 7 benchmarks, with data large enough to show an N+1.

Each page is measured on a cache miss (the cache emptied first: what a page costs after its
data changed) with a little data and again with much more: the count must not grow. Pages
cached under a stamp (adcmeet.core.fragments) are also measured on a hit. Pages guarded elsewhere:
the roadmap and its filters (tests/deliverables/test_roadmap_page.py), my deliverables
(tests/deliverables/test_my_deliverables.py), the task force list
(tests/taskforces/test_taskforce_list.py), the builder page (tests/meetings/test_agenda_views.py).
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from adcmeet.meetings.models import AgendaItem, Meeting
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
CACHING = connection.vendor == "postgresql"


def count(client, method: str, url: str, data=None, *, cold: bool = True, **headers):
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data or {}, **headers)
    assert response.status_code in (200, 304), (url, response.status_code)
    return len(captured), response


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def world(today, developer, manager):
    """A series with meetings ahead and behind, a current roadmap, task forces."""
    series = factories.make_series()
    roadmap = factories.make_roadmap(today.year)
    pilot = factories.make_task_force("Pilot")
    meetings = [
        factories.make_meeting(
            series,
            on=today + datetime.timedelta(weeks=weeks),
            state=Meeting.State.PUBLISHED,
            revision=1,
        )
        for weeks in range(-2, 3)
    ]
    return {"series": series, "roadmap": roadmap, "pilot": pilot, "meetings": meetings}


def grow(world, developer, manager, start: int, n: int) -> None:
    """More of everything the pages show: items (with presenters, task forces, deliverables),
    action items, deliverables with owners and slips, task forces, people."""
    roadmap, pilot = world["roadmap"], world["pilot"]
    for i in range(start, start + n):
        deliverable = factories.make_deliverable(
            f"deliverable {i}",
            roadmap=roadmap,
            period="Later",
            owners=(developer, manager),
            task_force=pilot,
            deadline=timezone.localdate() + datetime.timedelta(days=30 + i),
        )
        for meeting in world["meetings"]:
            factories.make_item(
                meeting,
                f"Item {i}",
                section=["hot", "tracking"][i % 2],
                presenter=[developer, manager][i % 2],
                task_force=pilot,
                deliverable=deliverable,
                notes=f"*note {i}*",
                duration_minutes=1,
            )
            factories.make_action(meeting, f"Action {i}", owner=developer)
        factories.make_task_force(f"TF {i}")
        factories.make_checkpoint(f"Checkpoint {i}")
        factories.make_user(f"user{i}")


@pytest.mark.parametrize("who", ["anonymous", "convener"])
def test_the_home_page_costs_the_same_queries_for_any_amount_of_data(
    client, world, developer, manager, convener, who
):
    if who == "convener":
        client.force_login(convener)
    grow(world, developer, manager, 0, 2)
    few, _ = count(client, "get", "/")
    grow(world, developer, manager, 2, 30)

    many, response = count(client, "get", "/")
    hit, _ = count(client, "get", "/", cold=False)

    assert "TF 31" in response.content.decode()
    assert many == few <= (7 if who == "anonymous" else 12)
    if CACHING:
        # A convener's page also reads the session, their roles and the mail health (banner).
        assert hit <= (1 if who == "anonymous" else 7)


@pytest.mark.parametrize("who", ["anonymous", "convener"])
def test_the_meeting_page_costs_the_same_queries_for_any_agenda(
    client, world, developer, manager, convener, who
):
    if who == "convener":
        client.force_login(convener)
    meeting = world["meetings"][3]
    url = f"/meetings/{meeting.pk}/"
    grow(world, developer, manager, 0, 2)
    few, _ = count(client, "get", url)
    grow(world, developer, manager, 2, 30)

    many, response = count(client, "get", url)
    hit, _ = count(client, "get", url, cold=False)

    assert "Item 31" in response.content.decode()
    # Three of them for the consent agenda: the roadmap and its periods, the series' previous
    # meeting, the candidates and the owners' reports (actions.tracking.consent_agenda).
    # Two for what was recorded: the outcomes and the attendance (outcome_regions).
    assert many == few <= (11 if who == "anonymous" else 18)
    if CACHING:
        # The meeting, the stamp; for a convener also the session, roles, outbox, mail health.
        assert hit <= (2 if who == "anonymous" else 9)


def _post_version(meeting) -> int:
    meeting.refresh_from_db()
    return meeting.version


@pytest.mark.parametrize("change", ["add", "reorder"])
def test_the_builder_round_trips_cost_the_same_queries_for_any_agenda(
    client, world, developer, manager, convener, change
):
    client.force_login(convener)
    meeting = Meeting.objects.filter(pk=world["meetings"][4].pk)
    meeting.update(state=Meeting.State.DRAFT, revision=0)
    meeting = meeting.get()

    def round_trip() -> int:
        hot = meeting.items.live().filter(section=AgendaItem.Section.HOT).order_by("position")
        if change == "add":
            url = f"/meetings/{meeting.pk}/items/add/"
            data = {"section": "hot", "add-hot-title": "CVMFS", "add-hot-duration_minutes": "5"}
        else:
            url = f"/meetings/{meeting.pk}/items/{hot[1].pk}/move/"
            data = {"direction": "up"}
        queries, response = count(
            client, "post", url, {"version": _post_version(meeting), **data}, **HX
        )
        assert response["HX-Retarget"] == "#budget"
        return queries

    grow(world, developer, manager, 0, 3)
    few = round_trip()
    grow(world, developer, manager, 3, 30)

    # Cold cache: the add also builds the presenter and topic lists; the move reads the
    # duration history, which its redrawn rows show (they have presenters). Neither reads the
    # previous meeting: a draft's publish row stays as the browser has it (17 and 12 before).
    assert round_trip() == few <= {"add": 15, "reorder": 11}[change]


def test_the_series_feed_costs_the_same_queries_for_any_number_of_meetings(
    client, world, developer, manager
):
    url = "/calendar/adc-dev.ics"
    grow(world, developer, manager, 0, 2)
    few, _ = count(client, "get", url)
    grow(world, developer, manager, 2, 30)

    many, response = count(client, "get", url)
    built, _ = count(client, "get", url, cold=False)
    not_modified, unchanged = count(
        client, "get", url, cold=False, HTTP_IF_NONE_MATCH=response["ETag"]
    )

    assert b"Item 31" in response.content
    assert many == few <= 3
    assert built == 1
    assert not_modified == 1
    assert unchanged.status_code == 304


def test_the_personal_feed_costs_the_same_queries_for_any_number_of_dates(
    client, world, developer, manager
):
    url = f"/calendar/me/{developer.calendar_token}.ics"
    grow(world, developer, manager, 0, 2)
    few, _ = count(client, "get", url)
    grow(world, developer, manager, 2, 30)

    many, response = count(client, "get", url)
    hit, _ = count(client, "get", url, cold=False)
    not_modified, unchanged = count(
        client, "get", url, cold=False, HTTP_IF_NONE_MATCH=response["ETag"]
    )

    assert b"deliverable 31" in response.content
    # The fifth: the person's open actions with a due date.
    assert many == few <= 5
    if CACHING:
        assert hit == not_modified == 2
    assert unchanged.status_code == 304
