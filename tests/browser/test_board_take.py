"""In Chromium, the demo developer takes an unowned deliverable from the roadmap page itself:
the page's own list of what they could take (per viewer, above the cached board), one click,
back on the roadmap with the tile showing them as the owner."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings.seed import ensure_demo_users
from deliverables.models import DeliverableChange
from tests.browser.checks import axe_violations, watch_console
from tests.factories import make_deliverable, make_roadmap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TAKE = "I\N{RIGHT SINGLE QUOTATION MARK}ll take it"


def test_a_developer_takes_an_unowned_deliverable_without_leaving_the_roadmap(
    login_as, live_server, tmp_path, js_modules
):
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    developer = User.objects.get(username="developer")
    roadmap = make_roadmap(timezone.localdate().year)
    item = make_deliverable("Dashboard based task monitor", roadmap=roadmap, period="Fall")
    make_deliverable("Harvester for HPC", roadmap=roadmap, period="Fall")

    page = login_as(developer)
    errors = watch_console(page)
    page.goto(f"{live_server.url}/roadmap/")
    expect(page.locator(f"#tile-{item.pk}")).to_contain_text("No owner: take or assign")
    page.get_by_text("Unowned deliverables you could take (2)").click()
    offer = page.locator(f"#takeable-{item.pk}")
    offer.get_by_role("button", name=TAKE).click()

    expect(page).to_have_url(f"{live_server.url}/roadmap/")
    expect(page.get_by_role("status")).to_contain_text(
        "You own “Dashboard based task monitor” now."
    )
    expect(page.locator(f"#tile-{item.pk}")).to_contain_text("Demo Developer")
    expect(page.locator(f"#tile-{item.pk}")).not_to_contain_text("No owner")
    expect(page.get_by_text("Unowned deliverables you could take (1)")).to_be_visible()
    expect(page.locator(f"#takeable-{item.pk}")).to_have_count(0)
    assert axe_violations(page, js_modules) == []
    assert list(item.owners.all()) == [developer]
    assert item.changes.filter(kind=DeliverableChange.Kind.OWNERS, by=developer).count() == 1
    assert errors == []


def test_the_take_list_fits_a_phone(login_as, live_server, developer):
    roadmap = make_roadmap(timezone.localdate().year)
    make_deliverable(
        "Dashboard_based_task_monitor_for_the_production_system_with_a_very_long_unbroken_name",
        roadmap=roadmap,
        period="Fall",
    )
    page = login_as(developer)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/roadmap/")
    page.get_by_text("Unowned deliverables you could take (1)").click()
    expect(page.get_by_role("button", name=TAKE)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width} px"
