"""/calendar/me/<token>.ics: the meetings a person presents in and their deliverables' days."""

import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliverables.models import Deliverable
from tests import factories
from tests.lib.ical_parsers import own_zone, parse_all, run_icaljs

UTC = datetime.UTC


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def roadmap(db, today):
    # Next year's, so every period ends inside the feed's window.
    return factories.make_roadmap(today.year + 1)


def _feed(client, user):
    response = client.get(f"/calendar/me/{user.calendar_token}.ics")
    assert response.status_code == 200
    return response


def _events(response) -> dict:
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_feed_holds_the_meetings_i_present_in_and_no_others(client, developer, manager, today):
    series = factories.make_series()
    mine = factories.make_meeting(
        series, on=today + datetime.timedelta(days=7), state="published", revision=1
    )
    factories.make_item(mine, "Rucio news", presenter=manager)
    factories.make_item(mine, "Pilot release", presenter=developer, duration_minutes=20)
    theirs = factories.make_meeting(series, on=today + datetime.timedelta(days=14))
    factories.make_item(theirs, "Carousel", presenter=manager)
    removed = factories.make_meeting(series, on=today + datetime.timedelta(days=21))
    factories.make_item(removed, "Dropped talk", presenter=developer, deleted_at=timezone.now())

    response = _feed(client, developer)

    assert response["Cache-Control"] == "private, max-age=300"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    events = _events(response)
    assert set(events) == {f"meeting-{mine.pk}-presenter@127.0.0.1"}
    (event,) = events.values()
    assert str(event["DESCRIPTION"]).startswith("You present: Pilot release at 17:10")
    assert "17:00  Rucio news — Carol Manager (10 min)" in str(event["DESCRIPTION"])
    cal = icalendar.Calendar.from_ical(response.content)
    assert "Bob Developer" in str(cal["X-WR-CALNAME"])


def test_my_presentations_keep_1700_zurich_in_every_parser(
    client, developer, today, node, js_modules
):
    year = today.year + 1
    series = factories.make_series()
    for day in (datetime.date(year, 1, 14), datetime.date(year, 7, 15)):
        meeting = factories.make_meeting(series, on=day)
        factories.make_item(meeting, "My talk", presenter=developer)

    body = _feed(client, developer).content.decode()

    for parser, events in parse_all(own_zone(body), node).items():
        assert sorted(e.start for e in events) == [
            datetime.datetime(year, 1, 14, 16, 0, tzinfo=UTC),
            datetime.datetime(year, 7, 15, 15, 0, tzinfo=UTC),
        ], parser


def test_my_deliverables_appear_on_their_due_and_start_by_days(
    client, developer, manager, roadmap, today, node, js_modules
):
    deadline = today + datetime.timedelta(days=60)
    hard = factories.make_deliverable(
        "Rucio; DDM, caching — Zürich",
        roadmap=roadmap,
        owners=(developer,),
        deadline=deadline,
        lead_time_days=21,
    )
    bucket = factories.make_deliverable(
        "Pilot 2", roadmap=roadmap, period="June", owners=(developer,)
    )
    factories.make_deliverable("Someday", roadmap=roadmap, period="Later", owners=(developer,))
    factories.make_deliverable(
        "Finished",
        roadmap=roadmap,
        owners=(developer,),
        deadline=deadline,
        status=Deliverable.Status.DONE,
        done_on=today,
    )
    factories.make_deliverable("Not mine", roadmap=roadmap, owners=(manager,), deadline=deadline)

    body = _feed(client, developer).content.decode()

    events = {e["uid"]: e for e in run_icaljs(body, node)["events"]}
    assert set(events) == {
        f"deliverable-{hard.pk}-due@127.0.0.1",
        f"deliverable-{hard.pk}-start-by@127.0.0.1",
        f"deliverable-{bucket.pk}-due@127.0.0.1",
    }
    due = events[f"deliverable-{hard.pk}-due@127.0.0.1"]
    assert due["allDay"] is True
    assert due["start"] == deadline.isoformat()
    assert due["summary"] == "Due: Rucio; DDM, caching — Zürich"
    start_by = events[f"deliverable-{hard.pk}-start-by@127.0.0.1"]
    assert start_by["start"] == (deadline - datetime.timedelta(days=21)).isoformat()
    assert start_by["summary"] == "Start by: Rucio; DDM, caching — Zürich"
    june = roadmap.periods.get(label="June").end
    assert events[f"deliverable-{bucket.pk}-due@127.0.0.1"]["start"] == june.isoformat()


def test_a_bucket_deliverable_is_due_at_the_end_of_its_period(client, developer, roadmap):
    bucket = factories.make_deliverable(
        "Pilot 2", roadmap=roadmap, period="Fall", owners=(developer,)
    )

    event = _events(_feed(client, developer))[f"deliverable-{bucket.pk}-due@127.0.0.1"]

    assert event.decoded("DTSTART") == roadmap.periods.get(label="Fall").end


def test_an_unknown_or_inactive_token_is_404(client, developer):
    assert client.get("/calendar/me/not-a-token.ics").status_code == 404
    developer.is_active = False
    developer.save()
    assert client.get(f"/calendar/me/{developer.calendar_token}.ics").status_code == 404


def test_after_rotating_the_old_url_is_404_and_the_new_one_works(client, developer):
    old = f"/calendar/me/{developer.calendar_token}.ics"
    assert client.get(old).status_code == 200
    client.force_login(developer)

    response = client.post("/me/calendar-token/", {"confirm": "yes"})

    assert response.status_code == 302
    developer.refresh_from_db()
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(f"/calendar/me/{developer.calendar_token}.ics").status_code == 200


def test_an_unchanged_personal_feed_answers_304(client, developer):
    first = _feed(client, developer)
    again = client.get(
        f"/calendar/me/{developer.calendar_token}.ics", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def _queries(client, user) -> int:
    with CaptureQueriesContext(connection) as captured:
        _feed(client, user)
    return len(captured)


def test_the_personal_feed_costs_the_same_queries_for_few_or_many_dates(
    client, developer, manager, roadmap, today
):
    series = factories.make_series()

    def add(first, count):
        for n in range(first, first + count):
            meeting = factories.make_meeting(series, on=today + datetime.timedelta(weeks=n))
            factories.make_item(meeting, "My talk", presenter=developer)
            factories.make_item(meeting, "Their talk", presenter=manager)
            factories.make_deliverable(
                f"D{n}",
                roadmap=roadmap,
                owners=(developer,),
                deadline=today + datetime.timedelta(days=30 + n),
                lead_time_days=7,
            )

    add(0, 2)
    few = _queries(client, developer)
    add(2, 40)
    many = _queries(client, developer)

    # The fifth: the person's open actions with a due date.
    assert few == many <= 5
    assert len(_events(_feed(client, developer))) == 42 + 42 * 2
