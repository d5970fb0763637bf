"""Live mode over HTTP: who may run it, plain forms (POST, redirect back), htmx regions, the
convener's own poll, and the watchers' status endpoint (ETag, 304, 286) with its query cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from adcmeet.meetings import actions as agenda_actions
from adcmeet.meetings.actions import live
from adcmeet.meetings.models import AgendaItem, LiveSession, Meeting
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


def started(meeting, by) -> LiveSession:
    return live.start_meeting(meeting=meeting, by=by)


def test_a_convener_starts_the_meeting_with_a_plain_form_and_lands_back_on_live_mode(
    client, convener, meeting
):
    client.force_login(convener)

    page = client.get(f"/meetings/{meeting.pk}/live/")
    response = client.post(f"/meetings/{meeting.pk}/live/start/")

    assert "Start the meeting" in html(page)
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/live/"
    page = html(client.get(response["Location"]))
    assert "Now: Pilot and GlideinWMS, item 1 of 3." in page
    assert "you drive the clock" in page
    assert 'data-key="next"' in page


def test_next_without_javascript_redirects_and_with_htmx_swaps_the_live_region(
    client, convener, meeting
):
    client.force_login(convener)
    started(meeting, convener)

    plain = client.post(f"/meetings/{meeting.pk}/live/clock/", {"do": "next", "version": 1})
    swapped = client.post(f"/meetings/{meeting.pk}/live/clock/", {"do": "next", "version": 2}, **HX)

    assert plain.status_code == 302
    assert swapped.status_code == 200
    assert html(swapped).lstrip().startswith('<div id="live"')
    assert "Now: AOB, item 3 of 3." in html(swapped)
    assert session(meeting).current_item.title == "AOB"


def test_a_stale_step_is_a_409_that_shows_the_clock_as_it_is(client, convener, meeting):
    client.force_login(convener)
    started(meeting, convener)
    client.post(f"/meetings/{meeting.pk}/live/clock/", {"do": "next", "version": 1})

    response = client.post(
        f"/meetings/{meeting.pk}/live/clock/", {"do": "next", "version": 1}, **HX
    )

    assert response.status_code == 409
    assert "It is now on “Rucio status”" in html(response)
    assert "Now: Rucio status, item 2 of 3." in html(response)
    assert session(meeting).current_item.title == "Rucio status"


def test_another_convener_sees_who_drives_and_may_take_over(client, convener, meeting):
    started(meeting, convener)
    bob = factories.make_user("bob", roles=("Convener",))
    client.force_login(bob)

    page = html(client.get(f"/meetings/{meeting.pk}/live/"))
    refused = client.post(f"/meetings/{meeting.pk}/live/clock/", {"do": "next", "version": 1})
    client.post(f"/meetings/{meeting.pk}/live/clock/", {"do": "take-over", "version": 1})

    assert "Alice Convener is driving the clock." in page
    assert 'data-key="next"' not in page
    assert refused.status_code == 422
    assert session(meeting).driver == bob


@pytest.mark.parametrize("role", ["developer", "outsider"])
def test_people_who_only_watch_cannot_open_live_mode_nor_step_the_clock(
    client, convener, meeting, role, request
):
    started(meeting, convener)
    client.force_login(request.getfixturevalue(role))

    assert client.get(f"/meetings/{meeting.pk}/live/").status_code == 403
    step = client.post(f"/meetings/{meeting.pk}/live/clock/", {"do": "next", "version": 1})
    assert step.status_code == 403
    assert session(meeting).version == 1


def test_the_conveners_poll_is_204_until_the_clock_moves(client, convener, meeting):
    client.force_login(convener)
    started(meeting, convener)

    same = client.get(f"/meetings/{meeting.pk}/live/?since=1", **HX)
    live.step(session=session(meeting), version=1, by=convener, to="next")
    moved = client.get(f"/meetings/{meeting.pk}/live/?since=1", **HX)

    assert same.status_code == 204
    assert moved.status_code == 200
    assert 'id="live-clock"' in html(moved)
    assert "since=2" in html(moved)
    assert session(meeting).driver_seen_at is not None


def test_a_note_goes_to_the_current_items_minutes(client, convener, meeting):
    client.force_login(convener)
    started(meeting, convener)
    focus = meeting.items.get(title="Pilot and GlideinWMS")

    response = client.post(
        f"/meetings/{meeting.pk}/live/items/{focus.pk}/note/", {"note": "Testbed at BNL"}
    )

    assert response.status_code == 302
    focus.refresh_from_db()
    assert focus.minutes == "- Testbed at BNL"


def test_end_then_untick_not_reached_then_close_and_send_the_minutes(client, convener, meeting):
    client.force_login(convener)
    started(meeting, convener)
    focus = meeting.items.get(title="Pilot and GlideinWMS")
    client.post(f"/meetings/{meeting.pk}/live/items/{focus.pk}/note/", {"note": "Go"})

    client.post(
        f"/meetings/{meeting.pk}/live/clock/", {"do": "end", "confirm": "yes", "version": 1}
    )
    page = html(client.get(f"/meetings/{meeting.pk}/live/"))
    aob = meeting.items.get(title="AOB")
    client.post(f"/meetings/{meeting.pk}/live/items/{aob.pk}/not-reached/", {"not_reached": "0"})
    closed = client.post(f"/meetings/{meeting.pk}/live/close/", **HX)

    assert "Close and send the minutes" in page
    assert "Mark as reached" in page
    aob.refresh_from_db()
    assert aob.not_reached is False
    assert meeting.items.get(title="Rucio status").not_reached is True
    assert "The meeting is closed" in html(closed)
    meeting.refresh_from_db()
    assert (meeting.state, meeting.minutes_revision) == (Meeting.State.HELD, 1)


def test_a_draft_meeting_is_refused_with_the_reason(client, convener, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(state="draft")
    client.force_login(convener)

    response = client.post(f"/meetings/{meeting.pk}/live/start/", **HX)

    assert response.status_code == 422
    assert "Only a published meeting can be run live; this one is draft." in html(response)


# --- the watchers ------------------------------------------------------------------------


def test_the_meeting_page_shows_the_running_meeting_to_a_reader(
    client, developer, convener, meeting
):
    started(meeting, convener)
    client.force_login(developer)

    page = html(client.get(f"/meetings/{meeting.pk}/"))

    assert "Running now" in page
    assert "Pilot and GlideinWMS</span>" in page
    assert f'hx-get="/meetings/{meeting.pk}/live/status/"' in page
    assert "Refresh</a> to see where the meeting is now" in page  # without JavaScript
    assert "Open live mode" not in page


def test_conveners_find_the_way_into_live_mode_on_the_meeting_page(client, convener, meeting):
    client.force_login(convener)

    page = html(client.get(f"/meetings/{meeting.pk}/"))

    assert "Run the meeting live" in page
    assert "Running now" not in page


def test_the_status_is_304_by_etag_until_the_clock_moves(client, convener, meeting):
    started(meeting, convener)

    first = client.get(f"/meetings/{meeting.pk}/live/status/", **HX)
    etag = first["ETag"]
    same = client.get(f"/meetings/{meeting.pk}/live/status/", HTTP_IF_NONE_MATCH=etag, **HX)
    live.step(session=session(meeting), version=1, by=convener, to="next")
    moved = client.get(f"/meetings/{meeting.pk}/live/status/", HTTP_IF_NONE_MATCH=etag, **HX)

    assert first.status_code == 200
    assert "Pilot and GlideinWMS" in html(first)
    assert "no-cache" in first["Cache-Control"]
    assert (same.status_code, same.content) == (304, b"")
    assert moved.status_code == 200
    assert moved["ETag"] != etag
    assert "Rucio status" in html(moved)


def test_an_item_retitled_while_the_meeting_runs_reaches_the_watchers(client, convener, meeting):
    started(meeting, convener)
    etag = client.get(f"/meetings/{meeting.pk}/live/status/", **HX)["ETag"]
    focus = AgendaItem.objects.select_related("meeting__series").get(
        meeting=meeting, title="Pilot and GlideinWMS"
    )

    agenda_actions.update_item(item=focus, version=1, by=convener, title="Pilot: GlideinWMS")
    changed = client.get(f"/meetings/{meeting.pk}/live/status/", HTTP_IF_NONE_MATCH=etag, **HX)

    assert changed.status_code == 200
    assert "Pilot: GlideinWMS" in html(changed)


def test_the_status_stops_polling_when_nothing_runs_or_the_meeting_ended(client, convener, meeting):
    before = client.get(f"/meetings/{meeting.pk}/live/status/")
    started(meeting, convener)
    live.end_meeting(session=session(meeting), version=1, by=convener)
    # Ended, but reopenable for half an hour: the watchers keep asking.
    reopenable = client.get(f"/meetings/{meeting.pk}/live/status/")
    long_ago = timezone.now() - datetime.timedelta(minutes=31)
    LiveSession.objects.filter(meeting=meeting).update(started_at=long_ago, ended_at=long_ago)
    after = client.get(f"/meetings/{meeting.pk}/live/status/")

    assert before.status_code == 286
    assert reopenable.status_code == 200
    assert "The meeting has ended" in html(reopenable)
    assert "hx-trigger" in html(reopenable)
    assert after.status_code == 286
    assert "The meeting has ended" in html(after)


def test_a_non_public_meetings_status_is_hidden_from_anonymous_visitors(client, convener, db):
    private = factories.make_meeting(
        factories.make_series(slug="internal", name="Internal", is_public=False),
        state="published",
        revision=1,
        start=timezone.now(),
    )
    factories.make_item(private, "Budget")
    started(private, convener)

    assert client.get(f"/meetings/{private.pk}/live/status/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "developer"])
def test_an_unchanged_status_costs_at_most_two_queries(client, convener, developer, meeting, who):
    started(meeting, convener)
    if who == "developer":
        client.force_login(developer)
    etag = client.get(f"/meetings/{meeting.pk}/live/status/")["ETag"]

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/meetings/{meeting.pk}/live/status/", HTTP_IF_NONE_MATCH=etag, **HX)

    assert response.status_code == 304
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_outcomes_are_recorded_on_the_current_item_as_the_meeting_runs(
    client, convener, developer, meeting
):
    client.force_login(convener)
    started(meeting, convener)
    focus = meeting.items.get(title="Pilot and GlideinWMS")
    url = f"/meetings/{meeting.pk}/live/items/{focus.pk}/outcome/"

    page = html(client.get(f"/meetings/{meeting.pk}/live/"))
    decided = client.post(url, {"outcome-kind": "decision", "outcome-text": "Adopt GlideinWMS"})
    acted = client.post(
        url,
        {
            "outcome-kind": "action",
            "outcome-text": "Set up a testbed",
            "outcome-owner": developer.pk,
            "outcome-due": "2031-02-01",
        },
        **HX,
    )
    empty = client.post(url, {"outcome-kind": "decision", "outcome-text": " "}, **HX)

    assert "Outcome of “Pilot and GlideinWMS”" in page
    assert decided.status_code == 302
    assert focus.outcomes.get().text == "Adopt GlideinWMS"
    assert "Recorded the action “Set up a testbed”." in html(acted)
    assert "<strong>Decision:</strong> Adopt GlideinWMS" in html(acted)  # recorded so far
    assert "<strong>Action:</strong> Set up a testbed — " in html(acted)
    action = focus.action_items.get()
    assert (action.owner, action.due) == (developer, datetime.date(2031, 2, 1))
    assert empty.status_code == 422
    assert "The outcome was not recorded: see the form." in html(empty)
    assert focus.outcomes.count() == 1


def test_the_live_page_costs_the_same_queries_for_any_agenda(
    client, convener, meeting, django_assert_max_num_queries
):
    client.force_login(convener)
    started(meeting, convener)
    client.get(f"/meetings/{meeting.pk}/live/")  # warm: content types, templates

    with CaptureQueriesContext(connection) as few:
        client.get(f"/meetings/{meeting.pk}/live/")
    for n in range(30):
        factories.make_item(meeting, f"Site report {n}", duration_minutes=5)
    with django_assert_max_num_queries(len(few)):
        response = client.get(f"/meetings/{meeting.pk}/live/")

    assert "Site report 29" in html(response)
    # Session, user, roles, mail health, meeting, live session, agenda, people, what the
    # current item recorded (outcomes, actions), …
    assert len(few) <= 12
