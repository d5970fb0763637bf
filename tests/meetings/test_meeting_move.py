"""Moving a meeting: never into the past, never to a wall-clock time the series' zone skips
(DST), and a time it passes twice resolved on purpose: in the action and in the move form."""

import datetime
import zoneinfo

import pytest
import time_machine

from adcmeet.meetings import actions, forms
from adcmeet.meetings.models import Meeting
from tests import factories

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
UTC = datetime.UTC
HX = {"HTTP_HX_REQUEST": "true"}
# Friday 7 March 2031, 10:00 in Zurich.
NOW = datetime.datetime(2031, 3, 7, 10, 0, tzinfo=ZURICH)
GAP_SUNDAY = datetime.date(2031, 3, 30)  # clocks go from 02:00 straight to 03:00
REPEAT_SUNDAY = datetime.date(2031, 10, 26)  # clocks pass 02:00-03:00 twice


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def meeting(db):
    return factories.make_meeting(factories.make_series(), on=datetime.date(2031, 3, 12))


def fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("series").get(pk=meeting.pk)


def move(meeting: Meeting, start: datetime.datetime) -> Meeting:
    return actions.move_meeting(meeting=meeting, version=meeting.version, by=None, start=start)


# --- the action -----------------------------------------------------------------------------


def test_a_meeting_is_not_moved_into_the_past(meeting):
    with pytest.raises(actions.AgendaError, match="has already passed"):
        move(meeting, datetime.datetime(2031, 3, 7, 9, 0, tzinfo=ZURICH))

    assert fresh(meeting).start == meeting.start
    assert fresh(meeting).version == 1


def test_a_meeting_is_moved_later_today(meeting):
    moved = move(meeting, datetime.datetime(2031, 3, 7, 11, 0, tzinfo=ZURICH))

    assert moved.local_start == datetime.datetime(2031, 3, 7, 11, 0, tzinfo=ZURICH)


def test_a_time_the_clocks_skip_is_refused_with_what_happens_that_night(meeting):
    start = datetime.datetime.combine(GAP_SUNDAY, datetime.time(2, 30), tzinfo=ZURICH)

    with pytest.raises(actions.AgendaError) as refused:
        move(meeting, start)

    assert refused.value.message == (
        "02:30 does not exist on 30 March 2031 in Europe/Zurich: the clocks skip 1 hour that "
        "night, from CET to CEST. Choose another time."
    )
    assert fresh(meeting).start == meeting.start


def test_the_hour_the_clocks_pass_twice_is_the_instant_asked_for(meeting):
    first = datetime.datetime.combine(REPEAT_SUNDAY, datetime.time(2, 30), tzinfo=ZURICH)

    moved = move(meeting, first.replace(fold=1))
    assert moved.start.astimezone(UTC) == datetime.datetime(2031, 10, 26, 1, 30, tzinfo=UTC)

    moved = move(fresh(meeting), first)
    assert moved.start.astimezone(UTC) == datetime.datetime(2031, 10, 26, 0, 30, tzinfo=UTC)


def test_the_wall_clock_start_takes_the_first_of_two_and_refuses_a_skipped_time():
    start = actions.schedule.wall_clock_start(REPEAT_SUNDAY, datetime.time(2, 30), ZURICH)
    assert (start.tzname(), start.astimezone(UTC).hour) == ("CEST", 0)

    with pytest.raises(actions.AgendaError, match="does not exist"):
        actions.schedule.wall_clock_start(GAP_SUNDAY, datetime.time(2, 0), ZURICH)
    ok = actions.schedule.wall_clock_start(GAP_SUNDAY, datetime.time(3, 0), ZURICH)
    assert ok.astimezone(UTC) == datetime.datetime(2031, 3, 30, 1, 0, tzinfo=UTC)


# --- the form and the builder ---------------------------------------------------------------


def form(meeting: Meeting, date: str, time: str) -> forms.MoveMeetingForm:
    return forms.MoveMeetingForm(
        {"move-date": date, "move-time": time}, meeting=meeting, prefix="move"
    )


def test_the_form_refuses_a_skipped_time_on_the_time_field(meeting):
    bound = form(meeting, "2031-03-30", "02:30")

    assert not bound.is_valid()
    assert bound.errors["time"] == [
        "02:30 does not exist on 30 March 2031 in Europe/Zurich: the clocks skip 1 hour that "
        "night, from CET to CEST. Choose another time."
    ]


def test_the_form_reads_a_repeated_time_as_the_first_one_in_summer_time(meeting):
    bound = form(meeting, "2031-10-26", "02:30")

    assert bound.is_valid(), bound.errors
    assert bound.start().tzname() == "CEST"
    assert bound.start().astimezone(UTC) == datetime.datetime(2031, 10, 26, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date", "time", "message"),
    [
        ("2031-03-06", "17:00", "Choose a date between today (07 Mar 2031)"),
        ("2031-03-07", "09:30", "That time has already passed today"),
    ],
    ids=["yesterday", "earlier-today"],
)
def test_the_form_refuses_the_past(meeting, date, time, message):
    bound = form(meeting, date, time)

    assert not bound.is_valid()
    assert message in str(bound.errors)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_the_builder_refuses_a_skipped_time_and_keeps_what_was_typed(
    client, convener, meeting, htmx
):
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/move/",
        {"version": meeting.version, "move-date": "2031-03-30", "move-time": "02:30"},
        **(HX if htmx else {}),
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "the clocks skip 1 hour that night" in page
    assert 'value="2031-03-30"' in page
    assert fresh(meeting).start == meeting.start


def test_the_builder_moves_to_the_first_of_a_repeated_hour(client, convener, meeting):
    client.force_login(convener)

    client.post(
        f"/meetings/{meeting.pk}/move/",
        {"version": meeting.version, "move-date": "2031-10-26", "move-time": "02:30"},
    )

    moved = fresh(meeting)
    assert moved.start.astimezone(UTC) == datetime.datetime(2031, 10, 26, 0, 30, tzinfo=UTC)
    assert moved.local_start.tzname() == "CEST"
