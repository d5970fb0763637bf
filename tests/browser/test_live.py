"""In Chromium: the demo convener runs a whole meeting in live mode with the keyboard, while
the demo developer (a plain reader) watches the meeting page follow it within seconds; what
each item ran, and what was not reached, is stored (issue 16). End asks first; an End
pressed too early is reopened and the meeting ended again, all from the keyboard."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.accounts.models import User
from adcmeet.meetings.actions import live
from adcmeet.meetings.models import LiveSession, Meeting
from adcmeet.meetings.seed import ensure_demo_users
from tests import factories
from tests.browser.checks import axe_violations, watch_console
from tests.browser.test_mobile import PHONE, overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The watchers poll every 3 s; a change shows on the next poll or the one after.
WITHIN_A_FEW_SECONDS = 8_000


@pytest.fixture
def demo(tmp_path):
    ensure_demo_users(password_file=tmp_path / "demo-password.txt")
    convener = User.objects.get(username="convener")
    reader = User.objects.get(username="developer")
    series = factories.make_series(is_public=True)
    series.conveners.add(convener)
    meeting = factories.make_meeting(
        series,
        state="published",
        revision=1,
        on=timezone.localdate(),
        start=timezone.now() - datetime.timedelta(minutes=1),
    )
    factories.make_item(meeting, "Pilot and GlideinWMS", section="focus", duration_minutes=20)
    factories.make_item(meeting, "Rucio status", section="hot", duration_minutes=10)
    factories.make_item(meeting, "PanDA server release", section="hot", duration_minutes=10)
    factories.make_item(meeting, "AOB", section="open_floor", duration_minutes=5)
    return {"convener": convener, "reader": reader, "meeting": meeting}


def test_the_convener_runs_the_meeting_with_the_keyboard_and_a_reader_watches_it(
    login_as, live_server, demo, js_modules
):
    meeting = demo["meeting"]
    page = login_as(demo["convener"])
    errors = watch_console(page)
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/live/")
    page.get_by_role("button", name="Start the meeting").focus()
    page.keyboard.press("Enter")
    announce = page.locator("#live-clock .live-announce")
    expect(announce).to_have_text("Now: Pilot and GlideinWMS, item 1 of 4.")

    watcher = login_as(demo["reader"])
    watcher_errors = watch_console(watcher)
    watcher.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    panel = watcher.locator("#live-status")
    expect(panel).to_contain_text("Pilot and GlideinWMS, item 1 of 4")
    expect(watcher.get_by_role("link", name="Open live mode")).to_have_count(0)

    # The countdown ticks in the browser between polls.
    remaining = page.locator('#live-clock [data-clock="item-remaining"]')
    before = remaining.inner_text()
    expect(remaining).not_to_have_text(before, timeout=3_000)

    page.keyboard.press("n")
    expect(announce).to_have_text("Now: Rucio status, item 2 of 4.")
    expect(panel).to_contain_text("Rucio status, item 2 of 4", timeout=WITHIN_A_FEW_SECONDS)

    page.keyboard.press(" ")
    expect(announce).to_have_text("Now: Rucio status, item 2 of 4, paused.")
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    expect(panel).to_contain_text("paused", timeout=WITHIN_A_FEW_SECONDS)
    page.keyboard.press(" ")
    expect(announce).to_have_text("Now: Rucio status, item 2 of 4.")

    page.keyboard.press("p")
    expect(announce).to_have_text("Now: Pilot and GlideinWMS, item 1 of 4.")
    page.wait_for_timeout(1_100)  # the focus topic's second visit runs a little
    page.keyboard.press("ArrowRight")
    expect(announce).to_have_text("Now: Rucio status, item 2 of 4.")
    page.wait_for_timeout(1_100)
    page.keyboard.press("n")
    expect(announce).to_have_text("Now: PanDA server release, item 3 of 4.")
    expect(panel).to_contain_text("PanDA server release", timeout=WITHIN_A_FEW_SECONDS)
    # Typing a note: the keys are text, not steps.
    page.get_by_label("One line, added to the item's minutes").fill("Release 0.5 on Mo")
    page.keyboard.press("n")
    page.keyboard.type("day")
    page.keyboard.press("Enter")
    expect(page.locator("#live [role=status]")).to_contain_text("Noted under")
    expect(announce).to_have_text("Now: PanDA server release, item 3 of 4.")

    # End asks first, in place; the keyboard lands on the answer. Keep running goes back.
    end = page.get_by_role("link", name="End the meeting")
    end.focus()
    page.keyboard.press("Enter")
    question = page.locator("#live .live-confirm")
    expect(question).to_contain_text("End the meeting? 1 item not taken up will be marked")
    expect(page.get_by_role("button", name="End now")).to_be_focused()
    assert axe_violations(page, js_modules, serious_only=True) == []
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Keep running")).to_be_focused()
    page.keyboard.press("Enter")
    expect(question).to_have_count(0)
    expect(end).to_be_focused()
    assert LiveSession.objects.get(meeting=meeting).ended_at is None
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="End now")).to_be_focused()
    page.keyboard.press("Enter")
    expect(announce).to_have_text("The meeting has ended.")
    expect(page.get_by_role("button", name="Close and send the minutes")).to_be_visible()
    expect(panel).to_contain_text("The meeting has ended", timeout=WITHIN_A_FEW_SECONDS)

    # Ended too early: Reopen brings the clock back, paused on the last item; then End again.
    page.get_by_role("button", name="Reopen the meeting").focus()
    page.keyboard.press("Enter")
    expect(announce).to_have_text("Now: PanDA server release, item 3 of 4, paused.")
    assert meeting.items.get(title="AOB").not_reached is False
    # The watchers kept asking after the end (it could be reopened): they follow the Reopen.
    expect(panel).to_contain_text("PanDA server release", timeout=WITHIN_A_FEW_SECONDS)
    expect(panel).to_contain_text("paused")
    page.keyboard.press(" ")
    expect(announce).to_have_text("Now: PanDA server release, item 3 of 4.")
    page.get_by_role("link", name="End the meeting").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="End now")).to_be_focused()
    page.keyboard.press("Enter")
    expect(announce).to_have_text("The meeting has ended.")
    expect(panel).to_contain_text("The meeting has ended", timeout=WITHIN_A_FEW_SECONDS)

    items = {item.title: item for item in meeting.items.all()}
    focus, rucio, panda = (
        items["Pilot and GlideinWMS"],
        items["Rucio status"],
        items["PanDA server release"],
    )
    assert focus.actual_seconds >= 2  # two visits of a second or more each, summed
    assert rucio.actual_seconds >= 1
    assert panda.actual_seconds is not None
    assert [i.not_reached for i in (focus, rucio, panda)] == [False, False, False]
    assert items["AOB"].not_reached is True
    assert items["AOB"].actual_seconds is None
    assert panda.minutes == "- Release 0.5 on Monday"
    assert LiveSession.objects.get(meeting=meeting).ended_at is not None
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD

    assert axe_violations(page, js_modules, serious_only=True) == []
    assert errors == []
    assert watcher_errors == []


def test_live_mode_and_the_watchers_panel_fit_a_phone(login_as, live_server, demo):
    meeting = demo["meeting"]
    live.start_meeting(meeting=meeting, by=demo["convener"])
    for user, path in (
        (demo["convener"], f"/meetings/{meeting.pk}/live/"),
        (demo["convener"], f"/meetings/{meeting.pk}/live/?confirm=end"),
        (demo["reader"], f"/meetings/{meeting.pk}/"),
    ):
        page = login_as(user)
        page.set_viewport_size(PHONE)
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_text("Pilot and GlideinWMS").first).to_be_visible()
        measured = overflow(page)
        assert measured["width"] <= PHONE["width"], (path, measured)
