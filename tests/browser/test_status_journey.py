"""The status journey (issue 17) in Chromium: beat's status request, run by a real Celery worker
on Redis, mails the demo developer through the real SMTP server; the "On track" link taken out
of that mail, followed logged out, asks for confirmation and records the status; the demo
convener's builder then lists that deliverable in the consent line, unticked, and proposes
the unreported one first, ticked."""

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings.models import Meeting
from adcmeet.meetings.seed import ensure_demo_users
from adcmeet.meetings.tasks import send_status_requests
from deliverables.models import DeliverableChange
from tests import factories
from tests.browser.checks import axe_violations, watch_console
from tests.conftest import need

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(tmp_path, settings, live_server):
    need(connection.vendor == "postgresql", "PostgreSQL (a worker writes concurrently)")
    # The links in the mail lead to this server; the request is due since midnight (UTC).
    settings.SITE_URL = live_server.url
    settings.MAIL_SEND_HOUR = 0
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    convener = User.objects.get(username="convener")
    developer = User.objects.get(username="developer")
    series = factories.make_series(time_zone="UTC", start_time=datetime.time(23, 30))
    series.conveners.add(convener)
    tomorrow = timezone.localtime(timezone.now(), datetime.UTC).date() + datetime.timedelta(1)
    meeting = factories.make_meeting(series, on=tomorrow, state=Meeting.State.DRAFT)
    # Due in the period the meeting falls in (December: Fall).
    roadmap = factories.make_roadmap(tomorrow.year)
    reported = factories.make_deliverable(
        "Rucio 35 in the pilot", roadmap=roadmap, period="Fall", owners=(developer,)
    )
    silent = factories.make_deliverable(
        "job brokerage v2", roadmap=roadmap, period="Fall", owners=(developer,)
    )
    return {
        "convener": convener,
        "developer": developer,
        "meeting": meeting,
        "reported": reported,
        "silent": silent,
    }


def on_track_link(text: str, title: str) -> str:
    block = text.split(f"* {title}")[1].split("\n* ")[0]
    return re.search(r"On track: (\S+)", block).group(1)


def test_an_owner_reports_on_track_from_the_mail_and_the_item_passes_by_consent(
    browser_context, login_as, live_server, demo, smtp_server, celery_worker, js_modules
):
    send_status_requests.delay()

    (message,) = smtp_server.wait_for_messages(1, timeout=60)
    assert message["To"].addresses[0].addr_spec == demo["developer"].email
    text = message.get_body(("plain",)).get_content()
    assert "job brokerage v2" in text
    link = on_track_link(text, "Rucio 35 in the pilot")
    assert link.startswith(f"{live_server.url}/status/")

    # Logged out, as from a mail client: the link asks first and changes nothing on GET.
    owner_page = browser_context.new_page()
    errors = watch_console(owner_page)
    owner_page.goto(link)
    expect(owner_page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Report .Rucio 35 in the pilot. on track\?")
    )
    assert not DeliverableChange.objects.filter(kind=DeliverableChange.Kind.REPORT).exists()
    owner_page.get_by_label("One line of status (optional)").fill("release candidate in testing")
    owner_page.get_by_role("button", name="Yes, it is on track").click()
    expect(owner_page.locator("body")).to_contain_text("release candidate in testing")
    report = DeliverableChange.objects.get(kind=DeliverableChange.Kind.REPORT)
    assert (report.deliverable, report.health, report.by) == (
        demo["reported"],
        "on_track",
        demo["developer"],
    )

    # The convener's builder: the reported item passes by consent, the silent one comes first.
    page = login_as(demo["convener"])
    errors += watch_console(page)
    page.goto(f"{live_server.url}/meetings/{demo['meeting'].pk}/edit/")
    expect(page.locator("#consent-line")).to_have_text(
        "By consent: Rucio 35 in the pilot (on track)."
    )
    expect(page.locator(f"#track-{demo['reported'].pk}")).not_to_be_checked()
    first = page.locator("#proposals .proposal").first
    expect(first).to_contain_text("job brokerage v2")
    expect(first).to_contain_text("not reported")
    expect(page.locator(f"#track-{demo['silent'].pk}")).to_be_checked()
    expect(page.locator("#proposals")).to_contain_text("release candidate in testing")
    assert axe_violations(page, js_modules) == []
    # On a phone the status lines and the consent line wrap: nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
