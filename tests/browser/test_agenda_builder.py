"""In Chromium: a convener builds a whole Wednesday agenda, a second convener's stale edit is
refused, and the builder and the meeting page pass axe-core.

SAVE_SCREENSHOTS=1 writes docs/screenshots/agenda-builder.png and agenda-meeting.png.
"""

import datetime
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from adcmeet.accounts.models import CONVENER
from adcmeet.meetings.models import Meeting
from tests import factories
from tests.browser.checks import axe_violations, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAY_14 = datetime.date(2031, 5, 14)
AXE_TAGS = ("wcag2a", "wcag2aa", "best-practice")


def screenshot(page, name: str) -> None:
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # caret="initial": hiding the caret would inject a style the CSP (rightly) blocks.
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True, caret="initial")


def agenda_titles(page, section: str) -> list[str]:
    return page.locator(f"#section-{section} li.agenda-item .item-title").all_inner_texts()


def open_add_form(page, section: str):
    area = page.locator(f"#section-{section}")
    details = area.locator("details.add-item")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return area


def add_item(page, section: str, title: str, minutes: int) -> None:
    area = open_add_form(page, section)
    area.get_by_label("Title", exact=True).fill(title)
    area.get_by_label("Minutes", exact=True).fill(str(minutes))
    area.get_by_role("button", name="Add to").click()
    expect(page.locator("#agenda-notice")).to_contain_text(f"Added “{title}”")


def drag(page, source, target) -> None:
    """Drag `source` by its handle onto the top edge of `target`, as a mouse user would.

    Both are first brought into view below the sticky time budget (a drop onto the budget
    would be no drop at all).
    """
    page.evaluate(
        """([source, target]) => {
            const a = source.getBoundingClientRect(), b = target.getBoundingClientRect();
            const budget = document.getElementById('budget').getBoundingClientRect().height;
            const middle = (Math.min(a.top, b.top) + Math.max(a.bottom, b.bottom)) / 2;
            window.scrollBy(0, middle - (window.innerHeight + budget) / 2);
        }""",
        [source.element_handle(), target.element_handle()],
    )
    start = source.locator(".drag-handle").bounding_box()
    end = target.bounding_box()
    budget = page.locator("#budget").bounding_box()
    viewport = page.viewport_size
    for box in (start, end):
        assert budget["y"] + budget["height"] < box["y"]
        assert box["y"] + box["height"] < viewport["height"]
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + 40, end["y"] + 8, steps=10)
    page.mouse.move(end["x"] + 42, end["y"] + 6, steps=2)
    page.mouse.up()


@pytest.fixture
def world(db, developer, manager):
    series = factories.make_series()
    factories.make_roadmap(2031)
    factories.make_deliverable(
        "new looping job killer in pilot",
        period="April",
        owners=(developer,),
        status="in_progress",
    )
    factories.make_deliverable("PanDA monitoring archive in NoSQL", period="May", owners=(manager,))
    pilot = factories.make_task_force("Pilot")
    factories.make_outline_item(pilot, "can/should we leverage GlideinWMS?", kind="question")
    meeting = factories.make_meeting(series, on=MAY_14)
    return {"meeting": meeting, "pilot": pilot}


