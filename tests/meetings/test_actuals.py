"""Learning from actuals (issue 16): the builder suggests a duration from how long a presenter's
(or a recurring item's) items actually ran, at one query whatever the agenda's length; the
meeting page after the meeting shows planned against actual per section and in total."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings import actuals
from adcmeet.meetings.models import Meeting
from tests import factories

DAYS = [datetime.date(2031, 11, d) for d in (5, 12, 19, 26)]
NEXT = datetime.date(2031, 12, 3)


@pytest.fixture
def history(db, developer):
    """Three held meetings where Bob's item, planned 10 min, ran 11, 12 and 13 min, and the
    recurring open floor, planned 5, ran 9 and 10 (none recorded the first time); then a
    fourth meeting with nothing recorded and the next meeting to plan."""
    series = factories.make_series()
    for day, bob, floor in zip(DAYS, (11, 12, 13, None), (None, 9, 10, None), strict=True):
        meeting = factories.make_meeting(series, on=day, state=Meeting.State.HELD, revision=1)
        factories.make_item(
            meeting,
            "Rucio news",
            presenter=developer,
            duration_minutes=10,
            actual_seconds=bob * 60 if bob else None,
        )
        factories.make_item(
            meeting,
            "Open floor",
            section="open_floor",
            recurring=True,
            duration_minutes=5,
            actual_seconds=floor * 60 if floor else None,
        )
    return factories.make_meeting(series, on=NEXT)


def test_the_average_of_what_ran_and_of_what_was_planned(history, developer):
    known = actuals.history(history)

    bob = known[("presenter", developer.pk)]
    assert str(bob) == "ran 12 min on average over the last 3 meetings (planned 10)"
    floor = known[("title", "open floor")]
    assert str(floor) == "ran 10 min on average over the last 2 meetings (planned 5)"


def test_only_the_latest_meetings_of_a_presenter_count(history, developer, monkeypatch):
    monkeypatch.setattr(actuals, "SUGGESTION_MEETINGS", 2)

    bob = actuals.history(history)[("presenter", developer.pk)]

    # 12 and 13 min, the 11 of the oldest meeting left out.
    assert (bob.actual_minutes, bob.meetings) == (12, 2)


def test_a_later_meeting_does_not_learn_from_meetings_after_it(history, developer):
    first = Meeting.objects.get(scheduled_for=DAYS[0])

    assert actuals.history(first) == {}


def test_the_builder_shows_each_item_its_history(client, convener, history, developer):
    factories.make_item(history, "Rucio plans", presenter=developer, duration_minutes=10)
    factories.make_item(
        history, "Open floor", section="open_floor", recurring=True, duration_minutes=5
    )
    factories.make_item(history, "New topic", duration_minutes=10)
    client.force_login(convener)

    page = client.get(f"/meetings/{history.pk}/edit/").content.decode()

    row = '<span class="muted duration-history">'
    assert page.count(row + "ran 12 min on average over the last 3 meetings (planned 10)") == 1
    assert page.count(row + "ran 10 min on average over the last 2 meetings (planned 5)") == 1
    assert page.count(row) == 2  # the new topic has no history
    assert "How long items ran at recent meetings" in page
    assert 'data-duration-key="title-open floor"' in page
    assert f'data-duration-key="presenter-{developer.pk}"' in page


def test_the_history_costs_the_same_queries_for_any_number_of_items(
    client, convener, history, developer
):
    client.force_login(convener)
    url = f"/meetings/{history.pk}/edit/"
    factories.make_item(history, "Rucio plans 0", presenter=developer)
    client.get(url)  # warm the lists' cache
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(1, 15):
        factories.make_item(history, f"Rucio plans {n}", presenter=developer, duration_minutes=1)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()

    assert page.count('<span class="muted duration-history">ran 12 min on average') == 15
    assert len(many) == len(few)


def test_the_meeting_page_shows_planned_against_actual_after_the_meeting(client, db):
    series = factories.make_series(is_public=True)
    meeting = factories.make_meeting(series, on=NEXT, state=Meeting.State.HELD, revision=1)
    factories.make_item(meeting, "Focus", section="focus", duration_minutes=30, actual_seconds=2700)
    factories.make_item(meeting, "Hot one", duration_minutes=10, actual_seconds=480)
    factories.make_item(meeting, "Hot two", duration_minutes=10, not_reached=True)
    factories.make_item(meeting, "Floor", section="open_floor", duration_minutes=10)

    page = client.get(f"/meetings/{meeting.pk}/").content.decode()

    section = page[page.index('id="actuals-heading"') :]
    assert "Planned and actual" in section
    focus = section[section.index('id="actual-focus"') : section.index('id="actual-hot"')]
    assert "30 min" in focus
    assert "45 min" in focus
    assert "15 min over" in focus
    hot = section[section.index('id="actual-hot"') : section.index('id="actual-open_floor"')]
    assert "20 min" in hot
    assert "12 min under" in hot
    assert "1 not reached" in hot
    assert "not recorded" in section[section.index('id="actual-open_floor"') :]
    total = section[section.index('id="actual-total"') :]
    assert "60 min" in total
    assert "53 min" in total
    assert "Ran 53 min, within the 60-min objective." in page
    assert "1 item not reached: proposed again at the next meeting." in page


def test_past_the_objective_and_the_limit_are_called_out(client, db):
    series = factories.make_series(is_public=True)
    meeting = factories.make_meeting(series, on=NEXT, state=Meeting.State.HELD, revision=1)
    item = factories.make_item(meeting, "Focus", section="focus", duration_minutes=60)
    url = f"/meetings/{meeting.pk}/"

    item.actual_seconds = 75 * 60
    item.save()
    assert "past the 60-min objective" in client.get(url).content.decode()

    item.actual_seconds = 95 * 60
    item.save()
    assert "Ran 95 min, past the 90-min hard limit." in client.get(url).content.decode()


def test_before_the_meeting_the_page_shows_no_actuals(client, db):
    series = factories.make_series(is_public=True)
    meeting = factories.make_meeting(series, on=NEXT)
    factories.make_item(meeting, "Focus", section="focus", duration_minutes=30)

    assert "Planned and actual" not in client.get(f"/meetings/{meeting.pk}/").content.decode()
