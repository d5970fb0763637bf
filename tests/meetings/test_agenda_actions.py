"""The agenda's rules, through meetings.actions: ordering, moving, removing, stale versions.
Real concurrent actors are in test_concurrency.py."""

import datetime

import pytest

from adcmeet.meetings import actions
from adcmeet.meetings.actions import AgendaError, ItemChanged, StaleVersion
from adcmeet.meetings.models import AgendaItem, Meeting
from tests import factories

Section = AgendaItem.Section


@pytest.fixture
def meeting(db):
    return factories.make_meeting(factories.make_series())


def titles(meeting: Meeting) -> list[str]:
    return [item.title for item in actions.agenda_items(meeting)]


def by_section(meeting: Meeting) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for item in actions.agenda_items(meeting):
        result.setdefault(item.section, []).append(item.title)
    return result


def add(meeting, title, section=Section.HOT, minutes=10, by=None, **fields):
    meeting.refresh_from_db()
    return actions.add_item(
        meeting=meeting,
        version=meeting.version,
        by=by,
        section=section,
        title=title,
        duration_minutes=minutes,
        **fields,
    ).item


def move(item, **where):
    item.meeting.refresh_from_db()
    return actions.move_item(item=item, version=item.meeting.version, by=None, **where)


def test_the_agenda_runs_focus_hot_tracking_open_floor_whatever_the_order_of_adding(meeting):
    add(meeting, "Open floor", Section.OPEN_FLOOR)
    add(meeting, "Deliverable: looping job killer", Section.TRACKING, 5)
    add(meeting, "PanDA server release", Section.HOT)
    add(meeting, "Pilot and GlideinWMS", Section.FOCUS, 25)

    assert titles(meeting) == [
        "Pilot and GlideinWMS",
        "PanDA server release",
        "Deliverable: looping job killer",
        "Open floor",
    ]
    positions = [item.position for item in actions.agenda_items(meeting)]
    assert positions == [0, 1, 2, 3]


def test_a_new_item_goes_to_the_end_of_its_section(meeting):
    add(meeting, "Hot A")
    add(meeting, "Open floor", Section.OPEN_FLOOR)
    add(meeting, "Hot B")

    assert titles(meeting) == ["Hot A", "Hot B", "Open floor"]


def test_every_change_of_the_agenda_grows_the_meetings_version_an_edit_the_items(meeting):
    assert meeting.version == 1
    item = add(meeting, "Hot A")
    meeting.refresh_from_db()
    assert meeting.version == 2
    move(item, direction="down")
    meeting.refresh_from_db()
    assert meeting.version == 3

    change = actions.update_item(item=item, version=1, by=None, title="Hot A, revised")

    assert change.item.version == 2
    assert change.meeting.version == 3
    meeting.refresh_from_db()
    assert meeting.version == 3


def test_a_change_returns_what_it_changed_and_the_agenda_before_and_after(meeting):
    add(meeting, "Hot A")
    floor = add(meeting, "Open floor", Section.OPEN_FLOOR)
    meeting.refresh_from_db()

    change = actions.add_item(
        meeting=meeting,
        version=meeting.version,
        by=None,
        section="hot",
        title="B",
        duration_minutes=5,
    )

    assert [item.title for item in change.added] == ["B"]
    assert [item.title for item in change.agenda] == ["Hot A", "B", "Open floor"]
    assert [item.pk for item in change.before] == [change.agenda[0].pk, floor.pk]
    assert change.version == 4
    assert not change.tracking_changed


def test_a_change_based_on_a_stale_version_is_refused_and_not_applied(meeting, convener):
    add(meeting, "Alice's hot topic")  # version 1 -> 2
    with pytest.raises(StaleVersion) as refused:
        actions.add_item(
            meeting=meeting,
            version=1,
            by=convener,
            section=Section.HOT,
            title="Bob's hot topic, based on the old agenda",
            duration_minutes=10,
        )

    assert titles(meeting) == ["Alice's hot topic"]
    assert refused.value.meeting.version == 2
    assert "Someone else changed this meeting" in refused.value.message


def test_two_conveners_editing_the_same_version_of_an_item_the_second_is_refused(meeting):
    item = add(meeting, "Rucio status", minutes=10)
    seen_by_both = item.version

    actions.update_item(item=item, version=seen_by_both, by=None, duration_minutes=15)
    with pytest.raises(ItemChanged) as refused:
        actions.update_item(item=item, version=seen_by_both, by=None, duration_minutes=30)

    assert refused.value.current.duration_minutes == 15
    assert "Someone else changed the details of “Rucio status”" in refused.value.message
    item.refresh_from_db()
    assert item.duration_minutes == 15


