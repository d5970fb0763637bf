"""/me/: who I am, my calendar feed (and making a new one), my actions and presentations."""

import datetime

import pytest
from django.utils import timezone

from tests import factories


@pytest.fixture
def today():
    return timezone.localdate()


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_page_shows_who_i_am_and_my_feed(client, developer):
    developer.affiliation = "BNL"
    developer.save()
    client.force_login(developer)

    page = client.get("/me/").content.decode()

    assert "<h1>Bob Developer</h1>" in page
    assert "BNL" in page
    url = f"http://127.0.0.1:8000/calendar/me/{developer.calendar_token}.ics"
    assert f'value="{url}"' in page
    assert f'href="webcal://127.0.0.1:8000/calendar/me/{developer.calendar_token}.ics"' in page
    assert '<label for="personal-feed-url">' in page
    assert 'data-copy="personal-feed-url"' in page
    assert 'href="/deliverables/mine/"' in page
    assert "/static/js/calendar.js" in page


def test_the_page_lists_my_open_action_items_and_upcoming_presentations(
    client, developer, manager, today
):
    series = factories.make_series()
    last_week = factories.make_meeting(
        series, on=today - datetime.timedelta(days=7), state="held", revision=1
    )
    next_week = factories.make_meeting(series, on=today + datetime.timedelta(days=7))
    cancelled = factories.make_meeting(
        series, on=today + datetime.timedelta(days=14), state="cancelled", revision=2
    )
    factories.make_action(last_week, "Send the pilot slides", owner=developer)
    factories.make_action(
        last_week, "Already sent", owner=developer, done=True, done_at=timezone.now()
    )
    factories.make_action(last_week, "Carol's action", owner=manager)
    factories.make_item(next_week, "Pilot 3 status", presenter=developer)
    factories.make_item(next_week, "Carol's talk", presenter=manager)
    factories.make_item(cancelled, "Talk that will not happen", presenter=developer)
    factories.make_item(last_week, "Last week's talk", presenter=developer)
    client.force_login(developer)

    page = client.get("/me/").content.decode()

    assert "Send the pilot slides" in page
    assert f'href="/meetings/{last_week.pk}/"' in page
    assert "Already sent" not in page
    assert "Carol&#x27;s action" not in page
    assert "Pilot 3 status" in page
    assert f'href="/meetings/{next_week.pk}/"' in page
    assert "Carol&#x27;s talk" not in page
    assert "Talk that will not happen" not in page
    assert "Last week&#x27;s talk" not in page


def test_the_page_costs_the_same_queries_with_many_actions_and_talks(
    client, developer, today, django_assert_max_num_queries
):
    client.force_login(developer)
    series = factories.make_series()

    def add(first, count):
        for n in range(first, first + count):
            meeting = factories.make_meeting(series, on=today + datetime.timedelta(weeks=n))
            factories.make_action(meeting, f"Action {n}", owner=developer)
            factories.make_item(meeting, f"Talk {n}", presenter=developer)

    add(1, 2)
    client.get("/me/")  # warm the session and group caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/me/")
    add(3, 40)
    with django_assert_max_num_queries(len(few)):
        page = client.get("/me/").content.decode()
    assert "Talk 42" in page
    assert "Action 42" in page


# --- making a new calendar URL ------------------------------------------------------------------


def test_rotating_needs_a_login(client, developer):
    token = developer.calendar_token
    response = client.post("/me/calendar-token/", {"confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    developer.refresh_from_db()
    assert developer.calendar_token == token


@pytest.mark.parametrize("persona", ["convener", "developer", "manager", "outsider"])
def test_everyone_can_rotate_their_own_token_and_only_their_own(client, persona, request, db):
    user = request.getfixturevalue(persona)
    bystander = factories.make_user("erin", name="Erin Bystander")
    old, theirs = user.calendar_token, bystander.calendar_token
    client.force_login(user)

    response = client.post("/me/calendar-token/", {"confirm": "yes"}, follow=True)

    user.refresh_from_db()
    bystander.refresh_from_db()
    assert user.calendar_token != old
    assert bystander.calendar_token == theirs
    page = response.content.decode()
    assert "Your calendar URL has changed" in page
    assert f"/calendar/me/{user.calendar_token}.ics" in page
    assert old not in page


def test_rotating_without_confirming_explains_and_changes_nothing(client, developer):
    old = developer.calendar_token
    client.force_login(developer)

    response = client.post("/me/calendar-token/", {})

    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    developer.refresh_from_db()
    assert developer.calendar_token == old
    assert client.get(f"/calendar/me/{old}.ics").status_code == 200


def test_rotating_is_a_post(client, developer):
    client.force_login(developer)
    assert client.get("/me/calendar-token/").status_code == 405


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_copy_button_puts_the_feed_url_on_the_clipboard(login_as, live_server, developer):
    page = login_as(developer)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/me/")

    page.get_by_role("button", name="Copy").click()

    # The clipboard write is asynchronous: wait for the announcement rather than race it.
    page.get_by_role("status").filter(has_text="Copied.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"http://127.0.0.1:8000/calendar/me/{developer.calendar_token}.ics"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_making_a_new_url_in_the_browser(login_as, live_server, developer):
    old = developer.calendar_token
    page = login_as(developer)
    page.goto(f"{live_server.url}/me/")

    page.get_by_label("I understand that calendars subscribed").check()
    page.get_by_role("button", name="Make a new calendar URL").click()

    page.get_by_text("Your calendar URL has changed").wait_for()
    developer.refresh_from_db()
    assert developer.calendar_token != old
    assert (
        page.get_by_label("Personal feed URL")
        .input_value()
        .endswith(f"/calendar/me/{developer.calendar_token}.ics")
    )
