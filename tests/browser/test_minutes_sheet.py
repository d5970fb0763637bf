"""In Chromium: a refusal on the minutes sheet is shown and focused where the user is (the
item being minuted, the action form), not at the top of the page; without JavaScript the page
opens on the GOV.UK error summary (issue 14)."""

import datetime

import pytest
from playwright.sync_api import expect

from adcmeet.meetings import actions
from adcmeet.meetings.models import ActionItem
from tests import factories
from tests.browser.checks import axe_violations, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def meeting(db, developer):
    meeting = factories.make_meeting(factories.make_series(), on=datetime.date(2031, 5, 14))
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    for n in range(8):
        factories.make_item(meeting, f"Site report {n}", section="hot", duration_minutes=5)
    factories.make_item(meeting, "PanDA server release", section="hot", presenter=developer)
    return meeting


def test_refusals_on_the_minutes_sheet_appear_and_take_focus_where_the_user_is(
    login_as, live_server, meeting, convener, js_modules
):
    page = login_as(convener)
    errors = watch_console(page, answered_statuses=(409, 422))
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")

    # Someone else saves the PanDA minutes while this convener types theirs.
    panda = meeting.items.get(title="PanDA server release")
    actions.save_item_minutes(item=panda, version=1, by=None, text="Release 0.5 is out.")
    region = page.locator(f"#minutes-item-{panda.pk}")
    region.get_by_label("Minutes of “PanDA server release” (Markdown)").fill("Two bugs left")
    region.get_by_role("button", name="Save the minutes of “PanDA server release”").click()
    region = page.locator(f"#minutes-item-{panda.pk}")
    alert = region.get_by_role("alert")
    expect(alert).to_contain_text("Someone else changed the minutes of “PanDA server release”")
    expect(alert).to_be_focused()
    expect(region.get_by_label("Minutes of “PanDA server release” (Markdown)")).to_have_value(
        "Two bugs left"
    )
    # The user stays down there: the top of the page is out of view.
    expect(page.locator("h1")).not_to_be_in_viewport()

    # An action due in 2020 (a typo for 2031): refused in the action form, with the dates.
    sheet = page.locator("#actions")
    sheet.get_by_label("Action", exact=True).fill("Send the release notes")
    sheet.get_by_label("Due").fill("2020-05-20")
    sheet.get_by_role("button", name="Add the action").click()
    alert = page.locator("#actions").get_by_role("alert")
    expect(alert).to_contain_text("An action decided on 14 May 2031 cannot be due on 20 May 2020")
    expect(alert).to_be_focused()
    assert not ActionItem.objects.exists()
    page.locator("#actions").get_by_label("Due").fill("2031-05-20")
    page.locator("#actions").get_by_role("button", name="Add the action").click()
    expect(page.locator("#actions")).to_contain_text("Added the action “Send the release notes”")

    assert axe_violations(page, js_modules, serious_only=True) == []
    assert errors == []


def test_without_javascript_a_refusal_opens_on_the_error_summary(
    browser, live_server, client, meeting, convener
):
    client.force_login(convener)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/minutes/")

    sheet = page.locator("#actions")
    sheet.get_by_label("Action", exact=True).fill("Send the release notes")
    sheet.get_by_label("Due").fill("2020-05-20")
    sheet.get_by_role("button", name="Add the action").click()

    expect(page).to_have_title(f"Error: Minutes · {meeting} · adcmeet")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="An action decided on 14 May 2031").click()
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.pk}/actions/add/#actions")
    expect(page.locator("#actions").get_by_role("alert")).to_contain_text("cannot be due")
    context.close()
