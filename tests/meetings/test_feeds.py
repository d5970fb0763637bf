"""The series feed /calendar/<slug>.ics and the one-meeting download, as clients see them."""

import datetime
import email.utils

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from adcmeet.meetings import actions
from adcmeet.meetings.actions.schedule import change_place, series_place_changed
from adcmeet.meetings.models import Meeting
from tests import factories
from tests.lib.ical_parsers import own_zone, parse_all, parse_vobject, run_icaljs

UTC = datetime.UTC


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def series(db):
    return factories.make_series()


def _published(series, on, **fields):
    fields.setdefault("state", Meeting.State.PUBLISHED)
    fields.setdefault("revision", 1)
    return factories.make_meeting(series, on=on, **fields)


def _events(response) -> dict:
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_public_feed_is_a_calendar_of_the_series_meetings(client, series, today, developer):
    meeting = _published(series, today + datetime.timedelta(days=7), title="ADC weekly")
    factories.make_item(meeting, "Rucio news", presenter=developer)
    other = factories.make_series(name="Other", slug="other")
    _published(other, today + datetime.timedelta(days=7))

    response = client.get("/calendar/adc-dev.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["ETag"].startswith('"')
    assert email.utils.parsedate_to_datetime(response["Last-Modified"])
    cal = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in cal
    assert cal["X-WR-CALNAME"] == "ADC development meeting"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == f"meeting-{meeting.pk}@127.0.0.1"
    assert str(event["SUMMARY"]) == "ADC weekly"
    assert "17:00  Rucio news — Bob Developer (10 min)" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"http://127.0.0.1:8000/meetings/{meeting.pk}/"
    assert str(event["LOCATION"]) == "CERN 513-1-024, https://example.org/vidyo/adc-dev"


def test_every_parser_reads_wednesday_1700_zurich_as_1600_utc_in_january_and_1500_in_july(
    client, series, today, node, js_modules
):
    year = today.year + 1
    _published(series, datetime.date(year, 1, 14))
    _published(series, datetime.date(year, 7, 15))

    body = client.get("/calendar/adc-dev.ics").content.decode()

    for parser, events in parse_all(own_zone(body), node).items():
        starts = sorted(e.start for e in events)
        assert starts == [
            datetime.datetime(year, 1, 14, 16, 0, tzinfo=UTC),
            datetime.datetime(year, 7, 15, 15, 0, tzinfo=UTC),
        ], parser


def test_the_feed_reaches_back_feed_past_days_and_forward_without_end(
    client, series, today, settings
):
    settings.FEED_PAST_DAYS = 30
    too_old = _published(series, today - datetime.timedelta(days=60))
    recent = factories.make_meeting(
        series, on=today - datetime.timedelta(days=10), state="held", revision=2
    )
    far = _published(series, today + datetime.timedelta(days=400))

    uids = set(_events(client.get("/calendar/adc-dev.ics")))

    assert uids == {f"meeting-{m.pk}@127.0.0.1" for m in (recent, far)}
    assert f"meeting-{too_old.pk}@127.0.0.1" not in uids


def test_a_draft_is_in_the_feed_as_tentative(client, series, today):
    draft = factories.make_meeting(series, on=today + datetime.timedelta(days=14))

    event = _events(client.get("/calendar/adc-dev.ics"))[f"meeting-{draft.pk}@127.0.0.1"]

    assert event["STATUS"] == "TENTATIVE"


def test_a_head_request_answers_like_a_get_without_the_body(client, series, today):
    _published(series, today + datetime.timedelta(days=7))
    get = client.get("/calendar/adc-dev.ics")
    head = client.head("/calendar/adc-dev.ics")
    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert head.content == b""
    assert client.post("/calendar/adc-dev.ics").status_code == 405


def test_an_unknown_series_has_no_feed(client, db):
    assert client.get("/calendar/nope.ics").status_code == 404


def test_a_non_public_series_needs_its_token(client, today, db):
    hidden = factories.make_series(name="Management", slug="mgmt", is_public=False)
    _published(hidden, today + datetime.timedelta(days=3))

    assert client.get("/calendar/mgmt.ics").status_code == 404
    assert client.get("/calendar/mgmt.ics?token=wrong").status_code == 404
    assert client.get(f"/calendar/mgmt.ics?token={hidden.feed_token[:-1]}").status_code == 404
    response = client.get(f"/calendar/mgmt.ics?token={hidden.feed_token}")
    assert response.status_code == 200
    assert len(_events(response)) == 1
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_on_a_private_site_even_a_public_series_needs_its_token(client, series, settings):
    settings.SITE_PRIVATE = True
    assert client.get("/calendar/adc-dev.ics").status_code == 404
    assert client.get(f"/calendar/adc-dev.ics?token={series.feed_token}").status_code == 200


def test_a_client_holding_the_current_feed_gets_304_from_one_query(
    client, series, today, django_assert_max_num_queries
):
    for weeks in range(1, 6):
        meeting = _published(series, today + datetime.timedelta(weeks=weeks))
        factories.make_item(meeting, f"Item {weeks}")
    first = client.get("/calendar/adc-dev.ics")

    with django_assert_max_num_queries(1):
        again = client.get("/calendar/adc-dev.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]

    with django_assert_max_num_queries(1):
        since = client.get("/calendar/adc-dev.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_an_agenda_change_reaches_a_client_holding_the_old_feed(client, series, today, convener):
    meeting = _published(series, today + datetime.timedelta(days=7))
    factories.make_item(meeting, "PanDA news")
    old = client.get("/calendar/adc-dev.ics")

    actions.add_item(
        meeting=meeting,
        version=meeting.version,
        by=convener,
        section="hot",
        title="Rucio; DDM, caching — Zürich",
        duration_minutes=15,
    )

    fresh = client.get("/calendar/adc-dev.ics", HTTP_IF_NONE_MATCH=old["ETag"])
    assert fresh.status_code == 200
    assert fresh["ETag"] != old["ETag"]
    (event,) = _events(fresh).values()
    assert "Rucio; DDM, caching — Zürich (15 min)" in str(event["DESCRIPTION"])
    assert event["SEQUENCE"] > _events(old)[str(event["UID"])]["SEQUENCE"]


def test_a_cancelled_meeting_is_struck_with_a_higher_sequence(
    client, series, today, convener, node, js_modules
):
    meeting = _published(series, today + datetime.timedelta(days=7))
    factories.make_item(meeting, "PanDA news")
    before = run_icaljs(client.get("/calendar/adc-dev.ics").content.decode(), node)["events"]

    actions.cancel_meeting(
        meeting=meeting, version=meeting.version, by=convener, reason="ADC technical interchange"
    )

    body = client.get("/calendar/adc-dev.ics").content.decode()
    (after,) = run_icaljs(body, node)["events"]
    assert after["uid"] == before[0]["uid"]
    assert after["status"] == "CANCELLED"
    assert after["sequence"] > before[0]["sequence"]
    assert after["summary"].startswith("Cancelled:")
    assert "cancelled: ADC technical interchange" in after["description"]
    (vobject_reading,) = parse_vobject(body)
    assert vobject_reading.status == "CANCELLED"


def _feed_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/calendar/adc-dev.ics").status_code == 200
    return len(captured)


def test_the_feed_costs_the_same_queries_for_three_meetings_or_a_hundred(
    client, series, today, developer, manager, outsider
):
    people = [developer, manager, outsider]

    def add(first_week, count):
        for week in range(first_week, first_week + count):
            meeting = _published(series, today + datetime.timedelta(weeks=week))
            for n, person in enumerate(people):
                factories.make_item(meeting, f"Talk {n}", presenter=person)
            factories.make_item(meeting, "Guest talk", presenter_name="Dana", position=9)

    add(0, 3)
    few = _feed_queries(client)
    add(3, 97)
    many = _feed_queries(client)

    assert few == many <= 3
    assert len(_events(client.get("/calendar/adc-dev.ics"))) == 100


# --- one meeting --------------------------------------------------------------------------------


def test_add_to_calendar_downloads_the_one_meeting_under_the_feeds_uid(client, series, today):
    meeting = _published(series, today + datetime.timedelta(days=7))
    _published(series, today + datetime.timedelta(days=14))
    factories.make_item(meeting, "Focus: data carousel", section="focus", duration_minutes=25)

    response = client.get(f"/meetings/{meeting.pk}/meeting.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    day = meeting.local_start.date().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="adc-dev-{day}.ics"'
    (event,) = _events(response).values()
    assert str(event["UID"]) in _events(client.get("/calendar/adc-dev.ics"))
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(minutes=25)


def test_a_non_public_meetings_download_needs_a_login(client, today, developer):
    hidden = factories.make_series(name="Management", slug="mgmt", is_public=False)
    meeting = _published(hidden, today + datetime.timedelta(days=3))

    assert client.get(f"/meetings/{meeting.pk}/meeting.ics").status_code == 404
    client.force_login(developer)
    response = client.get(f"/meetings/{meeting.pk}/meeting.ics")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"


def test_the_meeting_page_offers_add_to_calendar_and_the_subscription(client, series, today):
    meeting = _published(series, today + datetime.timedelta(days=7))

    page = client.get(f"/meetings/{meeting.pk}/").content.decode()

    assert f'href="/meetings/{meeting.pk}/meeting.ics"' in page
    assert 'value="http://127.0.0.1:8000/calendar/adc-dev.ics"' in page
    assert 'href="webcal://127.0.0.1:8000/calendar/adc-dev.ics"' in page
    assert 'data-copy="feed-url-' in page
    assert "/static/js/calendar.js" in page


def test_a_non_public_meeting_page_shows_the_subscription_with_its_token(client, today, developer):
    hidden = factories.make_series(name="Management", slug="mgmt", is_public=False)
    meeting = _published(hidden, today + datetime.timedelta(days=3))
    client.force_login(developer)

    page = client.get(f"/meetings/{meeting.pk}/").content.decode()

    assert f"webcal://127.0.0.1:8000/calendar/mgmt.ics?token={hidden.feed_token}" in page
    client.logout()
    assert client.get(f"/calendar/mgmt.ics?token={hidden.feed_token}").status_code == 200


def test_a_room_change_reaches_a_client_revalidating_by_etag_or_date(client, series, convener):
    start = datetime.datetime(2031, 1, 13, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        meeting = _published(series, datetime.date(2031, 1, 15))
        old = client.get("/calendar/adc-dev.ics")
    with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
        change_place(
            meeting=meeting,
            version=meeting.version,
            by=convener,
            location="CERN 40-S2-D01",
            video_url="",
        )
        by_etag = client.get("/calendar/adc-dev.ics", HTTP_IF_NONE_MATCH=old["ETag"])
        by_date = client.get("/calendar/adc-dev.ics", HTTP_IF_MODIFIED_SINCE=old["Last-Modified"])
    assert by_etag.status_code == by_date.status_code == 200
    assert by_etag["ETag"] != old["ETag"]
    assert email.utils.parsedate_to_datetime(
        by_date["Last-Modified"]
    ) > email.utils.parsedate_to_datetime(old["Last-Modified"])
    (event,) = _events(by_etag).values()
    assert str(event["LOCATION"]).startswith("CERN 40-S2-D01")
    assert event["SEQUENCE"] == 2
    assert event.decoded("LAST-MODIFIED") == start + datetime.timedelta(minutes=10)


def test_a_series_room_change_moves_the_meetings_that_use_it(client, series, convener):
    start = datetime.datetime(2031, 1, 13, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        uses_series_room = _published(series, datetime.date(2031, 1, 15))
        own_room = _published(
            series, datetime.date(2031, 1, 22), location="Elsewhere", video_url="https://v.example"
        )
        old = client.get("/calendar/adc-dev.ics")
    with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
        series.location = "CERN 31-3-004"
        series.save()
        series_place_changed(series, by=convener)
        fresh = client.get("/calendar/adc-dev.ics", HTTP_IF_MODIFIED_SINCE=old["Last-Modified"])
    assert fresh.status_code == 200
    events = _events(fresh)
    assert events[f"meeting-{uses_series_room.pk}@127.0.0.1"]["SEQUENCE"] == 2
    assert events[f"meeting-{own_room.pk}@127.0.0.1"]["SEQUENCE"] == 1


def test_the_feed_names_the_series_organizer_the_invites_name_and_a_new_one_changes_the_etag(
    client, series, today
):
    _published(series, today + datetime.timedelta(days=7))
    old = client.get("/calendar/adc-dev.ics")
    series.organizer_name, series.organizer_email = "Alice Convener", "alice@example.org"
    series.save()
    fresh = client.get("/calendar/adc-dev.ics", HTTP_IF_NONE_MATCH=old["ETag"])
    assert fresh.status_code == 200
    (event,) = _events(fresh).values()
    assert str(event["ORGANIZER"]) == "mailto:alice@example.org"
    assert event["ORGANIZER"].params["CN"] == "Alice Convener"