def test_edits_of_two_items_or_of_an_item_and_the_order_never_conflict(meeting):
    rucio = add(meeting, "Rucio status")
    panda = add(meeting, "PanDA release")
    meeting.refresh_from_db()
    page_version = meeting.version  # what both conveners' pages show

    actions.update_item(item=rucio, version=1, by=None, title="Rucio 1.0")
    actions.update_item(item=panda, version=1, by=None, title="PanDA 0.5")
    actions.move_item(item=panda, version=page_version, by=None, direction="up")

    assert titles(meeting) == ["PanDA 0.5", "Rucio 1.0"]


def test_an_edit_of_an_item_removed_meanwhile_is_a_conflict(meeting):
    item = add(meeting, "Rucio status")
    meeting.refresh_from_db()
    actions.remove_item(item=item, version=meeting.version, by=None)

    with pytest.raises(ItemChanged, match="was removed from the agenda in the meantime"):
        actions.update_item(item=item, version=1, by=None, title="Rucio 1.0")


def test_moving_a_hot_topic_up_and_down_within_its_section(meeting):
    add(meeting, "A")
    add(meeting, "B")
    c = add(meeting, "C")

    move(c, direction="up")
    assert titles(meeting) == ["A", "C", "B"]
    move(c, direction="up")
    assert titles(meeting) == ["C", "A", "B"]
    move(c, direction="down")
    assert titles(meeting) == ["A", "C", "B"]


def test_the_last_hot_topic_steps_down_into_tracking_and_back_up(meeting):
    add(meeting, "Focus", Section.FOCUS)
    hot = add(meeting, "Hot")
    add(meeting, "Tracked", Section.TRACKING)

    move(hot, direction="down")
    assert by_section(meeting) == {"focus": ["Focus"], "tracking": ["Hot", "Tracked"]}

    move(hot, direction="up")
    assert by_section(meeting) == {"focus": ["Focus"], "hot": ["Hot"], "tracking": ["Tracked"]}


def test_the_first_hot_topic_cannot_climb_above_the_focus_topic(meeting):
    add(meeting, "Focus", Section.FOCUS)
    hot = add(meeting, "Hot")

    move(hot, direction="up")

    assert by_section(meeting) == {"focus": ["Focus"], "hot": ["Hot"]}


def test_the_last_tracking_item_cannot_sink_below_the_open_floor(meeting):
    tracked = add(meeting, "Tracked", Section.TRACKING)
    add(meeting, "Open floor", Section.OPEN_FLOOR)

    move(tracked, direction="down")

    assert titles(meeting) == ["Tracked", "Open floor"]


def test_dragging_an_item_to_a_position_in_the_other_section(meeting):
    a = add(meeting, "Hot A")
    add(meeting, "Hot B")
    add(meeting, "Tracked 1", Section.TRACKING)
    add(meeting, "Tracked 2", Section.TRACKING)

    move(a, section=Section.TRACKING, index=1)

    assert by_section(meeting) == {
        "hot": ["Hot B"],
        "tracking": ["Tracked 1", "Hot A", "Tracked 2"],
    }
    a.refresh_from_db()
    assert a.section == Section.TRACKING


def test_a_drop_past_the_end_lands_last(meeting):
    a = add(meeting, "A")
    add(meeting, "B")

    move(a, section=Section.HOT, index=99)

    assert titles(meeting) == ["B", "A"]


def test_nothing_moves_into_or_out_of_the_focus_topic_or_the_open_floor(meeting):
    focus = add(meeting, "Focus", Section.FOCUS)
    hot = add(meeting, "Hot")
    floor = add(meeting, "Open floor", Section.OPEN_FLOOR)

    with pytest.raises(AgendaError, match="focus topic always opens"):
        move(hot, section=Section.FOCUS, index=0)
    with pytest.raises(AgendaError, match="focus topic always opens"):
        move(focus, section=Section.HOT, index=0)
    with pytest.raises(AgendaError, match="open floor always closes"):
        move(floor, section=Section.TRACKING, index=0)
    with pytest.raises(AgendaError, match="open floor always closes"):
        move(hot, section=Section.OPEN_FLOOR, index=0)

    assert titles(meeting) == ["Focus", "Hot", "Open floor"]


def test_a_refused_move_leaves_the_version_alone(meeting):
    hot = add(meeting, "Hot")
    meeting.refresh_from_db()
    before = meeting.version

    with pytest.raises(AgendaError):
        move(hot, section=Section.FOCUS, index=0)

    meeting.refresh_from_db()
    assert meeting.version == before


