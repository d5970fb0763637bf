"""Carrying with real concurrent conveners on PostgreSQL (tests/concurrency.py): two accepts
from one version of an agenda, one wins; two agendas taking up the same item at once, it is
carried once."""

import datetime

import pytest

from adcmeet.meetings.actions import StaleVersion, carry
from adcmeet.meetings.models import AgendaItem, Meeting
from tests import factories
from tests.concurrency import errors, race, winners

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def weeks(db):
    series = factories.make_series()
    held = factories.make_meeting(
        series, on=datetime.date(2031, 12, 3), state=Meeting.State.HELD, revision=1
    )
    skipped = factories.make_item(held, "CVMFS on ARM", duration_minutes=12, not_reached=True)
    action = factories.make_action(held, "Send the slides", due=datetime.date(2031, 12, 5))
    nxt = factories.make_meeting(series, on=datetime.date(2031, 12, 10))
    after = factories.make_meeting(series, on=datetime.date(2031, 12, 17))
    return {"skipped": skipped, "action": action, "next": nxt, "after": after}


def accepts(meeting_id: int, *carried):
    def accept():
        meeting = Meeting.objects.select_related("series").get(pk=meeting_id)
        return carry.accept_carried_items(meeting=meeting, version=1, by=None, carried=carried)

    return accept


def test_two_accepts_from_one_version_one_wins(weeks):
    nxt = weeks["next"].pk
    outcomes = race(accepts(nxt, weeks["skipped"]), accepts(nxt, weeks["action"]))

    assert [type(error) for error in errors(outcomes)] == [StaleVersion]
    [won] = winners(outcomes)
    assert AgendaItem.objects.live().filter(meeting_id=nxt).count() == len(won.added) == 1


def test_two_agendas_taking_up_one_item_at_once_carry_it_once(weeks):
    outcomes = race(
        accepts(weeks["next"].pk, weeks["skipped"]), accepts(weeks["after"].pk, weeks["skipped"])
    )

    assert errors(outcomes) == []
    assert sorted(len(change.added) for change in winners(outcomes)) == [0, 1]
    assert AgendaItem.objects.live().filter(carried_from=weeks["skipped"]).count() == 1
