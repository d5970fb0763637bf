"""At 390 px (a phone held upright) no page scrolls sideways, for any persona; the builder's
titles are not wrapped a word per line; the sticky time budget stays compact (issue 14)."""

import datetime

import pytest
from playwright.sync_api import expect

from adcmeet.meetings import actions
from tests import factories
from tests.browser.checks import watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MAY_14 = datetime.date(2031, 5, 14)
LONG_TITLE = "PanDA monitoring archive in NoSQL with the long-term retention of job records"


@pytest.fixture
def world(db, developer, manager, convener):
    series = factories.make_series()
    factories.make_roadmap(2031)
    factories.make_deliverable(LONG_TITLE, period="April", owners=(developer,))
    factories.make_deliverable("new looping job killer in pilot", period="May", owners=(manager,))
    pilot = factories.make_task_force("Pilot")
    factories.make_outline_item(pilot, "can/should we leverage GlideinWMS?", kind="question")
    checkpoint = factories.make_checkpoint()
    meeting = factories.make_meeting(series, on=MAY_14)
    factories.make_item(meeting, "Pilot: GlideinWMS", section="focus", duration_minutes=20)
    long_item = factories.make_item(meeting, LONG_TITLE, section="hot", presenter=developer)
    actions.record_outcome(
        meeting=meeting, by=convener, kind="decision", text=LONG_TITLE, agenda_item=long_item
    )
    actions.set_attendance(meeting=meeting, by=convener, name=LONG_TITLE, affiliation="BNL")
    factories.make_item(meeting, "Open floor", section="open_floor")
    factories.make_action(meeting, "Send the slides to the list", owner=developer)
    return {"meeting": meeting, "pilot": pilot, "checkpoint": checkpoint}


def pages(world) -> list[str]:
    meeting = world["meeting"].pk
    return [
        "/",
        "/meetings/",
        f"/meetings/{meeting}/",
        f"/meetings/{meeting}/edit/",
        f"/meetings/{meeting}/minutes/",
        "/roadmap/",
        "/taskforces/",
        f"/taskforces/{world['pilot'].slug}/",
        "/checkpoints/",
        f"/checkpoints/{world['checkpoint'].slug}/",
        "/focus-topics/",
        "/decisions/",
        "/me/",
    ]


def overflow(page) -> dict:
    """How wide the document is, and the widest element sticking out (to say what to fix)."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.scrollWidth;
            let culprit = '';
            for (const el of document.body.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                if (box.right > window.innerWidth + 1 && box.width > 0) {
                    const classes = typeof el.className === 'string' ? el.className : '';
                    culprit = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                        (classes ? '.' + classes.split(' ').join('.') : '');
                    break;
                }
            }
            return {width, culprit};
        }"""
    )


@pytest.mark.parametrize("persona", ["convener", "developer", "manager", "outsider"])
def test_no_page_scrolls_sideways_at_390_px(login_as, live_server, world, persona, request):
    page = login_as(request.getfixturevalue(persona))
    page.set_viewport_size(PHONE)
    errors = watch_console(page, answered_statuses=(403,))
    wide = {}
    for path in pages(world):
        page.goto(live_server.url + path)
        measured = overflow(page)
        if measured["width"] > PHONE["width"]:
            wide[path] = measured
    assert wide == {}
    assert errors == []


def test_the_builder_on_a_phone_keeps_titles_readable_and_the_budget_compact(
    login_as, live_server, world, convener
):
    page = login_as(convener)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/meetings/{world['meeting'].pk}/edit/")

    title = page.locator("#section-hot .item-title", has_text="PanDA monitoring")
    expect(title).to_be_visible()
    # Not one word per line: the title's box is wider than its longest word.
    width = title.evaluate("el => el.getBoundingClientRect().width")
    assert width > 200
    budget = page.locator("#budget").bounding_box()
    assert budget["height"] < PHONE["height"] / 8
    expect(page.locator("#budget")).to_contain_text("Left to the 60-min objective")
