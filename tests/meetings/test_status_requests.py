"""The status request before a meeting (issue 17): at MAIL_SEND_HOUR the day before, on the
series' wall clock, each owner of a due, slipped or late-starting deliverable gets one mail
listing all of them with single-purpose links; asked once per owner and day, whatever the
runs, series or threads; nothing when nothing is due; opted-out owners are left alone."""

import datetime
import io
import re
import zoneinfo

import pytest
from django.core.management import call_command

from adcmeet.meetings.mail import status_requests
from adcmeet.meetings.models import Meeting, OutboundMail
from deliverables import status_links
from deliverables.models import StatusLink, StatusRequest
from tests.concurrency import errors, race
from tests.factories import make_deliverable, make_meeting, make_roadmap, make_series, make_user

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
# A Wednesday in May: May's deliverables are due, April's slipped.
MAY_14 = datetime.date(2031, 5, 14)
# The day before, 09:00 in Chicago: 14:00 UTC.
ASK_AT = datetime.datetime(2031, 5, 13, 9, 0, tzinfo=CHICAGO)
LINK = re.compile(r"https://\S+/status/[^/\s]+/")


@pytest.fixture(autouse=True)
def _send_hour(settings):
    settings.MAIL_SEND_HOUR = 9
    settings.SITE_URL = "https://adcmeet.example.org"


@pytest.fixture
def chicago_meeting(db):
    series = make_series(time_zone="America/Chicago", name="ADC US meeting", slug="adc-us")
    return make_meeting(series, on=MAY_14, state=Meeting.State.DRAFT)


@pytest.fixture
def owner(db):
    return make_user("bob", name="Bob Developer")


@pytest.fixture
def items(owner):
    make_roadmap(2031)
    return {
        "due": make_deliverable("Rucio 35 in the pilot", period="May", owners=(owner,)),
        "slipped": make_deliverable("looping job killer", period="April", owners=(owner,)),
        "late": make_deliverable(
            "harvester on ARM",
            period="Summer",
            owners=(owner,),
            # start by 1 May: four months' work before the end of August
            deadline=datetime.date(2031, 8, 31),
            lead_time_days=122,
        ),
        "later": make_deliverable("Dask at scale", period="Summer", owners=(owner,)),
    }


def status_mails():
    return list(OutboundMail.objects.filter(kind=OutboundMail.Kind.STATUS_REQUEST))


def test_owners_are_asked_at_the_send_hour_the_day_before_on_the_series_clock(
    chicago_meeting, items
):
    early = status_requests.queue_status_requests(ASK_AT - datetime.timedelta(minutes=1))
    assert early == []
    assert status_mails() == []

    ids = status_requests.queue_status_requests(ASK_AT)

    assert len(ids) == 1
    assert ASK_AT.astimezone(datetime.UTC).hour == 14  # 09:00 in Chicago, not in Geneva


def test_one_mail_per_owner_lists_every_item_with_its_reason_and_four_absolute_links(
    chicago_meeting, items, owner
):
    status_requests.queue_status_requests(ASK_AT)

    [row] = status_mails()
    assert row.recipient == "bob@example.org"
    assert row.subject == "How do your 3 deliverables stand before Wednesday 14 May?"
    text = row.body_text
    for title in ("Rucio 35 in the pilot", "looping job killer", "harvester on ARM"):
        assert title in text
        assert title in row.body_html
    assert "Dask at scale" not in text  # not due, not slipped, not late: not asked
    assert "slipped: April has ended" in text
    assert "start-by date 01 May has passed" in text
    assert "due in May" in text
    links = LINK.findall(text)
    assert len(links) == 3 * 4
    assert all(link.startswith("https://adcmeet.example.org/status/") for link in links)
    for label in ("Done:", "On track:", "Write a line of status…:"):
        assert text.count(label) == 3
    # "Move" names where it would go: the next period that has not ended.
    assert "* looping job killer (April)" in text
    assert text.count("Move to May…:") == 1  # April's item
    assert text.count("Move to June…:") == 1  # May's
    assert text.count("Move to Fall…:") == 1  # Summer's
    # The request the links belong to names the three, one link per purpose each.
    request = StatusRequest.objects.get(owner=owner)
    assert request.for_date == MAY_14
    assert set(request.deliverables.all()) == {items["due"], items["slipped"], items["late"]}
    assert StatusLink.objects.filter(request=request).count() == 12


