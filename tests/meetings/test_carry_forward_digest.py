"""Open actions in their owner's weekly digest (issue 16): those with a due date, the overdue
first, beside the slipped deliverables; an owner with only open actions gets the digest too;
done actions and actions without a date stay out; conveners get nothing for actions alone."""

import datetime
import zoneinfo

import pytest

from adcmeet.meetings.mail import digests
from adcmeet.meetings.models import Meeting, OutboundMail
from tests import factories

Kind = OutboundMail.Kind
ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
TUESDAY_9 = datetime.datetime(2031, 1, 14, 9, tzinfo=ZURICH)


@pytest.fixture
def actions(db, convener, developer, manager):
    series = factories.make_series()
    series.conveners.add(convener)
    last = factories.make_meeting(
        series, on=datetime.date(2031, 1, 8), state=Meeting.State.HELD, revision=1
    )
    factories.make_meeting(series, on=datetime.date(2031, 1, 15), state="published", revision=1)
    later = factories.make_action(
        last, "Book the room for Dubna", owner=developer, due=datetime.date(2031, 1, 20)
    )
    late = factories.make_action(
        last, "Send the Rucio slides", owner=developer, due=datetime.date(2031, 1, 10)
    )
    factories.make_action(last, "No date for this", owner=developer)
    factories.make_action(
        last,
        "Done already",
        owner=developer,
        due=datetime.date(2031, 1, 9),
        done=True,
        done_at=datetime.datetime(2031, 1, 9, tzinfo=ZURICH),
    )
    factories.make_action(last, "Carol's", owner=manager, due=datetime.date(2031, 1, 30))
    return {"late": late, "later": later}


def owner_digests(now=TUESDAY_9) -> dict:
    return {d.recipient[1]: d for d in digests.slip_digests_due(now) if d.kind == Kind.SLIP_DIGEST}


def test_an_owner_with_open_actions_gets_them_in_the_digest_overdue_first(actions, developer):
    bob = owner_digests()[developer.email]

    assert bob.rendered.subject == "2 open actions of yours before Wednesday 15 Jan"
    text = bob.rendered.text
    assert text.index("Send the Rucio slides") < text.index("Book the room for Dubna")
    assert "OVERDUE, was due Fri 10 Jan 2031, from ADC development meeting, 8 Jan" in text
    assert "due Mon 20 Jan 2031, from ADC development meeting, 8 Jan" in text
    assert "No date for this" not in text
    assert "Done already" not in text
    assert "overdue</strong>, was due Fri 10 Jan 2031" in bob.rendered.html


def test_each_owner_gets_only_their_own_actions(actions, manager):
    carol = owner_digests()[manager.email]

    assert "Carol's" in carol.rendered.text
    assert "Send the Rucio slides" not in carol.rendered.text


def test_actions_alone_send_conveners_no_slip_digest(actions):
    assert not [d for d in digests.slip_digests_due(TUESDAY_9) if d.kind == Kind.CONVENER_DIGEST]


def test_slips_and_actions_share_one_digest(actions, developer):
    """Last year's item, this year's roadmap tracked: Bob is not asked for a status, so his
    digest is his weekly mail (tests/meetings/test_one_weekly_mail.py: when he is asked)."""
    old = factories.make_roadmap(2030)
    factories.make_roadmap(2031)
    factories.make_deliverable(
        "looping job killer", roadmap=old, period="April", owners=(developer,)
    )

    bob = owner_digests()[developer.email]

    assert bob.rendered.subject == "1 deliverable of yours needs attention before Wednesday 15 Jan"
    assert "looping job killer" in bob.rendered.text
    assert "Send the Rucio slides" in bob.rendered.text


def test_an_owner_who_opted_out_gets_no_actions_either(actions, developer):
    developer.wants_slip_digests = False
    developer.save()

    assert developer.email not in owner_digests()
