"""In Chromium with DEBUG off (the test default), as the demo accounts meet them: a refused page
says who may act and leads back; a missing page and a crash are the site's own pages, in its
layout, with a way on."""

import pytest
from django.urls import path
from playwright.sync_api import expect

from adcmeet import urls as site_urls
from adcmeet.accounts.models import User
from adcmeet.meetings.seed import ensure_demo_users
from tests import factories
from tests.browser.checks import axe_violations, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUSED = "You can\N{RIGHT SINGLE QUOTATION MARK}t do that here"


def _boom(request):
    raise RuntimeError("the database went away")


# The site's URLs and handlers plus one view that fails (for the 500 journey).
urlpatterns = [*site_urls.urlpatterns, path("boom/", _boom)]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500


@pytest.fixture
def demo(tmp_path):
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    return {name: User.objects.get(username=name) for name in ("convener", "manager")}


def test_a_manager_following_a_builder_link_reads_who_may_edit_and_goes_back(
    login_as, live_server, demo, js_modules, settings
):
    assert settings.DEBUG is False
    series = factories.make_series()
    series.conveners.add(demo["convener"])
    meeting = factories.make_meeting(series)
    page = login_as(demo["manager"])
    errors = watch_console(page, answered_statuses=(403,))
    meeting_page = f"{live_server.url}/meetings/{meeting.pk}/"

    response = page.goto(f"{meeting_page}edit/", referer=meeting_page)

    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(REFUSED)
    expect(page.get_by_role("alert")).to_have_text(
        "Only conveners of this series can edit its agenda."
    )
    expect(page.locator("main")).to_contain_text(
        f"You are logged in as {demo['manager'].display_name}"
    )
    expect(page.locator("header.site-header nav")).to_be_visible()
    assert axe_violations(page, js_modules) == []
    page.get_by_role("link", name="Go back").click()
    expect(page).to_have_url(meeting_page)
    assert errors == []


def test_a_mistyped_meeting_link_is_the_site_404_with_ways_on(
    login_as, live_server, demo, js_modules
):
    page = login_as(demo["convener"])
    errors = watch_console(page, answered_statuses=(404,))

    response = page.goto(f"{live_server.url}/meetings/987654/")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main code")).to_have_text("/meetings/987654/")
    expect(page.locator("header.site-header nav")).to_be_visible()
    assert axe_violations(page, js_modules) == []
    page.get_by_role("link", name="The current roadmap").click()
    expect(page).to_have_url(f"{live_server.url}/roadmap/")
    assert errors == []


@pytest.mark.urls("tests.browser.test_error_journeys")
def test_a_crash_is_the_site_500_page_without_internals(login_as, live_server, demo, js_modules):
    page = login_as(demo["convener"])
    errors = watch_console(page, answered_statuses=(500,))

    response = page.goto(f"{live_server.url}/boom/")

    assert response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    expect(page.get_by_role("alert")).to_contain_text("nothing you typed was saved")
    expect(page.locator("body")).not_to_contain_text("the database went away")
    expect(page.locator("header.site-header")).to_be_visible()
    assert axe_violations(page, js_modules) == []
    page.get_by_role("link", name="go to the start page").click()
    expect(page).to_have_url(f"{live_server.url}/")
    assert errors == []
