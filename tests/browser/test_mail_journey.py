"""In Chromium, the demo convener publishes an agenda with an external presenter; a real
Celery worker on Redis delivers through the real SMTP server: the list receives the agenda as
METHOD:PUBLISH, each presenter (the demo developer, the external invitee) a METHOD:REQUEST
naming them, and Mozilla's ical.js reads every invite. Then the convener changes the room in
the builder: the revision grows and the builder says the update waits for the quiet period.
"""

import datetime

import icalendar
import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings.models import Meeting
from adcmeet.meetings.seed import ensure_demo_users
from tests import factories
from tests.browser.checks import watch_console
from tests.conftest import need
from tests.lib.ical_parsers import run_icaljs

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LIST = "atlas-adc-dev@example.org"
EVE = "eve@uni.example"


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
    return {"convener": convener, "developer": developer, "meeting": meeting}


def calendar_part(message):
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar")


def test_the_demo_convener_publishes_and_the_list_and_each_presenter_get_their_invite(
    login_as, live_server, demo, smtp_server, celery_worker, node, js_modules
):
    meeting, developer = demo["meeting"], demo["developer"]
    page = login_as(demo["convener"])
    errors = watch_console(page)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/edit/")

    focus = page.locator("#section-focus")
    add = focus.locator("details.add-item")
    if add.get_attribute("open") is None:
        add.locator("summary").click()
    focus.get_by_label("Or type a focus topic").fill("Rucio at Dubna")
    focus.get_by_label("Minutes", exact=True).fill("20")
    focus.get_by_label("External invitee: name").fill("Eve External")
    focus.get_by_label("Invitee email").fill(EVE)
    focus.get_by_role("button", name="Add to focus topic").click()
    expect(page.locator("#agenda-notice")).to_contain_text("Added “Rucio at Dubna”")
    page.get_by_role("button", name="Publish the agenda").click()
    expect(page.locator("#agenda-notice")).to_contain_text("Published the agenda (revision 1)")

    messages = {
        m["To"].addresses[0].addr_spec: m for m in smtp_server.wait_for_messages(3, timeout=60)
    }
    assert sorted(messages) == sorted([LIST, developer.email, EVE])

    to_list = calendar_part(messages[LIST])
    assert to_list.get_param("method") == "PUBLISH"
    read = run_icaljs(to_list.get_content(), node)
    assert read["method"] == "PUBLISH"
    (event,) = read["events"]
    assert event["sequence"] == 1
    assert event["organizer"] == f"mailto:{demo['convener'].email}"
    assert "Rucio at Dubna — Eve External" in event["description"]
    assert "PanDA news — Demo Developer" in event["description"]

    for addr in (developer.email, EVE):
        part = calendar_part(messages[addr])
        assert part.get_param("method") == "REQUEST"
        read = run_icaljs(part.get_content(), node)
        assert read["method"] == "REQUEST"
        (invite,) = read["events"]
        assert invite["uid"] == event["uid"]
        assert invite["start"] == event["start"]
        attendees = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]["ATTENDEE"]
        assert str(attendees) == f"mailto:{addr}"

    # A new room from the builder (htmx): the revision grows, the update waits its turn.
    if page.locator("#schedule").get_attribute("open") is None:
        page.locator("#schedule summary").click()
    place = page.get_by_role("form", name="Room and video link")
    place.get_by_label("Room").fill("CERN 40-S2-D01")
    place.get_by_role("button", name="Change the room and link").click()
    expect(page.locator("#agenda-notice")).to_contain_text(
        "Changed the room and video link (revision 2)"
    )
    expect(page.locator("#publish-row")).to_contain_text("the agenda changed since it was mailed")
    expect(page.locator("#update-due")).to_contain_text("goes out by itself")
    changed = Meeting.objects.get(pk=meeting.pk)
    assert (changed.location, changed.revision, changed.announced_revision) == (
        "CERN 40-S2-D01",
        2,
        1,
    )
    assert len(smtp_server.messages) == 3  # nothing before the quiet period
    assert errors == []
