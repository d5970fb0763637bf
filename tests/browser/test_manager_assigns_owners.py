"""In Chromium, the demo manager finds an unowned deliverable on the roadmap, assigns the demo
developer and the demo convener on its card, and sees the change in its history; the developer
then finds it among their deliverables."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings.seed import ensure_demo_users
from deliverables.models import DeliverableChange
from tests.browser.checks import axe_violations, watch_console
from tests.factories import make_deliverable, make_roadmap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(tmp_path):
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    return {name: User.objects.get(username=name) for name in ("convener", "manager", "developer")}


def test_a_manager_assigns_owners_on_the_card_and_the_history_records_it(
    login_as, live_server, demo, js_modules
):
    roadmap = make_roadmap(timezone.localdate().year)
    item = make_deliverable("Dashboard based task monitor", roadmap=roadmap, period="Fall")

    page = login_as(demo["manager"])
    errors = watch_console(page)
    page.goto(f"{live_server.url}/roadmap/")
    page.locator(f"#tile-{item.pk}").get_by_role("link", name="No owner: take or assign").click()

    card = page.locator(f"#deliverable-{item.pk}")
    expect(card.get_by_text("No owner yet.")).to_be_visible()
    card.locator("summary", has_text="Change owners").click()
    owners = card.get_by_role("group", name="Owners of “Dashboard based task monitor”")
    owners.get_by_label("Demo Developer").check()
    owners.get_by_label("Demo Convener").check()
    page.evaluate("window.stillTheSamePage = true")
    card.get_by_role("button", name="Save owners").click()

    expect(card.get_by_role("status")).to_have_text(
        "“Dashboard based task monitor” is now owned by Demo Convener, Demo Developer."
    )
    expect(card.locator(".owners")).to_have_text("Owners: Demo Convener, Demo Developer")
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place by htmx

    page.reload()
    latest = page.locator("table.history tbody tr").last
    expect(latest).to_contain_text("Demo Manager")
    expect(latest).to_contain_text("Owners: nobody →")
    expect(latest).to_contain_text("Demo Developer")
    assert axe_violations(page, js_modules) == []
    change = item.changes.get(kind=DeliverableChange.Kind.OWNERS)
    assert change.by == demo["manager"]
    assert set(item.owners.all()) == {demo["developer"], demo["convener"]}
    assert errors == []

    # The developer meets it where they work.
    mine = login_as(demo["developer"])
    mine.goto(f"{live_server.url}/deliverables/mine/")
    expect(mine.get_by_role("heading", name="Dashboard based task monitor")).to_be_visible()
