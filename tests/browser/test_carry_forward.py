"""In Chromium, the demo convener opens the next meeting's builder after a meeting that ran out
of time: the item it did not reach and the open action are proposed as carried from that
meeting, ticked within the budget; the convener adds them and they are on the agenda, within
the objective (issue 16). With JavaScript (htmx) and without."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings.models import Meeting
from adcmeet.meetings.seed import ensure_demo_users
from tests import factories
from tests.browser.checks import axe_violations, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def week(tmp_path):
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    convener = User.objects.get(username="convener")
    developer = User.objects.get(username="developer")
    series = factories.make_series()
    series.conveners.add(convener)
    today = timezone.localdate()
    held = factories.make_meeting(
        series, on=today - datetime.timedelta(days=7), state=Meeting.State.HELD, revision=1
    )
    factories.make_item(held, "Rucio news", presenter=developer, duration_minutes=20)
    factories.make_item(
        held, "CVMFS on ARM", presenter=developer, duration_minutes=12, not_reached=True
    )
    factories.make_action(
        held, "Send the Rucio slides", owner=developer, due=today + datetime.timedelta(days=3)
    )
    nxt = factories.make_meeting(series, on=today + datetime.timedelta(days=7))
    factories.make_item(nxt, "Focus: DDM", section="focus", duration_minutes=30)
    day = held.local_start
    return {"convener": convener, "held": held, "next": nxt, "day": f"{day.day} {day:%b}"}


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_the_convener_adds_what_the_last_meeting_left_open(
    browser, live_server, client, week, javascript
):
    client.force_login(week["convener"])
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
    nxt = week["next"]

    page.goto(f"{live_server.url}/meetings/{nxt.pk}/edit/")

    carried = page.locator("#carried")
    expect(carried.get_by_text(f"carried from {week['day']}")).to_be_visible()
    action = carried.locator(".proposal").first
    expect(action).to_contain_text(f"action from {week['day']}, owner Demo Developer")
    expect(action).to_contain_text("overdue")
    # 30 min planned, 30 left to the objective: the 3-min action and the 12-min item fit.
    expect(carried.get_by_label("CVMFS on ARM")).to_be_checked()
    expect(carried.get_by_label("Action: Send the Rucio slides")).to_be_checked()
    expect(page.locator(".budget-total")).to_have_text("30 min")

    carried.get_by_role("button", name="Add the ticked carried items").click()

    hot = page.locator("#section-hot li.agenda-item .item-title")
    # In the proposals' order: the action, due before this meeting, first.
    expect(hot).to_have_text(["Action: Send the Rucio slides", "CVMFS on ARM"])
    expect(page.locator(".budget-total")).to_have_text("45 min")
    expect(page.locator(".budget-to-target")).to_contain_text("15")
    # Both taken up: nothing is left to carry.
    expect(page.locator("#carried input[name=carry]")).to_have_count(0)
    assert errors == []
    context.close()


def test_choosing_a_presenter_shows_how_long_their_items_ran(browser, live_server, login_as, week):
    """The held meeting recorded Demo Developer's "Rucio news", planned 20 min, at 26 min."""
    type(week["held"].items.first()).objects.filter(title="Rucio news").update(
        actual_seconds=26 * 60
    )
    page = login_as(week["convener"])
    errors = watch_console(page)

    page.goto(f"{live_server.url}/meetings/{week['next'].pk}/edit/")
    area = page.locator("#section-hot")
    area.locator("details.add-item summary").click()
    area.get_by_label("Presenter", exact=True).select_option(label="Demo Developer")

    hint = area.locator(".duration-hint")
    expect(hint).to_have_text("Before: ran 26 min on average over the last meeting (planned 20).")
    duration = area.get_by_label("Minutes", exact=True)
    assert "-history" in (duration.get_attribute("aria-describedby") or "")
    assert errors == []


def test_the_carried_proposals_and_the_actuals_fit_a_phone_and_pass_axe(
    live_server, login_as, week, node, js_modules
):
    """390 px wide: the builder with its carried proposals and the held meeting's planned and
    actual table scroll no page sideways, and axe-core finds nothing serious in either."""
    held = week["held"]
    type(held.items.first()).objects.filter(meeting=held, title="Rucio news").update(
        actual_seconds=26 * 60
    )
    page = login_as(week["convener"])
    page.set_viewport_size({"width": 390, "height": 844})

    for path in (f"/meetings/{week['next'].pk}/edit/", f"/meetings/{held.pk}/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, path
        tags = ("wcag2a", "wcag2aa", "best-practice")
        assert axe_violations(page, js_modules, tags=tags, serious_only=True) == [], path
    expect(page.locator("#actual-total")).to_contain_text("26 min")
