"""Running a meeting live through its actions (adcmeet.meetings.actions.live): start, step,
jump, pause, end; what each item actually ran; refusals. Instants are passed in, so the
seconds are exact."""

import datetime

import pytest

from adcmeet.meetings.actions import live
from adcmeet.meetings.models import AgendaItem, LiveSession, Meeting
from tests import factories

T0 = datetime.datetime(2031, 1, 15, 13, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


@pytest.fixture
def meeting(db):
    meeting = factories.make_meeting(factories.make_series(), state="published", revision=1)
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    factories.make_item(meeting, "Rucio status", section="hot", duration_minutes=10)
    factories.make_item(meeting, "PanDA server release", section="hot", duration_minutes=10)
    factories.make_item(meeting, "AOB", section="open_floor", duration_minutes=5)
    return meeting


def item(meeting, title) -> AgendaItem:
    return meeting.items.get(title=title)


def session(meeting) -> LiveSession:
    return LiveSession.objects.select_related("meeting__series", "driver").get(meeting=meeting)


def go(action, meeting, minutes, by=None, **kwargs):
    """One step based on the clock's current version, as the convener's page would send."""
    current = session(meeting)
    return action(session=current, version=current.version, by=by, now=at(minutes), **kwargs)


def test_starting_takes_up_the_first_item_in_agenda_order(meeting, convener):
    started = live.start_meeting(meeting=meeting, by=convener, now=T0)

    assert started.current_item.title == "Pilot and GlideinWMS"
    assert started.driver == convener
    assert item(meeting, "Pilot and GlideinWMS").started_at == T0


@pytest.mark.parametrize("state", ["draft", "cancelled"])
def test_a_draft_or_cancelled_meeting_cannot_be_run(meeting, state):
    Meeting.objects.filter(pk=meeting.pk).update(state=state)

    with pytest.raises(live.LiveError, match=f"this one is {state}"):
        live.start_meeting(meeting=meeting, by=None, now=T0)
    assert not LiveSession.objects.exists()


def test_a_held_meeting_can_be_run_after_the_fact_but_not_twice(meeting, convener):
    Meeting.objects.filter(pk=meeting.pk).update(state="held")
    live.start_meeting(meeting=meeting, by=convener, now=T0)

    with pytest.raises(live.LiveError, match="already running; Alice Convener is driving"):
        live.start_meeting(meeting=meeting, by=None, now=at(1))


def test_an_empty_agenda_cannot_be_run(db):
    empty = factories.make_meeting(factories.make_series(), state="published", revision=1)

    with pytest.raises(live.LiveError, match="agenda is empty"):
        live.start_meeting(meeting=empty, by=None, now=T0)


def test_next_and_previous_record_each_items_run_time_summed_over_visits(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)
    go(live.step, meeting, 22, to="next")  # the focus topic ran 22 minutes
    go(live.step, meeting, 30, to="previous")  # Rucio 8, back to the focus topic
    go(live.step, meeting, 33, to="next")  # 3 more on the focus topic

    focus, rucio = item(meeting, "Pilot and GlideinWMS"), item(meeting, "Rucio status")
    assert focus.actual_seconds == 25 * 60
    assert (focus.started_at, focus.ended_at) == (T0, at(33))
    assert rucio.actual_seconds == 8 * 60  # not yet left again
    assert rucio.started_at == at(22)
    assert session(meeting).item_elapsed_seconds == 8 * 60  # its countdown goes on


def test_a_jump_leaves_the_current_item_and_takes_up_the_chosen_one(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)
    aob = item(meeting, "AOB")

    go(live.step, meeting, 5, to=aob.pk)

    assert session(meeting).current_item_id == aob.pk
    assert item(meeting, "Pilot and GlideinWMS").actual_seconds == 5 * 60


def test_pauses_count_toward_neither_the_item_nor_the_meeting(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)
    go(live.pause, meeting, 5)
    go(live.resume, meeting, 15)  # ten minutes of coffee
    go(live.step, meeting, 18, to="next")

    assert item(meeting, "Pilot and GlideinWMS").actual_seconds == 8 * 60
    state = live.state(session(meeting), now=at(20))
    assert state.clock.meeting_elapsed_seconds == 10 * 60
    assert state.clock.item_elapsed_seconds == 2 * 60


def test_stepping_while_paused_resumes_without_counting_the_pause(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)
    go(live.pause, meeting, 5)
    go(live.step, meeting, 9, to="next")

    assert item(meeting, "Pilot and GlideinWMS").actual_seconds == 5 * 60
    current = session(meeting)
    assert (current.paused_at, current.paused_seconds) == (None, 4 * 60)


def test_there_is_no_next_after_the_last_item_nor_previous_before_the_first(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)

    with pytest.raises(live.LiveError, match="first item"):
        go(live.step, meeting, 1, to="previous")
    go(live.step, meeting, 2, to=item(meeting, "AOB").pk)
    with pytest.raises(live.LiveError, match="last item"):
        go(live.step, meeting, 3, to="next")


def test_ending_marks_what_was_never_taken_up_as_not_reached_and_the_meeting_held(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)
    go(live.step, meeting, 20, to="next")
    go(live.end_meeting, meeting, 31)

    rows = {i.title: (i.actual_seconds, i.not_reached) for i in meeting.items.all()}
    assert rows == {
        "Pilot and GlideinWMS": (20 * 60, False),
        "Rucio status": (11 * 60, False),
        "PanDA server release": (None, True),
        "AOB": (None, True),
    }
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD
    assert meeting.history.first().history_change_reason == "Ended in live mode."
    assert session(meeting).ended_at == at(31)
    with pytest.raises(live.LiveError, match="has ended"):
        go(live.step, meeting, 32, to="previous")


def test_the_convener_corrects_not_reached_after_the_end(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)
    panda = item(meeting, "PanDA server release")
    with pytest.raises(live.LiveError, match="when the meeting has ended"):
        live.mark_not_reached(item=panda, by=None, not_reached=False)
    go(live.end_meeting, meeting, 10)

    live.mark_not_reached(item=panda, by=None, not_reached=False)

    assert item(meeting, "PanDA server release").not_reached is False


def test_a_stale_step_is_a_conflict_that_says_where_the_clock_is(meeting):
    live.start_meeting(meeting=meeting, by=None, now=T0)
    stale = session(meeting)
    go(live.step, meeting, 5, to="next")

    with pytest.raises(live.ClockMoved, match="It is now on “Rucio status”"):
        live.step(session=stale, version=stale.version, by=None, to="next", now=at(6))
    assert session(meeting).current_item.title == "Rucio status"


def test_only_the_driver_steps_until_another_convener_takes_over(meeting, convener):
    other = factories.make_user("bob", roles=("Convener",))
    live.start_meeting(meeting=meeting, by=convener, now=T0)

    with pytest.raises(live.NotDriving, match="Alice Convener is driving the clock; take over"):
        go(live.step, meeting, 1, by=other, to="next")
    go(live.take_over, meeting, 2, by=other)
    go(live.step, meeting, 3, by=other, to="next")
    with pytest.raises(live.NotDriving, match="Bob is driving"):
        go(live.step, meeting, 4, by=convener, to="next")
    assert session(meeting).driver == other


def test_a_note_is_appended_to_the_items_minutes_as_a_line(meeting):
    rucio = item(meeting, "Rucio status")
    rucio.minutes = "Written before."
    rucio.save()

    live.add_note(item=rucio, by=None, text="  Release\non Monday ")
    live.add_note(item=rucio, by=None, text="Tests green")

    rucio = item(meeting, "Rucio status")
    assert rucio.minutes == "Written before.\n- Release on Monday\n- Tests green"
    assert rucio.minutes_version == 3
    with pytest.raises(live.LiveError, match="note is empty"):
        live.add_note(item=rucio, by=None, text=" \n ")


def test_closing_publishes_the_minutes_once_after_the_end(meeting, convener):
    Meeting.objects.filter(pk=meeting.pk).update(start=at(-60 * 24 * 365 * 10))
    live.start_meeting(meeting=meeting, by=convener, now=T0)
    live.add_note(item=item(meeting, "Rucio status"), by=convener, text="Release on Monday")
    with pytest.raises(live.LiveError, match="End the meeting first"):
        live.close_meeting(session=session(meeting), by=convener)
    go(live.end_meeting, meeting, 30, by=convener)

    assert live.close_meeting(session=session(meeting), by=convener) == "published"
    with pytest.raises(live.Refused, match="already published and unchanged"):
        live.close_meeting(session=session(meeting), by=convener)
