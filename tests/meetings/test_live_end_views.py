"""Ending and reopening a live meeting over HTTP, with and without JavaScript: End asks
first (in place with htmx, `?confirm=end` without), Reopen is offered for half an hour and
refused once the minutes went out; a meeting a week ahead is not started."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from adcmeet.meetings.actions import live, live_end
from adcmeet.meetings.models import LiveSession, Meeting
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def meeting(db):
    meeting = factories.make_meeting(
        factories.make_series(is_public=True),
        state="published",
        revision=1,
        start=timezone.now() - datetime.timedelta(minutes=5),
    )
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    factories.make_item(meeting, "Rucio status", section="hot", duration_minutes=10)
    factories.make_item(meeting, "AOB", section="open_floor", duration_minutes=5)
    return meeting


def session(meeting) -> LiveSession:
    return LiveSession.objects.get(meeting=meeting)


def clock(meeting) -> str:
    return f"/meetings/{meeting.pk}/live/clock/"


@pytest.fixture
def running(client, convener, meeting):
    client.force_login(convener)
    return live.start_meeting(meeting=meeting, by=convener)


def test_without_javascript_end_asks_first_and_lands_on_end_now(client, meeting, running):
    live_page = html(client.get(f"/meetings/{meeting.pk}/live/"))
    asked = client.get(f"/meetings/{meeting.pk}/live/?confirm=end")

    assert f'href="/meetings/{meeting.pk}/live/?confirm=end"' in live_page
    assert "End the meeting?" not in live_page
    page = html(asked)
    assert "End the meeting?</strong> 2 items not taken up will be marked not reached." in page
    assert 'value="end" class="danger" autofocus>End now</button>' in page
    assert "Keep running" in page
    assert session(meeting).ended_at is None

    ended = client.post(clock(meeting), {"do": "end", "confirm": "yes", "version": 1})

    assert ended.status_code == 302
    assert session(meeting).ended_at is not None
    page = html(client.get(ended["Location"]))
    assert "Reopen it within 30 minutes" in page
    assert "Reopen the meeting" in page


def test_an_end_posted_without_the_answer_asks_instead_of_ending(client, meeting, running):
    plain = client.post(clock(meeting), {"do": "end", "version": 1})
    swapped = client.post(clock(meeting), {"do": "end", "version": 1}, **HX)

    assert plain.status_code == 302
    assert plain["Location"] == f"/meetings/{meeting.pk}/live/?confirm=end"
    assert "End the meeting?" in html(swapped)
    assert session(meeting).ended_at is None


def test_with_htmx_the_question_swaps_into_the_live_region_and_keep_running_takes_it_away(
    client, meeting, running
):
    asked = client.get(f"/meetings/{meeting.pk}/live/?confirm=end", **HX)
    kept = client.get(f"/meetings/{meeting.pk}/live/", **HX)

    assert html(asked).lstrip().startswith('<div id="live"')
    assert "2 items not taken up will be marked not reached." in html(asked)
    assert html(kept).lstrip().startswith('<div id="live"')
    assert "End the meeting?" not in html(kept)
    # The keyboard is back on the End button it left.
    assert 'data-key="end" autofocus>End the meeting</a>' in html(kept)
    assert session(meeting).ended_at is None


def test_end_then_reopen_with_htmx_runs_the_meeting_again_paused(client, meeting, running):
    ended = client.post(clock(meeting), {"do": "end", "confirm": "yes", "version": 1}, **HX)
    version = session(meeting).version

    reopened = client.post(clock(meeting), {"do": "reopen", "version": version}, **HX)

    assert "The meeting has ended." in html(ended)
    assert "Reopen the meeting" in html(ended)
    assert reopened.status_code == 200
    page = html(reopened)
    assert "Now: Pilot and GlideinWMS, item 1 of 3, paused." in page
    assert "The meeting is running again, paused" in page
    assert "Reopen the meeting" not in page
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED
    assert not meeting.items.filter(not_reached=True).exists()


def test_reopen_without_javascript_redirects_back_to_the_running_clock(client, meeting, running):
    client.post(clock(meeting), {"do": "end", "confirm": "yes", "version": 1})

    response = client.post(clock(meeting), {"do": "reopen", "version": 2})

    assert response.status_code == 302
    assert session(meeting).ended_at is None
    assert 'data-key="next"' in html(client.get(response["Location"]))


def test_reopen_is_refused_once_the_meeting_was_closed(client, meeting, running):
    client.post(
        f"/meetings/{meeting.pk}/live/items/{running.current_item_id}/note/", {"note": "Go"}
    )
    client.post(clock(meeting), {"do": "end", "confirm": "yes", "version": 1})
    client.post(f"/meetings/{meeting.pk}/live/close/")
    page = html(client.get(f"/meetings/{meeting.pk}/live/"))

    response = client.post(clock(meeting), {"do": "reopen", "version": 2}, **HX)

    assert "Reopen the meeting" not in page
    assert response.status_code == 422
    assert "can no longer be reopened: its minutes were published" in html(response)
    assert session(meeting).ended_at is not None


def test_the_reopen_offer_goes_after_thirty_minutes(client, meeting, running):
    client.post(clock(meeting), {"do": "end", "confirm": "yes", "version": 1})
    long_ago = timezone.now() - datetime.timedelta(minutes=31)
    LiveSession.objects.filter(meeting=meeting).update(started_at=long_ago, ended_at=long_ago)

    page = html(client.get(f"/meetings/{meeting.pk}/live/"))
    response = client.post(clock(meeting), {"do": "reopen", "version": 2}, **HX)

    assert "Close and send the minutes" in page
    assert "Reopen the meeting" not in page
    assert response.status_code == 422
    assert "more than 30 minutes ago" in html(response)


def test_next_weeks_meeting_is_not_started_by_a_mis_click(client, convener, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(start=timezone.now() + datetime.timedelta(days=7))
    client.force_login(convener)

    response = client.post(f"/meetings/{meeting.pk}/live/start/", **HX)

    assert response.status_code == 422
    assert "it can be run live from a day before its start" in html(response)
    assert not LiveSession.objects.exists()


def test_watchers_keep_asking_after_the_end_and_see_a_reopen(client, meeting, running):
    client.post(clock(meeting), {"do": "end", "confirm": "yes", "version": 1})
    client.logout()
    ended = client.get(f"/meetings/{meeting.pk}/live/status/", **HX)
    unchanged = client.get(
        f"/meetings/{meeting.pk}/live/status/", HTTP_IF_NONE_MATCH=ended["ETag"], **HX
    )
    live_end.reopen_meeting(session=session(meeting), version=2, by=None)

    reopened = client.get(
        f"/meetings/{meeting.pk}/live/status/", HTTP_IF_NONE_MATCH=ended["ETag"], **HX
    )

    assert (ended.status_code, unchanged.status_code) == (200, 304)
    assert "The meeting has ended" in html(ended)
    assert reopened.status_code == 200
    assert "Pilot and GlideinWMS" in html(reopened)
    assert "paused" in html(reopened)


def test_ends_question_and_the_ended_page_cost_no_more_than_the_running_page(
    client, meeting, running, django_assert_max_num_queries
):
    client.get(f"/meetings/{meeting.pk}/live/")  # warm: content types, templates
    with CaptureQueriesContext(connection) as running_page:
        client.get(f"/meetings/{meeting.pk}/live/")
    # Counted now: the captured list is a view on the connection's log, which the
    # assertions below clear.
    limit = len(running_page)
    for n in range(30):
        factories.make_item(meeting, f"Site report {n}", duration_minutes=5)

    with django_assert_max_num_queries(limit):
        asked = client.get(f"/meetings/{meeting.pk}/live/?confirm=end")
    client.post(clock(meeting), {"do": "end", "confirm": "yes", "version": 1})
    with django_assert_max_num_queries(limit):
        ended = client.get(f"/meetings/{meeting.pk}/live/")

    assert "32 items not taken up" in html(asked)
    assert "Reopen the meeting" in html(ended)
