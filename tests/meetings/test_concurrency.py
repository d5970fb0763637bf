"""Every editable object of the meetings app under two real concurrent actors (threads with
their own connections, tests/concurrency.race, on PostgreSQL): what each one claims, who wins,
and that what does not overlap never conflicts. The HTTP answers to a conflict (409, the
current state, the user's text kept) are in test_agenda_views.py and test_minutes.py."""

import pytest
from django.db import connection

from adcmeet.meetings import actions
from adcmeet.meetings.actions import ActionChanged, ItemChanged, StaleVersion
from adcmeet.meetings.models import ActionItem, AgendaItem, Meeting
from tests import factories
from tests.concurrency import errors, race, winners

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


@pytest.fixture
def meeting():
    meeting = factories.make_meeting(factories.make_series())
    factories.make_item(meeting, "Rucio status", section="hot", position=0)
    factories.make_item(meeting, "PanDA server release", section="hot", position=1)
    return meeting


def item(meeting: Meeting, title: str) -> AgendaItem:
    # Each actor loads its own copy, as each request would.
    return AgendaItem.objects.select_related("meeting__series").get(meeting=meeting, title=title)


def titles(meeting: Meeting) -> list[str]:
    return [i.title for i in actions.agenda_items(meeting)]


def test_two_changes_of_the_agenda_from_one_version_one_wins(meeting):
    def adds(title):
        return lambda: actions.add_item(
            meeting=Meeting.objects.select_related("series").get(pk=meeting.pk),
            version=1,
            by=None,
            section="hot",
            title=title,
            duration_minutes=10,
        )

    outcomes = race(adds("CVMFS"), adds("Frontier"))

    assert [type(e) for e in errors(outcomes)] == [StaleVersion]
    assert errors(outcomes)[0].meeting.version == 2  # the fresh meeting, for the 409 page
    [won] = winners(outcomes)
    assert titles(meeting) == ["Rucio status", "PanDA server release", won.item.title]


def test_two_edits_of_one_item_from_one_version_one_wins(meeting):
    def edits(minutes):
        return lambda: actions.update_item(
            item=item(meeting, "Rucio status"), version=1, by=None, duration_minutes=minutes
        )

    outcomes = race(edits(15), edits(30))

    [refused] = errors(outcomes)
    assert isinstance(refused, ItemChanged)
    [won] = winners(outcomes)
    assert refused.current.duration_minutes == won.item.duration_minutes  # what is saved now
    rucio = item(meeting, "Rucio status")
    assert (rucio.duration_minutes, rucio.version) == (won.item.duration_minutes, 2)


def test_edits_of_two_items_at_once_both_apply_and_leave_the_agenda_version(meeting):
    outcomes = race(
        lambda: actions.update_item(
            item=item(meeting, "Rucio status"), version=1, by=None, title="Rucio 1.0"
        ),
        lambda: actions.update_item(
            item=item(meeting, "PanDA server release"), version=1, by=None, title="PanDA 0.5"
        ),
    )

    assert errors(outcomes) == []
    assert titles(meeting) == ["Rucio 1.0", "PanDA 0.5"]
    meeting.refresh_from_db()
    assert meeting.version == 1  # nobody's agenda forms went stale


def test_an_item_edit_and_a_move_at_once_both_apply(meeting):
    outcomes = race(
        lambda: actions.update_item(
            item=item(meeting, "Rucio status"), version=1, by=None, duration_minutes=25
        ),
        lambda: actions.move_item(
            item=item(meeting, "PanDA server release"), version=1, by=None, direction="up"
        ),
    )

    assert errors(outcomes) == []  # one waits for the other's lock: no deadlock, no conflict
    assert titles(meeting) == ["PanDA server release", "Rucio status"]
    assert item(meeting, "Rucio status").duration_minutes == 25


def test_minutes_of_two_items_at_once_both_apply_of_one_item_one_wins(meeting):
    def minutes(title, text, version=1):
        return lambda: actions.save_item_minutes(
            item=item(meeting, title), version=version, by=None, text=text
        )

    apart = race(
        minutes("Rucio status", "Dark data found."), minutes("PanDA server release", "Out.")
    )
    assert errors(apart) == []
    assert item(meeting, "PanDA server release").minutes == "Out."

    same = race(
        minutes("Rucio status", "Alice's note", 2), minutes("Rucio status", "Bob's note", 2)
    )

    [refused] = errors(same)
    assert isinstance(refused, ItemChanged)
    [won] = winners(same)
    assert refused.current.minutes == won.minutes  # what is saved now, for the 409 page
    rucio = item(meeting, "Rucio status")
    assert (rucio.minutes, rucio.minutes_version, rucio.version) == (won.minutes, 3, 1)


def test_the_general_minutes_conflict_only_with_themselves(meeting):
    def writes(text):
        return lambda: actions.save_minutes(
            meeting=Meeting.objects.select_related("series").get(pk=meeting.pk),
            version=1,
            by=None,
            text=text,
        )

    def moves():
        return actions.move_item(
            item=item(meeting, "PanDA server release"), version=1, by=None, direction="up"
        )

    outcomes = race(writes("Alice's minutes"), writes("Bob's minutes"), moves)

    [refused] = errors(outcomes)
    assert isinstance(refused, StaleVersion)
    assert "general minutes" in refused.message
    saved = Meeting.objects.get(pk=meeting.pk)
    assert saved.minutes in ("Alice's minutes", "Bob's minutes")
    assert (saved.minutes_version, saved.version) == (2, 2)  # the move applied too
    assert titles(meeting)[0] == "PanDA server release"


def test_ticking_one_action_twice_at_once_one_wins_two_actions_both(meeting):
    slides = factories.make_action(meeting, "Send the slides")
    room = factories.make_action(meeting, "Book the room")

    def ticks(action, done=True):
        return lambda: actions.complete_action_item(
            action=ActionItem.objects.get(pk=action.pk), version=1, by=None, done=done
        )

    apart = race(ticks(slides), ticks(room))
    assert errors(apart) == []

    slides.refresh_from_db()
    same = race(
        lambda: actions.complete_action_item(action=slides, version=2, by=None, done=False),
        lambda: actions.complete_action_item(
            action=ActionItem.objects.get(pk=slides.pk), version=2, by=None, done=True
        ),
    )
    [refused] = errors(same)
    assert isinstance(refused, ActionChanged)
    assert ActionItem.objects.get(pk=slides.pk).version == 3
