"""In Chromium: a developer ticks off and moves deliverables; a manager reviews the roadmap."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deliverables.models import Deliverable
from tests.browser.checks import axe_violations, watch_console
from tests.factories import make_deliverable, make_project, make_roadmap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_developer_ticks_off_and_moves_then_manager_reviews_the_roadmap(
    login_as, live_server, developer, manager
):
    roadmap = make_roadmap(timezone.localdate().year)
    panda = make_project("PanDA")
    pilot = make_project("Pilot")
    make_deliverable(
        "new looping job killer in pilot",
        roadmap=roadmap,
        period="April",
        owners=(developer,),
        project=pilot,
    )
    make_deliverable(
        "ToA migration to AGIS",
        roadmap=roadmap,
        period="Summer",
        owners=(developer,),
        project=panda,
    )
    make_deliverable(
        "PanDA cloud site accepting jobs", roadmap=roadmap, period="Fall", project=panda
    )

    # The manager agrees the plan: strawman -> draft -> agreed freezes the baseline.
    boss = login_as(manager)
    boss_errors = watch_console(boss)
    boss.goto(f"{live_server.url}/roadmap/")
    boss.get_by_role("button", name="Make it a draft").click()
    expect(boss.get_by_text("is now a draft")).to_be_visible()
    boss.get_by_role("button", name="Agree it (freezes the baseline)").click()
    # Agreeing asks first, on a page that says what it freezes.
    expect(boss.get_by_role("heading", name=re.compile(r"^Agree .*\?$"))).to_be_visible()
    boss.get_by_role("button", name="Yes, agree it and freeze the baseline").click()
    expect(boss.get_by_text("its 3 deliverables are now the baseline")).to_be_visible()
    expect(boss.get_by_role("button", name="Undo the agreement")).to_be_visible()

    # The developer marks one done and moves another, each card updating in place.
    page = login_as(developer)
    errors = watch_console(page)
    page.goto(f"{live_server.url}/deliverables/mine/")
    page.evaluate("window.stillTheSamePage = true")
    killer = page.locator("article.dcard", has_text="new looping job killer in pilot")
    killer.get_by_role("button", name="Mark done").click()
    expect(killer.locator(".state")).to_have_text("Done")
    expect(killer.get_by_role("status")).to_have_text(
        "“new looping job killer in pilot” is now done."
    )

    toa = page.locator("article.dcard", has_text="ToA migration to AGIS")
    toa.get_by_label("Move to").select_option(label="Fall")
    toa.get_by_label("because").fill("waiting for AGIS schema")
    toa.get_by_role("button", name="Move").click()
    expect(toa.get_by_role("status")).to_have_text("“ToA migration to AGIS” moved Summer → Fall.")
    expect(toa.locator(".slip-badge")).to_contain_text("Slipped")
    expect(toa.locator(".period")).to_have_text("Fall")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload: htmx swapped cards
    assert page.url == f"{live_server.url}/deliverables/mine/"

    killer_row = Deliverable.objects.get(title="new looping job killer in pilot")
    assert killer_row.status == "done"
    assert killer_row.done_on == timezone.localdate()
    move = Deliverable.objects.get(title="ToA migration to AGIS").changes.get(kind="move")
    assert (move.reason, move.is_slip) == ("waiting for AGIS schema", True)

    # The manager filters the roadmap (the filter gets its own URL), sees the slip and the chart.
    boss.goto(f"{live_server.url}/roadmap/")
    boss.get_by_label("Project").select_option(label="PanDA")
    expect(boss).to_have_url(re.compile(r"/roadmap/\?.*project=panda"))
    board = boss.locator(".board")
    expect(board.locator(".tile")).to_have_count(2)
    expect(board).not_to_contain_text("new looping job killer")
    fall = boss.locator("section.column[data-period='Fall']")
    expect(
        fall.locator(".tile", has_text="ToA migration to AGIS").locator(".slip-badge")
    ).to_be_visible()
    chart = boss.locator("svg#period-chart")
    expect(chart).to_be_visible()
    expect(chart.locator(".bars rect.seg-slipped")).to_have_count(1)
    expect(boss.locator("svg#burn-up")).to_be_visible()

    # ...and compares with the agreed plan.
    boss.get_by_label("Compare with").select_option(label="The agreed plan")
    expect(boss).to_have_url(re.compile(r"compare=baseline"))
    comparison = boss.locator("section.comparison")
    expect(comparison).to_contain_text("What changed compared with the plan agreed on")
    expect(comparison).to_contain_text("ToA migration to AGIS: Summer → Fall")
    expect(comparison).to_contain_text("Moved (1, 1 to a later period)")

    # Reloading the filtered URL gives the same view without JavaScript's help.
    boss.reload()
    expect(boss.locator(".board .tile")).to_have_count(2)
    expect(boss.locator("section.comparison")).to_be_visible()

    assert errors == []
    assert boss_errors == []


def test_a_developer_pulls_a_deliverable_in_to_an_earlier_period(login_as, live_server, developer):
    roadmap = make_roadmap(timezone.localdate().year + 1)  # every period still ahead
    make_deliverable(
        "Workload sharing in all-core queues", roadmap=roadmap, period="Fall", owners=(developer,)
    )
    page = login_as(developer)
    errors = watch_console(page)
    page.goto(f"{live_server.url}/deliverables/mine/")
    card = page.locator("article.dcard", has_text="Workload sharing in all-core queues")
    move_to = card.get_by_label("Move to")
    # The form never offers an earlier period by default: the next one is chosen.
    expect(move_to).to_have_value(str(roadmap.periods.get(label="Later").pk))
    move_to.select_option(label="Summer")
    card.get_by_label("because").fill("athenaMP fills the queues early")
    card.get_by_role("button", name="Move").click()
    expect(card.get_by_role("status")).to_have_text(
        "“Workload sharing in all-core queues” was pulled in Fall → Summer."
    )
    expect(card.locator(".period")).to_have_text("Summer")
    expect(card.locator(".slip-badge")).to_have_count(0)

    card.get_by_role("link", name="Workload sharing in all-core queues").click()
    row = page.locator("table.history tr", has_text="Pulled in Fall → Summer")
    expect(row).to_contain_text("pull-in")
    expect(row).to_contain_text("athenaMP fills the queues early")
    assert errors == []


def test_roadmap_pages_pass_axe(login_as, live_server, js_modules, developer, manager):
    roadmap = make_roadmap(timezone.localdate().year)
    item = make_deliverable(
        "ToA migration to AGIS",
        roadmap=roadmap,
        period="Summer",
        owners=(developer,),
        project=make_project("PanDA"),
        tentative=True,
    )
    make_deliverable("new looping job killer in pilot", roadmap=roadmap, period="April")
    page = login_as(manager)
    for path in (
        "/roadmap/",
        "/roadmap/?compare=baseline&project=panda",
        f"/roadmap/?since={timezone.localdate():%Y-%m-%d}",
        "/deliverables/mine/",
        f"/deliverables/{item.pk}/",
        f"/roadmaps/{roadmap.pk}/import/",
        f"/roadmaps/{roadmap.pk}/carry-over/",
        f"/roadmaps/{roadmap.pk}/periods/{item.period_id}/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page, js_modules) == [], path
    # A refused move, with its error shown in the card.
    page = login_as(developer)
    page.goto(f"{live_server.url}/deliverables/mine/")
    card = page.locator("article.dcard", has_text="ToA migration to AGIS")
    card.get_by_label("because").evaluate("input => input.removeAttribute('required')")
    card.get_by_role("button", name="Move").click()
    expect(card.get_by_role("alert")).to_contain_text("was not moved")
    expect(card.locator(f"#move-reason-{item.pk}-error")).to_contain_text("Say why it moves")
    assert axe_violations(page, js_modules) == []
