"""An open action's due date in its owner's personal feed (issue 16): an all-day, free event
"Action due: …" read alike by icalendar, vobject, ical and ical.js; gone once the action is
done; the feed's ETag changes when an action is added, done or moved to another day."""

import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.lib.ical_parsers import parse_all

HOST = "127.0.0.1"


@pytest.fixture
def held(db):
    series = factories.make_series()
    return factories.make_meeting(series, on=timezone.localdate() - datetime.timedelta(days=3))


def _feed(client, user):
    response = client.get(f"/calendar/me/{user.calendar_token}.ics")
    assert response.status_code == 200
    return response


def _actions(response) -> dict:
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("action-")}


def test_an_open_action_is_an_all_day_free_event_on_its_due_day_in_every_parser(
    client, developer, manager, held, node, js_modules
):
    due = timezone.localdate() + datetime.timedelta(days=5)
    mine = factories.make_action(held, "Send the Rucio slides; ÄÖ, too", owner=developer, due=due)
    factories.make_action(held, "Theirs", owner=manager, due=due)
    factories.make_action(held, "No date", owner=developer)

    body = _feed(client, developer).content.decode()

    for parser, events in parse_all(body, node).items():
        found = [e for e in events if e.uid.startswith("action-")]
        assert [(e.uid, e.summary, e.start) for e in found] == [
            (f"action-{mine.pk}-due@{HOST}", "Action due: Send the Rucio slides; ÄÖ, too", due)
        ], parser
    event = _actions(_feed(client, developer))[f"action-{mine.pk}-due@{HOST}"]
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert event["DTEND"].dt == due + datetime.timedelta(days=1)
    assert f"/meetings/{held.pk}/" in str(event["DESCRIPTION"])


def test_an_action_done_leaves_the_feed_and_changes_its_etag(client, developer, held):
    action = factories.make_action(
        held, "Send the slides", owner=developer, due=timezone.localdate()
    )
    before = _feed(client, developer)
    assert _actions(before)

    action.done = True
    action.done_at = timezone.now()
    action.save()
    after = _feed(client, developer)

    assert _actions(after) == {}
    assert after["ETag"] != before["ETag"]


def test_a_new_action_or_a_new_due_date_changes_the_etag(client, developer, held):
    first = _feed(client, developer)
    action = factories.make_action(
        held, "Send the slides", owner=developer, due=timezone.localdate()
    )
    second = _feed(client, developer)
    assert second["ETag"] != first["ETag"]
    stale = client.get(
        f"/calendar/me/{developer.calendar_token}.ics", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert stale.status_code == 200

    moved = timezone.localdate() + datetime.timedelta(days=9)
    type(action).objects.filter(pk=action.pk).update(due=moved)
    third = _feed(client, developer)

    assert third["ETag"] != second["ETag"]
    assert next(iter(_actions(third).values()))["DTSTART"].dt == moved


def test_the_feed_costs_the_same_queries_for_few_or_many_actions(client, developer, held):
    day = timezone.localdate()
    factories.make_action(held, "One", owner=developer, due=day)
    with CaptureQueriesContext(connection) as few:
        _feed(client, developer)
    for n in range(20):
        factories.make_action(held, f"Action {n}", owner=developer, due=day)
    with CaptureQueriesContext(connection) as many:
        response = _feed(client, developer)

    assert len(_actions(response)) == 21
    assert len(many) == len(few)