def test_a_convener_builds_publishes_and_a_stale_edit_is_refused(
    login_as, live_server, world, convener, js_modules
):
    meeting = world["meeting"]
    builder_url = f"{live_server.url}/meetings/{meeting.pk}/edit/"
    page = login_as(convener)
    errors = watch_console(page, answered_statuses=(409, 422))
    page.goto(builder_url)
    expect(page.locator("#budget")).to_contain_text("0 min planned")

    # The focus topic, from the task force's open question, presented by an external invitee.
    focus = open_add_form(page, "focus")
    focus.get_by_label("Pick a focus topic").select_option(
        label="Pilot: can/should we leverage GlideinWMS?"
    )
    focus.get_by_label("Minutes", exact=True).fill("25")
    focus.get_by_label("External invitee: name").fill("Igor Sfiligoi")
    focus.get_by_label("Invitee email").fill("igor@example.edu")
    focus.get_by_label("Invitee affiliation").fill("UCSD")
    focus.get_by_role("button", name="Add to focus topic").click()
    first = page.locator("#section-focus li.agenda-item")
    expect(first).to_contain_text("Pilot: can/should we leverage GlideinWMS?")
    expect(first).to_contain_text("Igor Sfiligoi (UCSD)")
    expect(first).to_contain_text("external invitee")
    expect(first.locator(".item-time")).to_contain_text("17:00\N{EN DASH}17:25")

    # Hot topics.
    add_item(page, "hot", "PanDA server release", 15)
    add_item(page, "hot", "Rucio status", 10)
    expect(page.locator(".budget-total")).to_have_text("50 min")
    rucio = page.locator("#section-hot li.agenda-item", has_text="Rucio status")
    expect(rucio.locator(".item-time")).to_contain_text("17:40\N{EN DASH}17:50")

    # The proposed tracking items: the slipped one and the one due in May, both kept.
    proposals = page.locator("form.proposals")
    expect(proposals).to_contain_text("slipped: April has ended")
    expect(proposals).to_contain_text("Bob Developer")
    expect(proposals).to_contain_text("due in May")
    proposals.get_by_role("button", name="Add the ticked deliverables to tracking").click()
    expect(page.locator("#agenda-notice")).to_contain_text("Added 2 deliverable(s)")
    assert agenda_titles(page, "tracking") == [
        "new looping job killer in pilot",
        "PanDA monitoring archive in NoSQL",
    ]

    # Reorder by keyboard: "Move down" on PanDA, pressed with Enter, keeps the focus there.
    panda_pk = meeting.items.get(title="PanDA server release").pk
    page.locator(f"#down-{panda_pk}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#section-hot li.agenda-item").first).to_contain_text("Rucio status")
    expect(page.locator(f"#down-{panda_pk}")).to_be_focused()
    # Once more: the last hot topic steps down into deliverable tracking.
    page.keyboard.press("Enter")
    expect(page.locator("#section-tracking li.agenda-item").first).to_contain_text(
        "PanDA server release"
    )
    assert agenda_titles(page, "hot") == ["Rucio status"]

    # Reorder by drag and drop: the last tracking item to the top of the hot topics.
    drag(
        page,
        page.locator("#section-tracking li.agenda-item", has_text="PanDA monitoring"),
        page.locator("#section-hot li.agenda-item", has_text="Rucio status"),
    )
    expect(page.locator("#section-hot li.agenda-item").first).to_contain_text(
        "PanDA monitoring archive in NoSQL"
    )
    assert agenda_titles(page, "hot") == ["PanDA monitoring archive in NoSQL", "Rucio status"]
    assert agenda_titles(page, "tracking") == [
        "PanDA server release",
        "new looping job killer in pilot",
    ]

    # Over the limit: publishing is refused with a clear message.
    add_item(page, "hot", "Federated xrootd deep dive", 60)
    expect(page.locator("#budget")).to_contain_text("Over the limit.")
    expect(page.locator(".budget-total")).to_have_text("120 min")
    page.get_by_role("button", name="Publish the agenda").click()
    notice = page.locator("#agenda-notice")
    expect(notice).to_contain_text(
        "Publishing refused. The agenda runs 120 min, 30 min over the 90-min limit"
    )
    expect(notice).to_be_focused()
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.DRAFT

    # Fix it in place (inline edit) and publish: over the objective is only a warning.
    xrootd = page.locator("#section-hot li.agenda-item", has_text="Federated xrootd")
    xrootd.get_by_role("link", name="Edit “Federated xrootd deep dive”").click()
    editor = page.locator("#section-hot li.editing")
    editor.get_by_label("Minutes", exact=True).fill("20")
    editor.get_by_role("button", name="Save item").click()
    expect(page.locator(".budget-total")).to_have_text("80 min")
    expect(page.locator("#budget")).to_contain_text("Over the objective.")
    screenshot(page, "agenda-builder.png")
    page.get_by_role("button", name="Publish the agenda").click()
    expect(page.locator("#agenda-notice")).to_contain_text("Published the agenda (revision 1)")
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED
    assert meeting.revision == 1

    # A second convener opens the builder; the first then changes the agenda.
    erin = factories.make_user("erin", roles=(CONVENER,), name="Erin Convener")
    other = login_as(erin)
    other_errors = watch_console(other, answered_statuses=(409, 422))
    other.goto(builder_url)
    expect(other.locator("#section-hot")).to_contain_text("Rucio status")
    rucio_pk = meeting.items.get(title="Rucio status").pk
    page.locator(f"#up-{rucio_pk}").click()
    expect(page.locator("#agenda-notice")).to_contain_text("Moved “Rucio status”")
    # ... so the second convener's removal, based on the older agenda, is refused.
    other.get_by_role("button", name="Remove “PanDA monitoring archive in NoSQL”").click()
    refusal = other.locator("#agenda-notice")
    expect(refusal).to_contain_text("Someone else changed this meeting")
    assert agenda_titles(other, "hot")[0] == "Rucio status"  # the fresh agenda
    assert meeting.items.live().filter(title="PanDA monitoring archive in NoSQL").exists()
    # On the fresh agenda the same click works.
    other.get_by_role("button", name="Remove “PanDA monitoring archive in NoSQL”").click()
    expect(other.locator("#agenda-notice")).to_contain_text("Removed “PanDA monitoring")
    expect(other.get_by_role("button", name="Undo: restore “PanDA monitoring")).to_be_visible()

    # Accessibility: the builder with every form open, then the meeting page.
    page.goto(builder_url)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert axe_violations(page, js_modules, tags=AXE_TAGS, serious_only=True) == []
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    expect(page.locator(".agenda-table")).to_contain_text("Igor Sfiligoi (UCSD)")
    expect(page.locator(".agenda-table")).to_contain_text("17:00\N{EN DASH}17:25")
    assert axe_violations(page, js_modules, tags=AXE_TAGS, serious_only=True) == []
    screenshot(page, "agenda-meeting.png")

    assert errors == []
    assert other_errors == []


