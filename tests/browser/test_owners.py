"""In Chromium: a developer finds an unowned deliverable on the roadmap and takes it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deliverables.models import DeliverableChange
from tests.browser.checks import axe_violations, watch_console
from tests.factories import make_deliverable, make_roadmap

TAKE = "I\N{RIGHT SINGLE QUOTATION MARK}ll take it"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_developer_takes_an_unowned_deliverable_from_the_roadmap(
    login_as, live_server, developer, js_modules
):
    roadmap = make_roadmap(timezone.localdate().year)
    item = make_deliverable("Dashboard based task monitor", roadmap=roadmap, period="Fall")

    page = login_as(developer)
    errors = watch_console(page)
    page.goto(f"{live_server.url}/roadmap/")
    tile = page.locator(f"#tile-{item.pk}")
    tile.get_by_role("link", name="No owner: take or assign").click()

    card = page.locator(f"#deliverable-{item.pk}")
    expect(card.get_by_text("No owner yet.")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    card.get_by_role("button", name=TAKE).click()
    expect(card.get_by_role("status")).to_have_text("You own “Dashboard based task monitor” now.")
    expect(card.locator(".owners")).to_have_text("Owners: Bob Developer")
    expect(card.get_by_role("button", name=TAKE)).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place by htmx

    page.reload()
    expect(page.locator(".history")).to_contain_text("Bob Developer")
    assert list(item.owners.all()) == [developer]
    assert item.changes.filter(kind=DeliverableChange.Kind.OWNERS, by=developer).count() == 1

    page.goto(f"{live_server.url}/deliverables/mine/")
    expect(page.get_by_role("heading", name="Dashboard based task monitor")).to_be_visible()
    assert axe_violations(page, js_modules) == []
    assert errors == []
