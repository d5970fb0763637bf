"""In Chromium, the demo convener changes a published meeting and everyone concerned is told,
through a real Celery worker on Redis and the real SMTP server, the invites read by Mozilla's
ical.js and icalendar:

- removing an external presenter's item: that presenter gets a CANCEL naming them at once,
  while the list's update waits for the quiet period;
- moving the meeting: the list's mail says "Moved from <old time> to <new time>", the
  remaining presenter gets a REQUEST at the new time;
- cancelling it: the list gets a cancellation, the presenter a CANCEL; the presenter removed
  earlier is not cancelled twice.

A never-published draft, cancelled, mails no one.
"""

import datetime
import time
import zoneinfo

import icalendar
import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings import actions
from adcmeet.meetings.mail import when
from adcmeet.meetings.models import Meeting, OutboundMail
from adcmeet.meetings.seed import ensure_demo_users
from tests import factories
from tests.browser.checks import watch_console
from tests.conftest import need
from tests.lib.ical_parsers import run_icaljs

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LIST = "atlas-adc-dev@example.org"
EVE = "eve@uni.example"
ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")


@pytest.fixture
def demo(tmp_path):
    need(connection.vendor == "postgresql", "PostgreSQL (a worker writes concurrently)")
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    convener = User.objects.get(username="convener")
    developer = User.objects.get(username="developer")
    series = factories.make_series()
    series.conveners.add(convener)
    meeting = factories.make_meeting(series, on=timezone.localdate() + datetime.timedelta(days=14))
    factories.make_item(meeting, "PanDA news", presenter=developer, duration_minutes=15)
    factories.make_item(
        meeting,
        "Rucio at Dubna",
        section="focus",
        presenter_name="Eve External",
        presenter_email=EVE,
        duration_minutes=20,
    )
    return {"convener": convener, "developer": developer, "meeting": meeting}


class Inbox:
    """What the SMTP server accepted, by recipient, in order."""

    def __init__(self, smtp_server):
        self.server = smtp_server

    def wait(self, count: int) -> None:
        self.server.wait_for_messages(count, timeout=60)

    def of(self, addr: str) -> list:
        return [
            message
            for message, (_, rcpts) in zip(
                self.server.handler.messages, self.server.handler.envelopes, strict=True
            )
            if addr in rcpts
        ]

    def total(self) -> int:
        return len(self.server.handler.messages)


def calendar_of(message) -> tuple[str, dict, icalendar.Event]:
    """(MIME method, ical.js's reading, icalendar's event) of a message's invite."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    text = part.get_content()
    return part.get_param("method"), text, icalendar.Calendar.from_ical(text).walk("VEVENT")[0]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def open_schedule(page) -> None:
    if page.locator("#schedule").get_attribute("open") is None:
        page.locator("#schedule summary").click()


def test_the_convener_removes_a_presenter_moves_and_cancels_and_each_is_told(
    login_as, live_server, demo, smtp_server, celery_worker, node
):
    meeting, developer = demo["meeting"], demo["developer"]
    actions.publish_meeting(meeting=meeting, version=meeting.version, by=demo["convener"])
    inbox = Inbox(smtp_server)
    inbox.wait(3)  # the agenda: the list, the developer, Eve
    old_start = Meeting.objects.get(pk=meeting.pk).start

    page = login_as(demo["convener"])
    errors = watch_console(page)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/edit/")

    # 1. Eve's item leaves the published agenda: her CANCEL comes at once.
    page.get_by_role("button", name="Remove “Rucio at Dubna”").click()
    expect(page.locator("#agenda-notice")).to_contain_text("Removed “Rucio at Dubna”")
    inbox.wait(4)
    (_, cancel) = inbox.of(EVE)
    assert cancel["Subject"].startswith("No longer presenting:")
    method, text, event = calendar_of(cancel)
    assert method == "CANCEL"
    read = run_icaljs(text, node)
    assert read["method"] == "CANCEL"
    (cancelled,) = read["events"]
    assert cancelled["sequence"] == 2
    assert str(event["ATTENDEE"]) == f"mailto:{EVE}"
    assert "You are no longer on the agenda" in text_of(cancel)
    assert len(inbox.of(LIST)) == 1, "the list's update waits for the quiet period"

    # 2. The meeting moves a day later, to 11:00: the list reads the old time and the new.
    new_day = old_start.astimezone(ZURICH).date() + datetime.timedelta(days=1)
    open_schedule(page)
    move = page.get_by_role("form", name="Move the meeting")
    move.get_by_label("New date").fill(new_day.isoformat())
    move.get_by_label("New start time").fill("11:00")
    move.get_by_role("button", name="Move the meeting").click()
    expect(page.locator("#agenda-notice")).to_contain_text(
        f"Moved the meeting to {new_day:%A %d %B %Y}, 11:00."
    )
    inbox.wait(6)  # the list's update and the developer's REQUEST
    moved = inbox.of(LIST)[-1]
    new_start = datetime.datetime.combine(new_day, datetime.time(11, 0), tzinfo=ZURICH)
    assert moved["Subject"].startswith("Moved: ")
    assert (
        f"Moved from {when.long_form(old_start, ZURICH)} to {when.long_form(new_start, ZURICH)}"
        in text_of(moved)
    )
    method, text, _ = calendar_of(moved)
    assert method == "PUBLISH"
    (event,) = run_icaljs(text, node)["events"]
    assert event["start"] == new_start.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "Rucio at Dubna" not in event["description"]
    method, text, _ = calendar_of(inbox.of(developer.email)[-1])
    assert method == "REQUEST"
    assert run_icaljs(text, node)["events"][0]["sequence"] == event["sequence"]

    # 3. Cancelled: the list and the developer are told; Eve, cancelled already, is not again.
    page.reload()
    open_schedule(page)
    cancel_form = page.get_by_role("form", name="Cancel the meeting")
    cancel_form.get_by_label("Reason").fill("Workshop week")
    cancel_form.get_by_role("button", name="Cancel the meeting").click()
    expect(page.locator("#agenda-notice")).to_contain_text(
        "The meeting is cancelled; the notice is queued."
    )
    inbox.wait(8)
    notice = inbox.of(LIST)[-1]
    assert notice["Subject"].startswith("Cancelled:")
    assert "Workshop week" in text_of(notice)
    method, text, event = calendar_of(notice)
    assert (method, event["STATUS"]) == ("PUBLISH", "CANCELLED")
    assert run_icaljs(text, node)["events"][0]["status"] == "CANCELLED"
    method, text, _ = calendar_of(inbox.of(developer.email)[-1])
    assert method == "CANCEL"
    assert run_icaljs(text, node)["method"] == "CANCEL"
    assert len(inbox.of(EVE)) == 2
    assert OutboundMail.objects.filter(recipient=EVE).count() == 2
    assert errors == []


def test_cancelling_a_never_published_draft_mails_no_one(
    login_as, live_server, demo, smtp_server, celery_worker
):
    meeting = demo["meeting"]
    page = login_as(demo["convener"])
    errors = watch_console(page)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/edit/")
    open_schedule(page)
    cancel_form = page.get_by_role("form", name="Cancel the meeting")
    cancel_form.get_by_label("Reason").fill("Nothing to discuss")
    cancel_form.get_by_role("button", name="Cancel the meeting").click()
    expect(page.locator("#agenda-notice")).to_contain_text(
        "Its agenda was never published: nobody is mailed."
    )
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.CANCELLED
    assert not OutboundMail.objects.exists()
    time.sleep(2)  # a worker's sweep would have found anything queued by now
    assert Inbox(smtp_server).total() == 0
    assert errors == []
