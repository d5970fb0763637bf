"""A status link in Chromium, logged out as from a mail client: the signed link asks first,
records on confirmation, and the same link followed again says it was already used. The move
link shows its target period and wants a reason."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import MANAGER
from deliverables import status_links
from deliverables.actions import status
from deliverables.models import DeliverableChange
from tests import factories
from tests.browser.checks import axe_violations, watch_console
from tests.conftest import need

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def links(live_server, settings):
    need(connection.vendor == "postgresql", "PostgreSQL")
    settings.SITE_URL = live_server.url
    owner = factories.make_user("bob", name="Bob Developer")
    today = timezone.localdate()
    roadmap = factories.make_roadmap(today.year)
    period = roadmap.periods.filter(start__lte=today).order_by("-order").first()
    rucio = factories.make_deliverable("Rucio 1.0", roadmap=roadmap, period=period.label)
    rucio.owners.set([owner])
    pilot = factories.make_deliverable("Pilot 2", roadmap=roadmap, period=period.label)
    pilot.owners.set([owner])
    request = status.request_status(
        owner=owner, for_date=today + datetime.timedelta(days=1), deliverables=[rucio, pilot]
    )
    tokens = status_links.issue_links(request, expires_at=status_links.default_expiry())
    return {
        "owner": owner,
        "rucio": rucio,
        "pilot": pilot,
        "done": status_links.url_for(tokens[(rucio.pk, "done")]),
        "move": status_links.url_for(tokens[(pilot.pk, "move")]),
    }


def test_a_done_link_confirms_records_and_then_says_it_was_used(browser_context, links, js_modules):
    page = browser_context.new_page()
    errors = watch_console(page, answered_statuses=(410,))
    page.goto(links["done"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark \u2018Rucio 1.0\u2019 done?")
    assert axe_violations(page, js_modules) == []
    links["rucio"].refresh_from_db()
    assert links["rucio"].status == "planned"  # opening the link changed nothing

    page.get_by_label("One line of status (optional)").fill("tagged 1.0.0")
    page.get_by_role("button", name="Yes, mark it done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: recorded")
    expect(page.get_by_role("status")).to_contain_text("tagged 1.0.0")
    links["rucio"].refresh_from_db()
    assert links["rucio"].status == "done"
    report = links["rucio"].changes.get(kind=DeliverableChange.Kind.REPORT)
    assert (report.health, report.by) == ("done", links["owner"])

    page.goto(links["done"])
    expect(page.get_by_role("heading", level=1)).to_have_text("This link was already used")
    expect(page.get_by_role("link", name="\u2018Rucio 1.0\u2019 and its history")).to_be_visible()
    assert links["rucio"].changes.filter(kind=DeliverableChange.Kind.REPORT).count() == 1
    assert errors == []


def test_a_move_link_names_the_next_period_and_needs_a_reason(browser_context, links):
    page = browser_context.new_page()
    errors = watch_console(page)
    page.goto(links["move"])
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Move \u2018Pilot 2\u2019 to ")
    target = heading.inner_text().removeprefix("Move \u2018Pilot 2\u2019 to ").removesuffix("?")
    page.get_by_label("Why does it move?").fill("waiting for the AGIS schema")
    page.get_by_role("button", name=f"Move it to {target}").click()
    expect(page.get_by_role("status")).to_contain_text(f"now sits in {target}")
    move = links["pilot"].changes.get(kind=DeliverableChange.Kind.MOVE)
    assert (move.to_period.label, move.reason, move.by) == (
        target,
        "waiting for the AGIS schema",
        links["owner"],
    )
    assert errors == []


def test_the_pages_fit_a_phone_and_pass_axe(browser_context, login_as, links, js_modules):
    from tests.browser.test_mobile import PHONE, overflow

    owner = links["owner"]
    manager = factories.make_user("carol", roles=(MANAGER,), name="Carol Manager")
    status.report_status(deliverable=links["pilot"], by=owner, health="at_risk", line="x" * 300)
    phone = browser_context.new_page()
    phone.set_viewport_size(PHONE)
    errors = watch_console(phone)
    phone.goto(links["move"])
    assert overflow(phone)["width"] <= PHONE["width"]

    page = login_as(manager)
    page.set_viewport_size(PHONE)
    errors += watch_console(page)
    live = links["done"].split("/status/")[0]
    for path in ("/roadmap/health/", f"/deliverables/{links['pilot'].pk}/", "/deliverables/mine/"):
        page.goto(live + path)
        assert overflow(page)["width"] <= PHONE["width"], path
        assert axe_violations(page, js_modules) == [], path
        if path == "/roadmap/health/":
            expect(page.locator("#health-chart")).to_be_visible()
    assert errors == []
