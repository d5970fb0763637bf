"""Two conveners each take one of a presenter's two items off a published agenda at the same
moment (real threads on PostgreSQL): whichever commits second sees the presenter gone from
the whole agenda, so the presenter's CANCEL is queued once, at once, not left to the update."""

import datetime

import pytest
from django.db import connection

from adcmeet.meetings import actions
from adcmeet.meetings.models import AgendaItem, Meeting, OutboundMail
from tests.concurrency import errors, race
from tests.conftest import need
from tests.factories import make_item, make_meeting, make_series

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def meeting(convener, developer):
    need(connection.vendor == "postgresql", "PostgreSQL (row locks between real threads)")
    series = make_series()
    series.conveners.add(convener)
    meeting = make_meeting(series, on=datetime.date(2031, 1, 15))
    make_item(meeting, "PanDA news", section=AgendaItem.Section.HOT, presenter=developer)
    make_item(meeting, "PanDA outlook", section=AgendaItem.Section.HOT, presenter=developer)
    make_item(meeting, "Rucio status", section=AgendaItem.Section.HOT)
    actions.publish_meeting(
        meeting=meeting, version=meeting.version, by=convener, without_focus=True
    )
    meeting.refresh_from_db()
    return meeting


def test_an_item_given_to_someone_else_and_the_other_removed_at_once_cancel_bob_once(
    meeting, developer, outsider
):
    news = meeting.items.get(title="PanDA news")
    outlook = meeting.items.get(title="PanDA outlook")

    outcomes = race(
        lambda: actions.update_item(item=news, version=news.version, by=None, presenter=outsider),
        lambda: actions.remove_item(item=outlook, version=meeting.version, by=None),
    )

    assert errors(outcomes) == []
    cancels = OutboundMail.objects.filter(recipient=developer.email, ics_method="CANCEL")
    assert cancels.count() == 1
    assert Meeting.objects.get(pk=meeting.pk).announced_revision == 1  # the list still waits
