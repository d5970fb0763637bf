"""The weekly jobs and the agenda mails cost a fixed number of queries: the slip digest's "who
is asked for a status already" (mail.asked.owners_due) the same whether no meeting, one or two
meetings on different days are due, with few or many owners; the agenda mails the same for a
short or a long agenda, few or many presenters (the consent agenda read once per meeting)."""

import datetime
import zoneinfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings.mail import asked, digests, meeting_mail
from adcmeet.meetings.models import Meeting, OutboundMail
from deliverables.actions.status import report_status
from tests.factories import (
    make_action,
    make_deliverable,
    make_item,
    make_meeting,
    make_roadmap,
    make_series,
    make_user,
)

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
# Wednesday 9:00: the Wednesday meeting's requests were due yesterday, the Thursday one's now.
WEDNESDAY_9 = datetime.datetime(2031, 1, 15, 9, tzinfo=ZURICH)
# Two owners a series' meeting asks, plus (with `more`) six more, each with a late item.
LATE = {"deadline": datetime.date(2031, 2, 1), "lead_time_days": 30}


def week(convener, *, owners: int) -> dict:
    wednesday = make_series()
    wednesday.conveners.add(convener)
    thursday = make_series(name="Rucio weekly", slug="rucio", mailing_list="rucio@example.org")
    meetings = [
        make_meeting(wednesday, on=datetime.date(2031, 1, 15), state="published", revision=1),
        make_meeting(thursday, on=datetime.date(2031, 1, 16), state="published", revision=1),
    ]
    old, current = make_roadmap(2030), make_roadmap(2031)
    people = [make_user(f"owner{n}", name=f"Owner {n}") for n in range(owners)]
    for n, person in enumerate(people):
        make_deliverable(f"campaign {n}", roadmap=current, period="June", owners=(person,), **LATE)
        make_deliverable(f"old item {n}", roadmap=old, period="April", owners=(person,))
        make_action(meetings[0], f"action {n}", owner=person, due=datetime.date(2031, 1, 10))
    # Not asked: opted out, or owns only last year's item.
    make_deliverable(
        "opted out",
        roadmap=current,
        period="June",
        owners=(make_user("quiet", wants_slip_digests=False),),
        **LATE,
    )
    make_deliverable("last year", roadmap=old, period="June", owners=(make_user("dave"),))
    return {"meetings": meetings, "people": people}


def queries(run) -> int:
    """Queries of `run()`, rolled back as the benchmark does."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            run()
        transaction.set_rollback(True)
    return len(captured.captured_queries)


def test_the_digest_leaves_out_exactly_the_owners_the_status_request_asks(convener):
    world = week(convener, owners=3)

    asks = asked.asks_due(WEDNESDAY_9)

    assert {ask.for_date for ask in asks} == {
        datetime.date(2031, 1, 15),
        datetime.date(2031, 1, 16),
    }
    assert asked.owners_due(WEDNESDAY_9) == {ask.owner.pk for ask in asks}
    assert asked.owners_due(WEDNESDAY_9) == {person.pk for person in world["people"]}


@pytest.mark.parametrize("owners", [2, 8])
@pytest.mark.parametrize("due", [0, 1, 2], ids=["no meeting asks", "one", "two days"])
def test_the_slip_digests_cost_the_same_queries_however_many_meetings_and_owners(
    convener, owners, due
):
    world = week(convener, owners=owners)
    # A held meeting asks nobody (the digest still goes out before it).
    for meeting in world["meetings"][due:]:
        Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.HELD)

    count = queries(lambda: digests.queue_slip_digests(WEDNESDAY_9))

    assert count == 15


@pytest.mark.parametrize(("items", "presenters"), [(2, 1), (9, 6)])
def test_all_agenda_mails_of_a_meeting_cost_the_same_queries_for_any_agenda(
    convener, items, presenters
):
    world = week(convener, owners=presenters)
    meeting = world["meetings"][0]
    for n in range(items):
        make_item(meeting, f"item {n}", presenter=world["people"][n % presenters])
    # One item tracks a deliverable with a report: the status line and the consent agenda.
    campaign = world["people"][0].deliverables.get(title="campaign 0")
    make_item(meeting, "campaign 0", deliverable=campaign, presenter=world["people"][0])
    report_status(deliverable=campaign, by=world["people"][0], health="at_risk", line="waiting")

    count = queries(lambda: meeting_mail.queue_meeting_mail(meeting, OutboundMail.Kind.AGENDA))

    assert count == 14