def test_a_link_in_the_mail_opens_the_right_purpose_for_the_right_item(
    chicago_meeting, items, owner
):
    status_requests.queue_status_requests(ASK_AT)
    [row] = status_mails()
    block = row.body_text.split("* looping job killer")[1].split("\n* ")[0]
    on_track = re.search(r"On track: (\S+)", block).group(1)
    token = on_track.rstrip("/").rsplit("/", 1)[1]

    link = status_links.open_link(token, now=ASK_AT)

    assert link.deliverable == items["slipped"]
    assert link.purpose == StatusLink.Purpose.ON_TRACK
    assert link.request.owner == owner


def test_the_mail_carries_the_one_click_unsubscribe_of_the_deliverable_mail(chicago_meeting, items):
    status_requests.queue_status_requests(ASK_AT)

    [row] = status_mails()
    assert row.headers["List-Unsubscribe"].startswith(
        "<https://adcmeet.example.org/mail/unsubscribe/"
    )
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Unsubscribe:" in row.body_text


def test_running_again_sends_nothing_twice(chicago_meeting, items):
    first = status_requests.queue_status_requests(ASK_AT)
    again = status_requests.queue_status_requests(ASK_AT + datetime.timedelta(minutes=15))
    later = status_requests.queue_status_requests(ASK_AT + datetime.timedelta(hours=5))

    assert len(first) == 1
    assert again == later == []
    assert len(status_mails()) == 1
    assert StatusRequest.objects.count() == 1


def test_nothing_is_sent_when_nothing_is_due(chicago_meeting, owner):
    make_roadmap(2031)
    make_deliverable("Dask at scale", period="Summer", owners=(owner,))
    make_deliverable(
        "done already",
        period="April",
        owners=(owner,),
        status="done",
        done_on=datetime.date(2031, 4, 28),
    )

    assert status_requests.queue_status_requests(ASK_AT) == []
    assert status_mails() == []
    assert StatusRequest.objects.count() == 0


def test_owners_who_opted_out_or_have_no_address_are_not_asked(chicago_meeting, items, owner):
    quiet = make_user("erin", name="Erin Quiet", wants_slip_digests=False)
    nomail = make_user("fred", name="Fred Nomail", email="")
    items["due"].owners.add(quiet, nomail)

    status_requests.queue_status_requests(ASK_AT)

    assert [row.recipient for row in status_mails()] == ["bob@example.org"]
    assert not StatusRequest.objects.filter(owner__in=[quiet, nomail]).exists()


def test_two_series_meeting_the_same_day_make_one_mail(chicago_meeting, items):
    geneva = make_series(name="ADC Geneva", slug="adc-geneva", time_zone="Europe/Zurich")
    make_meeting(geneva, on=MAY_14, state=Meeting.State.PUBLISHED, revision=1)

    status_requests.queue_status_requests(ASK_AT)

    [row] = status_mails()
    assert len(LINK.findall(row.body_text)) == 3 * 4


def test_cancelled_and_started_meetings_ask_nobody(chicago_meeting, items):
    Meeting.objects.filter(pk=chicago_meeting.pk).update(state=Meeting.State.CANCELLED, revision=1)
    assert status_requests.queue_status_requests(ASK_AT) == []

    Meeting.objects.filter(pk=chicago_meeting.pk).update(state=Meeting.State.DRAFT, revision=0)
    assert status_requests.queue_status_requests(chicago_meeting.start) == []


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_owner_one_mail(chicago_meeting, items, owner):
    other = make_user("carol", name="Carol Manager")
    items["due"].owners.add(other)

    outcomes = race(
        lambda: status_requests.queue_status_requests(ASK_AT),
        lambda: status_requests.queue_status_requests(ASK_AT),
    )

    assert errors(outcomes) == []
    assert sorted(row.recipient for row in status_mails()) == [
        "bob@example.org",
        "carol@example.org",
    ]
    assert StatusRequest.objects.count() == 2


def test_cron_sites_list_then_queue_the_requests_with_the_command(chicago_meeting, items):
    out = io.StringIO()

    call_command("send_status_requests", "--dry-run", "--at", "2031-05-13T14:00Z", stdout=out)
    assert "Bob Developer <bob@example.org> for Wed 14 May: looping job killer" in out.getvalue()
    assert "1 status request(s) due; nothing queued (dry run)." in out.getvalue()
    assert status_mails() == []
    assert StatusRequest.objects.count() == 0

    call_command("send_status_requests", "--at", "2031-05-13T14:00Z", stdout=out)
    call_command("send_status_requests", "--at", "2031-05-13T14:15Z", stdout=out)

    assert "Queued 1 status request(s)." in out.getvalue()
    assert "Queued 0 status request(s)." in out.getvalue()
    assert len(status_mails()) == 1
