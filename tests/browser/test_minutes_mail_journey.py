"""In Chromium, the demo convener minutes last week's meeting, records two actions for two
owners and publishes the minutes; a real Celery worker on Redis delivers through the real SMTP
server: the list gets the minutes with the notes by item and the actions by owner, and each
owner a mail with their own actions only."""

import datetime
import time

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings.models import Meeting, OutboundMail
from adcmeet.meetings.seed import ensure_demo_users
from tests import factories
from tests.browser.checks import watch_console
from tests.conftest import need

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LIST = "atlas-adc-dev@example.org"


@pytest.fixture
def demo(tmp_path):
    need(connection.vendor == "postgresql", "PostgreSQL (a worker writes concurrently)")
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    people = {n: User.objects.get(username=n) for n in ("convener", "developer", "manager")}
    series = factories.make_series()
    series.conveners.add(people["convener"])
    meeting = factories.make_meeting(
        series,
        on=timezone.localdate() - datetime.timedelta(days=7),
        state=Meeting.State.HELD,
        revision=1,
        announced_revision=1,
    )
    factories.make_item(meeting, "PanDA news", presenter=people["developer"], duration_minutes=15)
    factories.make_item(meeting, "Rucio at Dubna", section="focus", duration_minutes=20)
    return {**people, "meeting": meeting}


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def add_action(page, text: str, owner: str, due: datetime.date) -> None:
    sheet = page.locator("#actions")
    sheet.get_by_label("Action", exact=True).fill(text)
    sheet.get_by_label("Owner").select_option(label=owner)
    sheet.get_by_label("Due").fill(due.isoformat())
    sheet.get_by_role("button", name="Add the action").click()
    expect(page.locator("#actions")).to_contain_text(f"Added the action “{text}”")


def test_published_minutes_reach_the_list_and_each_owner_their_actions(
    login_as, live_server, demo, smtp_server, celery_worker
):
    meeting, developer, manager = demo["meeting"], demo["developer"], demo["manager"]
    due = timezone.localdate() + datetime.timedelta(days=7)
    page = login_as(demo["convener"])
    errors = watch_console(page)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")

    general = page.locator("#meeting-minutes")
    general.get_by_label("Minutes (Markdown)").fill("Quorum reached; the release plan holds.")
    general.get_by_role("button", name="Save the minutes").click()
    expect(page.locator("#meeting-minutes")).to_contain_text("Saved")
    panda = meeting.items.get(title="PanDA news")
    region = page.locator(f"#minutes-item-{panda.pk}")
    region.get_by_label("Minutes of “PanDA news” (Markdown)").fill("Server 0.5 deployed at CERN.")
    region.get_by_role("button", name="Save the minutes of “PanDA news”").click()
    expect(page.locator(f"#minutes-item-{panda.pk}")).to_contain_text("Saved")
    add_action(page, "Send the PanDA release notes", developer.display_name, due)
    add_action(page, "Book the room for the workshop", manager.display_name, due)

    page.get_by_role("button", name="Publish and mail the minutes").click()
    expect(page.locator("#publish-minutes")).to_contain_text("Published")

    messages = {
        m["To"].addresses[0].addr_spec: m for m in smtp_server.wait_for_messages(3, timeout=60)
    }
    assert sorted(messages) == sorted([LIST, developer.email, manager.email])

    to_list = text_of(messages[LIST])
    assert "Quorum reached; the release plan holds." in to_list
    assert "* PanDA news — Demo Developer\nServer 0.5 deployed at CERN." in to_list
    assert "Action items, by owner" in to_list
    assert f"{developer.display_name}:\n  - Send the PanDA release notes (due " in to_list
    assert f"{manager.display_name}:\n  - Book the room for the workshop (due " in to_list

    for owner, mine, theirs in (
        (developer, "Send the PanDA release notes", "Book the room for the workshop"),
        (manager, "Book the room for the workshop", "Send the PanDA release notes"),
    ):
        message = messages[owner.email]
        assert message["Subject"].startswith("Your action from ")
        text = text_of(message)
        assert f"Dear {owner.display_name}," in text
        assert f"  - {mine} (due {due:%a %d %b %Y})" in text
        assert theirs not in text

    # One row each in the outbox, all delivered: nobody is queued a second copy.
    rows = OutboundMail.objects.filter(meeting=meeting)
    assert rows.count() == 3
    deadline = time.monotonic() + 20  # the worker marks a row sent just after SMTP accepts it
    while rows.filter(sent_at__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not rows.filter(sent_at__isnull=True).exists()
    assert errors == []
