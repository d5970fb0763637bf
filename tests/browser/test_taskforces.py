"""In Chromium: a member keeps the outline current; a convener schedules the focus topic."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from adcmeet.meetings.models import AgendaItem
from taskforces.models import CheckpointGoal, OutlineItem, TaskForce
from tests.browser.checks import axe_violations, watch_console
from tests.factories import (
    make_checkpoint,
    make_meeting,
    make_outline_item,
    make_series,
    make_task_force,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_wednesday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(2 - today.weekday()) % 7 or 7)


def test_a_member_updates_the_outline_and_a_convener_schedules_it_as_focus_topic(
    login_as, live_server, developer, convener
):
    pilot = make_task_force("PanDA pilot", slug="pilot", scope="Pilot evolution")
    pilot.members.add(developer)
    plans = make_outline_item(pilot, "Near-term plans", kind="note")
    make_outline_item(pilot, "New looping job killer in pilot", parent=plans)
    series = make_series()
    wednesday = next_wednesday()
    meeting = make_meeting(series, on=wednesday)

    # A task force member ticks a plan item done and adds a question, in place.
    page = login_as(developer)
    errors = watch_console(page)
    page.goto(f"{live_server.url}/taskforces/pilot/")
    item = page.locator(".outline-item", has_text="New looping job killer in pilot")
    item.get_by_role("button", name="Mark done “New looping job killer in pilot”").click()
    expect(
        item.get_by_role("button", name="Reopen “New looping job killer in pilot”")
    ).to_be_visible()
    expect(page.locator("#outline .outline-summary")).to_contain_text("0 open plan items")
    # Announced to screen readers through a live region that stays in the page.
    expect(page.locator("#outline-status")).to_have_text(
        "“New looping job killer in pilot” is done."
    )
    expect(page.locator("#outline-status")).to_have_count(1)
    # The swap kept keyboard focus on the control that was used.
    expect(
        item.get_by_role("button", name="Reopen “New looping job killer in pilot”")
    ).to_be_focused()

    page.get_by_label("Kind").select_option(label="Open question")
    page.get_by_label("Text").fill("Can/should we leverage GlideinWMS? If so how?")
    page.get_by_label("Nested under").select_option(label="Near-term plans")
    page.get_by_role("button", name="Add", exact=True).click()
    question = page.locator(".outline-item.kind-question")
    expect(question).to_contain_text("Can/should we leverage GlideinWMS? If so how?")
    expect(page.get_by_label("Text")).to_have_value("")
    assert page.url == f"{live_server.url}/taskforces/pilot/"  # edited in place, no reload
    assert errors == []

    assert OutlineItem.objects.get(text="New looping job killer in pilot").done
    added = OutlineItem.objects.get(kind="question")
    assert added.parent == plans
    assert added.task_force == pilot

    # A convener schedules that task force as next Wednesday's focus topic.
    page = login_as(convener)
    errors = watch_console(page)
    page.goto(f"{live_server.url}/focus-topics/")
    expect(page.get_by_label("Meeting to schedule on")).to_have_value(str(meeting.pk))
    proposal = page.locator(".proposal", has_text="PanDA pilot")
    proposal.get_by_label("Title").select_option(
        label="Can/should we leverage GlideinWMS? If so how?"
    )
    day = f"{wednesday:%a} {wednesday.day} {wednesday:%b}"
    proposal.get_by_role("button", name=f"Schedule on {day} for PanDA pilot").click()

    page.wait_for_url(f"{live_server.url}/meetings/{meeting.pk}/")
    title = "PanDA pilot: Can/should we leverage GlideinWMS? If so how?"
    expect(page.locator("main")).to_contain_text(title)
    expect(page.locator(".messages")).to_contain_text("is the focus topic of")
    assert errors == []

    focus = AgendaItem.objects.get(meeting=meeting, section="focus")
    assert focus.title == title
    assert TaskForce.objects.get(pk=pilot.pk).last_focus_on == wednesday

    page.goto(f"{live_server.url}/taskforces/")
    row = page.locator("tr", has=page.get_by_role("link", name="PanDA pilot"))
    expect(row).to_contain_text(re.compile(r"scheduled"))


def test_task_force_pages_pass_axe_for_an_editor(login_as, live_server, js_modules, convener):
    pilot = make_task_force("PanDA pilot", slug="pilot", scope="Pilot evolution")
    plans = make_outline_item(pilot, "Near-term plans", kind="note")
    make_outline_item(pilot, "New looping job killer in pilot", parent=plans)
    make_outline_item(pilot, "Can/should we leverage GlideinWMS?", kind="question", position=1)
    dubna = make_checkpoint("Dubna workshop", date=timezone.localdate() + datetime.timedelta(30))
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=pilot, goal="Pilot demo")
    make_meeting(make_series(), on=next_wednesday())

    page = login_as(convener)
    for path in (
        "/taskforces/",
        "/taskforces/pilot/",
        "/focus-topics/",
        "/checkpoints/",
        "/checkpoints/dubna-workshop/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page, js_modules) == [], path
    # The in-place edit form too.
    page.goto(f"{live_server.url}/taskforces/pilot/")
    page.get_by_role("link", name="Edit “Near-term plans”").click()
    expect(page.locator(".outline-edit")).to_be_visible()
    expect(page.get_by_label("Text", exact=True).first).to_be_focused()
    assert axe_violations(page, js_modules) == []
