"""Private data stays private: what /healthz tells anyone, which pages no cache may keep, and
focus-topic dates of series a visitor may not read."""

import datetime
import logging

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from adcmeet.accounts import mailprefs
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_healthz_says_down_without_the_database_error_and_logs_the_detail(caplog):
    # A real fault: the database is at a port where nothing listens.
    connection.close()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1" if connection.vendor == "postgresql" else port
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server that can be away")
    try:
        with caplog.at_level(logging.ERROR):
            response = Client(raise_request_exception=False).get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port

    assert response.status_code == 503
    assert response.json() == {"status": "down"}
    assert "healthz: the database does not answer" in caplog.text
    assert "port 1" in caplog.text or "Connection refused" in caplog.text


def _assert_never_cached(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_the_personal_page_is_never_cached(client, developer):
    client.force_login(developer)
    response = client.get("/me/")
    assert response.status_code == 200
    assert developer.calendar_token in response.content.decode()
    _assert_never_cached(response)


def test_the_unsubscribe_page_is_never_cached(client, developer):
    url = mailprefs.unsubscribe_url(developer, next(iter(mailprefs.PREFERENCES.values())))
    path = url.split("://", 1)[-1].partition("/")[2]
    response = client.get("/" + path)
    assert response.status_code == 200
    _assert_never_cached(response)


def test_anonymous_visitors_see_no_date_of_a_focus_topic_in_a_non_public_series(client, convener):
    private = factories.make_series(name="ADC internal", slug="internal", is_public=False)
    day = timezone.localdate() + datetime.timedelta(days=10)
    meeting = factories.make_meeting(
        private, on=day, state="published", revision=1, published_at=timezone.now()
    )
    task_force = factories.make_task_force("Hiddenfocus")
    factories.make_item(meeting, "Hiddenfocus", section="focus", task_force=task_force)
    task_force.last_focus_on = day
    task_force.save()
    shown = f"{day:%a %d %b}"

    page_date = f"{day.day} {day:%b %Y}"

    anonymous = client.get("/focus-topics/").content.decode()
    anonymous_page = client.get("/taskforces/hiddenfocus/").content.decode()
    client.force_login(convener)
    member = client.get("/focus-topics/").content.decode()
    member_page = client.get("/taskforces/hiddenfocus/").content.decode()

    assert "Hiddenfocus" in anonymous  # the activity is public; its private date is not
    assert shown not in anonymous
    assert page_date not in anonymous_page
    assert shown in member
    assert page_date in member_page
