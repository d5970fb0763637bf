"""The site's own error pages, as a visitor meets them with DEBUG off (the test default)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import path

from adcmeet import errors
from adcmeet import urls as site_urls
from tests import factories


def _boom(request):
    raise RuntimeError("the database went away")


# The site's URLs plus one view that fails, with the site's handlers.
urlpatterns = [*site_urls.urlpatterns, path("boom/", _boom)]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
DEFAULT_403_TEXT = errors.DEFAULT_403


def test_a_manager_opening_a_builder_link_is_told_why_and_given_a_way_back(client, manager):
    meeting = factories.make_meeting()
    client.force_login(manager)
    page = client.get(f"/meetings/{meeting.pk}/edit/", HTTP_REFERER="http://testserver/meetings/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "Only conveners of this series can edit its agenda." in html
    assert 'href="http://testserver/meetings/"' in html
    assert 'class="site-header"' in html  # in the site's layout, with its navigation
    assert "Carol Manager" in html


def test_a_developer_refused_a_roadmap_tool_reads_who_may_use_it(client, developer):
    roadmap = factories.make_roadmap()
    client.force_login(developer)
    page = client.get(f"/roadmaps/{roadmap.pk}/import/")
    assert page.status_code == 403
    assert "Only managers run a roadmap" in page.content.decode()
    assert 'href="/"' in page.content.decode()  # no referer: back to the start page


def test_a_developer_minuting_someone_elses_item_reads_who_may(client, developer, manager):
    meeting = factories.make_meeting()
    item = factories.make_item(meeting, "PanDA news", presenter=manager)
    factories.make_item(meeting, "Rucio news", presenter=developer)
    client.force_login(developer)
    page = client.post(
        f"/meetings/{meeting.pk}/items/{item.pk}/minutes/",
        {"version": item.minutes_version, f"minutes-{item.pk}-text": "Looks fine."},
    )
    assert page.status_code == 403
    html = page.content.decode()
    assert (
        "Only conveners of this series and the item&#x27;s presenter can write these minutes."
        in html
    )
    assert 'class="site-header"' in html
    item.refresh_from_db()
    assert not item.minutes


def test_a_developer_opening_the_audit_trail_reads_who_may(client, developer):
    client.force_login(developer)
    page = client.get("/audit/")
    assert page.status_code == 403
    assert "Only managers and staff can read the audit trail." in page.content.decode()
    assert DEFAULT_403_TEXT not in page.content.decode()


def test_a_missing_page_is_the_site_404_with_links_onwards(client, db):
    page = client.get("/meetings/987654/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "Page not found" in html
    assert "/meetings/987654/" in html
    assert 'href="/roadmap/"' in html


def test_a_bad_host_gets_the_site_400(client, db):
    page = client.get("/", HTTP_HOST="evil.example.com")
    assert page.status_code == 400
    assert "That request was not understood" in page.content.decode()


@pytest.mark.urls("tests.test_error_pages")
def test_a_crash_shows_the_site_500_page(db):
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    assert page.status_code == 500
    html = page.content.decode()
    assert "Something went wrong" in html
    assert "the database went away" not in html  # no internals shown


def test_the_500_page_renders_without_the_database(django_db_blocker):
    request = RequestFactory().get("/anything/")
    with django_db_blocker.block():
        page = errors.server_error(request)
    assert page.status_code == 500
    assert b'href="/"' in page.content