def test_a_viewer_in_another_zone_sees_their_own_clock_from_the_browser(
    login_as, live_server, world, outsider
):
    meeting = world["meeting"]
    factories.make_item(meeting, "Rucio status", section="hot", duration_minutes=10)
    page = login_as(outsider, timezone_id="America/Chicago")

    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")

    # 17:00 in Zurich on 14 May 2031 (CEST) is 10:00 in Chicago (CDT).
    expect(page.locator(".meeting-when .browser-time")).to_contain_text("10:00")
    expect(page.locator(".meeting-when .browser-time")).to_contain_text("America/Chicago")


def test_a_convener_budgets_tracking_removes_in_bulk_and_keeps_focus_by_keyboard(
    login_as, live_server, world, convener, developer, js_modules
):
    """Issue 14: the proposals ticked within the time left, the sum kept live; focus on the
    new item after an add; several items removed at once and brought back by one undo."""
    meeting = world["meeting"]
    factories.make_item(meeting, "Rucio deep dive", section="hot", duration_minutes=50)
    for n in range(4):
        factories.make_deliverable(f"slipped step {n}", period="April", owners=(developer,))
    page = login_as(convener)
    errors = watch_console(page, answered_statuses=(409, 422))
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/edit/")

    # 10 min left to the 60-min objective at 5 min each: two of the six proposals ticked.
    proposals = page.locator("form.proposals")
    expect(proposals.locator("input[name=deliverables]:checked")).to_have_count(2)
    total = page.locator("#tracking-sum")
    expect(total).to_have_text(
        "Ticked: 2 deliverables, 10 min; 10 min left to the 60-min objective."
    )
    proposals.locator("input[name=deliverables]:not(:checked)").first.check()
    expect(total).to_have_text(
        "Ticked: 3 deliverables, 15 min; 10 min left to the 60-min objective: adding them "
        "runs over it."
    )
    proposals.get_by_label("Minutes each").fill("3")
    expect(total).to_contain_text("3 deliverables, 9 min; 10 min left")

    # An add by keyboard: focus lands on the new item, not 29 Tabs back.
    area = open_add_form(page, "hot")
    area.get_by_label("Title", exact=True).fill("Harvester news")
    area.get_by_label("Minutes", exact=True).fill("5")
    area.get_by_label("Minutes", exact=True).press("Enter")
    new = page.locator("#section-hot li.agenda-item", has_text="Harvester news")
    expect(new).to_be_focused()
    # The single-pointer alternative to dragging is still there (WCAG 2.2 SC 2.5.7).
    expect(new.get_by_role("button", name="Move up “Harvester news”")).to_be_visible()

    # Bulk remove: tick two, remove, one undo brings both back.
    page.get_by_label("Select “Harvester news”").check()
    page.get_by_label("Select “Rucio deep dive”").check()
    page.get_by_role("button", name="Remove the selected items").click()
    expect(page.locator("#agenda-notice")).to_contain_text(
        "Removed “Rucio deep dive”, “Harvester news”."
    )
    assert agenda_titles(page, "hot") == []
    expect(page.locator("#removed-items")).to_contain_text("Removed items (2)")
    page.get_by_role("button", name="Undo: restore the 2 removed items").click()
    expect(page.locator("#agenda-notice")).to_contain_text("Restored")
    expect(page.locator("#section-hot li.agenda-item")).to_have_count(2)

    # Nothing ticked: refused beside the button, announced and focused there.
    page.get_by_role("button", name="Remove the selected items").click()
    refusal = page.locator("#agenda-notice")
    expect(refusal).to_contain_text("tick the items to remove")
    expect(refusal).to_be_focused()
    assert refusal.evaluate("el => el.nextElementSibling.id") == "bulk-remove"

    # The next change succeeds: the refusal beside the bulk remove is gone with it, and the
    # page holds one notice, the new one (not a stale alert in a region the answer kept).
    add_item(page, "hot", "Frontier news", 5)
    expect(page.locator("#agenda-notice")).to_have_count(1)
    expect(page.get_by_text("tick the items to remove")).to_have_count(0)
    # A refusal in the tracking proposals, then a success elsewhere: the same.
    for box in proposals.locator("input[name=deliverables]:checked").all():
        box.uncheck()
    proposals.locator("#accept-tracking").click()
    expect(page.locator("#agenda-notice")).to_contain_text(
        "Nothing was added: choose deliverables to track"
    )
    add_item(page, "hot", "ARC news", 5)
    expect(page.locator("#agenda-notice")).to_have_count(1)
    expect(page.get_by_text("Nothing was added: choose deliverables to track")).to_have_count(0)

    assert axe_violations(page, js_modules, tags=AXE_TAGS, serious_only=True) == []
    assert errors == []
