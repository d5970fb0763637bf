"""In Chromium, the demo convener records a decision on a deliverable's tracking item on the
minutes sheet, finds it in the decisions log filtered by that deliverable, and follows its link
back to the meeting's item (issue 16). With JavaScript (htmx) and without."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings import actions
from adcmeet.meetings.models import Meeting, Outcome
from adcmeet.meetings.seed import ensure_demo_users
from tests import factories
from tests.browser.checks import axe_violations, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held(tmp_path):
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    convener = User.objects.get(username="convener")
    series = factories.make_series()
    series.conveners.add(convener)
    killer = factories.make_deliverable("Looping job killer")
    mover = factories.make_deliverable("Data mover")
    meeting = factories.make_meeting(
        series,
        on=timezone.localdate() - datetime.timedelta(days=1),
        state=Meeting.State.HELD,
        revision=1,
    )
    item = factories.make_item(
        meeting, "Looping job killer", section="tracking", deliverable=killer
    )
    other = factories.make_item(meeting, "Data mover", section="tracking", deliverable=mover)
    actions.record_outcome(
        meeting=meeting, by=convener, kind="decision", text="Mover waits for FTS", agenda_item=other
    )
    return {"convener": convener, "meeting": meeting, "item": item, "killer": killer}


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_decision_recorded_on_the_minutes_sheet_is_found_by_its_deliverable(
    browser, live_server, client, held, js_modules, javascript
):
    client.force_login(held["convener"])
    context = browser.new_context(
        timezone_id="Europe/Zurich", locale="en-GB", java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    client.cookies.clear()
    page = context.new_page()
    errors = watch_console(page)
    meeting, item = held["meeting"], held["item"]

    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")
    region = page.locator(f"#minutes-outcomes-{item.pk}")
    region.get_by_label("Decision").check()
    region.get_by_label("What was concluded").fill("Enable the killer in May")
    region.get_by_role("button", name="Record an outcome of “Looping job killer”").click()
    region = page.locator(f"#minutes-outcomes-{item.pk}")
    # With htmx the region says so; a plain form's redirect says so at the top of the sheet.
    said = region if javascript else page.locator("ul.messages")
    expect(said.get_by_role("status") if javascript else said).to_contain_text(
        "Recorded the decision “Enable the killer in May”"
    )
    expect(region.locator(".outcome-decision")).to_contain_text("Enable the killer in May")
    assert Outcome.objects.get(text="Enable the killer in May").deliverable == held["killer"]
    if javascript:  # the sheet with its outcome and attendance regions
        assert axe_violations(page, js_modules, serious_only=True) == []

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Decisions").click()
    page.get_by_label("Deliverable").select_option(label="Looping job killer")
    page.get_by_role("button", name="Show decisions").click()
    results = page.locator("#decision-results")
    expect(results).to_contain_text("1 decision matching")
    expect(results).to_contain_text("Enable the killer in May")
    expect(results).not_to_contain_text("Mover waits for FTS")
    # The filtered log has its own address (htmx pushes it): it can be bookmarked and shared.
    expect(page).to_have_url(re.compile(rf"/decisions/\?.*deliverable={held['killer'].pk}"))
    if javascript:
        assert axe_violations(page, js_modules, serious_only=True) == []

    results.get_by_role("link", name="Looping job killer").first.click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.pk}/#item-{item.pk}")
    expect(page.locator(f"#item-{item.pk}")).to_contain_text("Decision: Enable the killer in May")
    assert errors == []
    context.close()
