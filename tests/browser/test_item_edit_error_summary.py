"""In Chromium without JavaScript: a refused inline edit of an agenda item opens the builder on
the GOV.UK error summary, and each of its links leads to (and focuses) the field in error of
that item's form, with what the convener typed kept."""

import datetime

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def meeting(db, developer):
    meeting = factories.make_meeting(factories.make_series(), on=datetime.date(2031, 5, 14))
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    for n in range(6):
        factories.make_item(meeting, f"Site report {n}", section="hot", duration_minutes=5)
    factories.make_item(meeting, "PanDA server release", section="hot", presenter=developer)
    return meeting


@pytest.fixture
def page(browser, live_server, client, convener):
    client.force_login(convener)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    yield context.new_page()
    context.close()


def test_the_error_summary_of_an_inline_edit_links_to_the_field_in_error(
    page, live_server, meeting
):
    panda = meeting.items.get(title="PanDA server release")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/edit/")
    page.get_by_role("link", name="Edit “PanDA server release”").click()
    form = page.get_by_role("form", name="Edit “PanDA server release”")
    # A presenter with an account and an external invitee at once: the form refuses it.
    form.get_by_label("External invitee: name").fill("Eve External")
    form.get_by_label("Minutes").fill("25")
    form.get_by_role("button", name="Save item").click()

    expect(page).to_have_title(f"Error: Agenda builder · {meeting} · adcmeet")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="External invitee: name: Choose either a presenter")
    expect(link).to_have_attribute("href", f"#id_item-{panda.pk}-presenter_name")
    link.click()

    field = page.locator(f"#id_item-{panda.pk}-presenter_name")
    expect(field).to_be_focused()
    expect(field).to_have_value("Eve External")
    form = page.get_by_role("form", name="Edit “PanDA server release”")
    expect(form.get_by_label("Minutes")).to_have_value("25")
    panda.refresh_from_db()
    assert (panda.presenter_name, panda.duration_minutes) == ("", 10)

    # Corrected in place, it saves.
    field.fill("")
    form.get_by_role("button", name="Save item").click()
    expect(page.locator("#error-summary")).to_have_count(0)
    panda.refresh_from_db()
    assert panda.duration_minutes == 25
