"""One weekly mail per owner (issue 17 follow-up): at MAIL_SEND_HOUR the day before the meeting
an owner asked for a status gets the status request alone, listing the items asked about, their
other late items and their open actions; the slip digest goes only to owners who are not asked.
Who is asked is decided the same way by both jobs, whichever runs first; the conveners'
digest is unchanged."""

import datetime
import zoneinfo

import pytest

from adcmeet.meetings.mail import digests, status_requests
from adcmeet.meetings.models import Meeting, OutboundMail
from deliverables.actions.status import report_status
from deliverables.models import Deliverable, StatusRequest
from tests.factories import (
    make_action,
    make_deliverable,
    make_meeting,
    make_roadmap,
    make_series,
    make_user,
)

pytestmark = pytest.mark.django_db

Kind = OutboundMail.Kind
ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
# The Wednesday meeting's mails are due Tuesday at nine.
TUESDAY_9 = datetime.datetime(2031, 1, 14, 9, tzinfo=ZURICH)


def queue_digests():
    return digests.queue_slip_digests(TUESDAY_9)


def queue_requests():
    return status_requests.queue_status_requests(TUESDAY_9)


@pytest.fixture
def week(convener, developer, manager):
    """Bob is asked about this year's "DDM deletion campaign" (its start-by date passed), has
    last year's "looping job killer" left open, which the meeting's tracking does not read,
    and two open actions. Carol has only an open action. Dave has only last year's item."""
    series = make_series()
    series.conveners.add(convener)
    last = make_meeting(series, on=datetime.date(2031, 1, 8), state=Meeting.State.HELD, revision=1)
    make_meeting(series, on=datetime.date(2031, 1, 15), state="published", revision=1)
    old = make_roadmap(2030)
    current = make_roadmap(2031)
    dave = make_user("dave", name="Dave Physicist")
    asked = make_deliverable(
        "DDM deletion campaign",
        roadmap=current,
        period="June",
        owners=(developer,),
        deadline=datetime.date(2031, 2, 1),
        lead_time_days=30,
    )
    also_late = make_deliverable(
        "looping job killer", roadmap=old, period="April", owners=(developer,)
    )
    daves = make_deliverable("cost model", roadmap=old, period="June", owners=(dave,))
    make_action(last, "Book the room for Dubna", owner=developer, due=datetime.date(2031, 1, 20))
    make_action(last, "Send the Rucio slides", owner=developer, due=datetime.date(2031, 1, 10))
    make_action(last, "Review the pilot release", owner=manager, due=datetime.date(2031, 1, 30))
    return {"asked": asked, "also_late": also_late, "daves": daves, "dave": dave}


def mails_to(address) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(recipient=address).order_by("pk"))


@pytest.mark.parametrize(
    "jobs",
    [(queue_digests, queue_requests), (queue_requests, queue_digests)],
    ids=["digest job first", "status job first"],
)
def test_an_asked_owner_gets_one_mail_with_the_items_and_the_actions(jobs, week, developer):
    for job in jobs:
        job()

    [mail] = mails_to(developer.email)
    assert mail.kind == Kind.STATUS_REQUEST
    assert mail.subject == "How does your 1 deliverable stand before Wednesday 15 Jan?"
    text = mail.body_text
    # What he is asked about, with its links.
    assert text.count("DDM deletion campaign") == 1
    assert "start-by date 02 Jan has passed" in text
    assert text.count("On track: http") == 1
    # What the digest would have told him and the request does not ask about.
    also_late = text.split("Also late")[1]
    assert "* looping job killer (PanDA+Prodsys 2030, April)" in also_late
    assert "April ended on 30 Apr 2030 and it is open" in also_late
    url = f"http://127.0.0.1:8000/deliverables/{week['also_late'].pk}/"
    assert f"Mark done or move: {url}" in also_late
    # And what he promised, the overdue first.
    actions = text.split("Your open actions, the overdue first:")[1]
    assert actions.index("Send the Rucio slides") < actions.index("Book the room for Dubna")
    assert "OVERDUE, was due Fri 10 Jan 2031, from ADC development meeting, 8 Jan" in actions
    assert "due Mon 20 Jan 2031" in actions
    html = mail.body_html
    assert "overdue</strong>, was due Fri 10 Jan 2031" in html
    assert f'href="{url}"' in html
    # The switch and the one-click link stay the deliverable mail's.
    assert mail.headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/mail/unsubscribe/")


@pytest.mark.parametrize(
    "jobs",
    [(queue_digests, queue_requests), (queue_requests, queue_digests)],
    ids=["digest job first", "status job first"],
)
def test_owners_not_asked_still_get_their_digest(jobs, week, manager):
    for job in jobs:
        job()

    [carol] = mails_to(manager.email)  # only an action due
    assert carol.kind == Kind.SLIP_DIGEST
    assert carol.subject == "1 open action of yours before Wednesday 15 Jan"
    assert "Review the pilot release" in carol.body_text
    [dave] = mails_to(week["dave"].email)  # only an item the meeting does not track
    assert dave.kind == Kind.SLIP_DIGEST
    assert dave.subject == "1 deliverable of yours needs attention before Wednesday 15 Jan"
    assert "June ended on 30 Jun 2030 and it is open" in dave.body_text


def test_the_digest_job_decides_before_any_request_is_written(week, developer):
    due = digests.slip_digests_due(TUESDAY_9)

    assert StatusRequest.objects.count() == 0
    owners = sorted(d.recipient[1] for d in due if d.kind == Kind.SLIP_DIGEST)
    assert owners == ["carol@example.org", "dave@example.org"]


def test_the_convener_digest_is_unchanged_by_the_status_requests(week, convener):
    def convener_digest():
        [digest] = [
            d for d in digests.slip_digests_due(TUESDAY_9) if d.kind == Kind.CONVENER_DIGEST
        ]
        return digest

    before = convener_digest()
    queue_requests()
    after = convener_digest()

    assert after.recipient == before.recipient == ("Alice Convener", convener.email)
    assert after.rendered == before.rendered
    assert after.rendered.subject == "Slips before Wednesday 15 Jan: 3 deliverables"
    text = after.rendered.text
    for title in ("DDM deletion campaign", "looping job killer", "cost model"):
        assert title in text
    queue_digests()
    assert [m.kind for m in mails_to(convener.email)] == [Kind.CONVENER_DIGEST]


def test_running_both_jobs_again_sends_nothing_more(week, developer, manager):
    queue_requests()
    queue_digests()
    later = TUESDAY_9 + datetime.timedelta(minutes=15)

    assert status_requests.queue_status_requests(later) == []
    assert digests.queue_slip_digests(later) == []
    assert [m.kind for m in mails_to(developer.email)] == [Kind.STATUS_REQUEST]
    assert [m.kind for m in mails_to(manager.email)] == [Kind.SLIP_DIGEST]


def test_an_owner_who_answered_is_not_sent_the_digest_a_quarter_of_an_hour_later(week, developer):
    """Done closes the item, so Bob is no longer asked about anything at the next run; his
    request for this week still stands in for the digest."""
    queue_requests()
    report_status(deliverable=week["asked"], by=developer, health="done")
    assert Deliverable.objects.get(pk=week["asked"].pk).status == Deliverable.Status.DONE

    digests.queue_slip_digests(TUESDAY_9 + datetime.timedelta(minutes=15))

    assert [m.kind for m in mails_to(developer.email)] == [Kind.STATUS_REQUEST]


def test_an_owner_who_opted_out_gets_neither(week, developer):
    developer.wants_slip_digests = False
    developer.save()

    queue_requests()
    queue_digests()

    assert mails_to(developer.email) == []