def test_removing_is_soft_and_restoring_puts_the_item_back_where_it_was(meeting):
    add(meeting, "A")
    b = add(meeting, "B")
    add(meeting, "C")

    meeting.refresh_from_db()
    actions.remove_item(item=b, version=meeting.version, by=None)
    assert titles(meeting) == ["A", "C"]
    assert AgendaItem.objects.filter(pk=b.pk, deleted_at__isnull=False).exists()

    meeting.refresh_from_db()
    actions.restore_item(item=b, version=meeting.version, by=None)
    assert titles(meeting) == ["A", "B", "C"]


def test_an_item_needs_a_title_and_a_sane_duration(meeting):
    with pytest.raises(AgendaError, match="title"):
        add(meeting, "   ")
    with pytest.raises(AgendaError, match="between 1 and 240"):
        add(meeting, "Too long", minutes=241)
    assert titles(meeting) == []


def test_a_presenter_is_a_user_or_an_external_invitee_not_both(meeting, developer):
    with pytest.raises(AgendaError, match="not both"):
        add(meeting, "Talk", presenter=developer, presenter_name="Igor Sfiligoi")
    item = add(
        meeting,
        "GlideinWMS for the pilot",
        Section.FOCUS,
        presenter_name="Igor Sfiligoi",
        presenter_email="igor@example.edu",
        presenter_affiliation="UCSD",
    )
    assert item.is_external_presenter
    assert item.presenter_display == "Igor Sfiligoi (UCSD)"


def test_a_focus_topic_marks_when_its_task_force_was_last_in_focus(meeting):
    pilot = factories.make_task_force("Pilot")
    item = add(meeting, "Pilot", Section.FOCUS, task_force=pilot)
    pilot.refresh_from_db()
    assert pilot.last_focus_on == meeting.scheduled_for

    meeting.refresh_from_db()
    actions.remove_item(item=item, version=meeting.version, by=None)
    pilot.refresh_from_db()
    assert pilot.last_focus_on is None


def test_the_audit_history_records_who_changed_an_item(meeting, convener):
    item = add(meeting, "Rucio", by=convener)
    actions.update_item(item=item, version=item.version, by=convener, title="Rucio 1.0")

    latest = item.history.order_by("-history_date").first()
    assert latest.title == "Rucio 1.0"
    assert latest.history_user == convener


def test_editing_a_cancelled_meeting_is_refused(meeting):
    actions.cancel_meeting(meeting=meeting, version=meeting.version, by=None, reason="S&C week")
    with pytest.raises(AgendaError, match="cancelled"):
        add(meeting, "Late addition")


def test_copy_from_last_week_brings_the_recurring_items_only(meeting):
    series = meeting.series
    last = factories.make_meeting(series, on=datetime.date(2031, 1, 8))
    factories.make_item(last, "Open floor", section=Section.OPEN_FLOOR, recurring=True)
    factories.make_item(last, "Site status round", section=Section.HOT, recurring=True)
    factories.make_item(last, "One-off news", section=Section.HOT)
    older = factories.make_meeting(series, on=datetime.date(2031, 1, 1))
    factories.make_item(older, "Two weeks ago", section=Section.HOT, recurring=True)
    add(meeting, "Pilot", Section.FOCUS)

    meeting.refresh_from_db()
    created = actions.copy_from_last_week(meeting=meeting, version=meeting.version, by=None).added

    assert [item.title for item in created] == ["Site status round", "Open floor"]
    assert titles(meeting) == ["Pilot", "Site status round", "Open floor"]
    assert all(item.recurring for item in created)


def test_copy_from_last_week_twice_copies_nothing_the_second_time(meeting):
    last = factories.make_meeting(meeting.series, on=datetime.date(2031, 1, 8))
    factories.make_item(last, "Open floor", section=Section.OPEN_FLOOR, recurring=True)
    actions.copy_from_last_week(meeting=meeting, version=meeting.version, by=None)

    meeting.refresh_from_db()
    with pytest.raises(AgendaError, match="Nothing to copy"):
        actions.copy_from_last_week(meeting=meeting, version=meeting.version, by=None)
    assert titles(meeting) == ["Open floor"]


def test_copy_skips_a_cancelled_last_week(meeting):
    series = meeting.series
    two_weeks = factories.make_meeting(series, on=datetime.date(2031, 1, 1))
    factories.make_item(two_weeks, "Open floor", section=Section.OPEN_FLOOR, recurring=True)
    factories.make_meeting(series, on=datetime.date(2031, 1, 8), state="cancelled", revision=1)

    actions.copy_from_last_week(meeting=meeting, version=meeting.version, by=None)

    assert titles(meeting) == ["Open floor"]


def test_copy_without_an_earlier_meeting_says_so(meeting):
    with pytest.raises(AgendaError, match="no earlier meeting"):
        actions.copy_from_last_week(meeting=meeting, version=meeting.version, by=None)
