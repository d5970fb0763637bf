"""A task force's page: scope, outline, deliverables, focus topics and action items."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings.models import Meeting
from taskforces.models import CheckpointGoal
from tests.factories import (
    make_action,
    make_checkpoint,
    make_deliverable,
    make_item,
    make_meeting,
    make_outline_item,
    make_series,
    make_task_force,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2031, 5, 2, 10, 0), tick=False):
        yield


@pytest.fixture
def nosql():
    tf = make_task_force(
        "NoSQL databases",
        slug="nosql",
        kind="rnd",
        scope="Evaluate NoSQL stores for ADC monitoring and accounting.",
    )
    tf.conveners.add(make_user("vincent", name="Vincent Garonne"))
    testbeds = make_outline_item(tf, "Testbeds", kind="note")
    make_outline_item(tf, "Cassandra testbed at BNL", kind="testbed", parent=testbeds)
    make_outline_item(tf, "We need a testbed at CERN", kind="plan", parent=testbeds, position=1)
    cases = make_outline_item(tf, "First use cases identified", kind="note", position=1)
    for position, text in enumerate(
        ["DDM accounting", "PanDA monitoring archive", "DDM trace monitoring"]
    ):
        make_outline_item(tf, text, kind="use_case", parent=cases, position=position)
    return tf


def test_the_page_shows_scope_people_and_the_nested_outline(client, nosql):
    html = client.get("/taskforces/nosql/").text
    assert "Evaluate NoSQL stores for ADC monitoring and accounting." in html
    assert "Vincent Garonne" in html
    assert "R&amp;D" in html
    # Nested as in the report: the testbeds under "Testbeds", use cases under theirs.
    testbeds = html.index("Testbeds")
    assert testbeds < html.index("Cassandra testbed at BNL") < html.index("First use cases")
    assert html.index("First use cases") < html.index("DDM trace monitoring")
    assert html.count('class="outline-level"') == 2  # two nested lists below the root
    assert "1 open plan item · 0 open questions" in html


def test_the_page_lists_its_deliverables_with_their_status(client, nosql):
    make_deliverable("Cassandra testbed at CERN in production", task_force=nosql, period="May")
    make_deliverable(
        "DDM accounting on Cassandra", task_force=nosql, period="April", status="in_progress"
    )
    make_deliverable("Somebody else's work", period="April")
    html = client.get("/taskforces/nosql/").text
    assert "Cassandra testbed at CERN in production" in html
    assert "DDM accounting on Cassandra" in html
    assert "In progress" in html
    assert "Somebody else&#x27;s work" not in html


def test_the_page_lists_past_and_scheduled_focus_topics_and_action_items(client, nosql):
    past = make_meeting(on=datetime.date(2031, 3, 12), state=Meeting.State.HELD, revision=1)
    item = make_item(past, "NoSQL databases: use cases", section="focus", task_force=nosql)
    make_action(past, "Ask CERN IT for Cassandra nodes", agenda_item=item)
    make_action(
        past,
        "Write up DDM accounting results",
        agenda_item=item,
        done=True,
        done_at=datetime.datetime(2031, 3, 20, tzinfo=datetime.UTC),
    )
    upcoming = make_meeting(on=datetime.date(2031, 5, 14))
    make_item(upcoming, "NoSQL databases", section="focus", task_force=nosql)
    cancelled = make_meeting(
        on=datetime.date(2031, 5, 7), state=Meeting.State.CANCELLED, revision=1
    )
    make_item(cancelled, "Cancelled focus", section="focus", task_force=nosql)

    html = client.get("/taskforces/nosql/").text

    scheduled, past_part = html.split("<h3>Past</h3>")
    assert "Wed 14 May 2031" in scheduled
    assert "NoSQL databases: use cases" in past_part
    assert "Wed 12 Mar 2031" in past_part
    assert "Cancelled focus" not in html
    assert "Ask CERN IT for Cassandra nodes" in html
    assert "Write up DDM accounting results" in html


def test_a_private_series_stays_hidden_from_anonymous_visitors(client, nosql):
    private = make_series(name="Closed ADC meeting", slug="closed", is_public=False)
    meeting = make_meeting(private, on=datetime.date(2031, 3, 12))
    make_item(meeting, "Secret focus", section="focus", task_force=nosql)
    assert "Secret focus" not in client.get("/taskforces/nosql/").text


def test_the_sidebar_shows_upcoming_checkpoints_with_the_goal(client, nosql):
    dubna = make_checkpoint("Dubna workshop", date=datetime.date(2031, 5, 30))
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=nosql, goal="CERN testbed up")
    make_checkpoint("Past one", slug="past", date=datetime.date(2031, 1, 1))
    html = client.get("/taskforces/nosql/").text
    assert "Dubna workshop" in html
    assert "Plans to show: CERN testbed up" in html
    assert "Past one" not in html


def test_an_unknown_task_force_is_404(client):
    assert client.get("/taskforces/nope/").status_code == 404


def test_the_page_takes_constant_queries(client, nosql, convener, django_assert_max_num_queries):
    client.force_login(convener)
    dubna = make_checkpoint("Dubna workshop", date=datetime.date(2031, 5, 30))

    def populate(start, stop):
        for i in range(start, stop):
            parent = make_outline_item(nosql, f"Plan {i}", position=10 + i, checkpoint=dubna)
            make_outline_item(nosql, f"Sub {i}", parent=parent, kind="question")
            make_deliverable(f"Deliverable {i}", task_force=nosql, owners=(convener,))
            meeting = make_meeting(on=datetime.date(2030, 1, 1) + datetime.timedelta(weeks=i))
            item = make_item(meeting, f"Focus {i}", section="focus", task_force=nosql)
            make_action(meeting, f"Action {i}", agenda_item=item, owner=convener)

    populate(0, 2)
    with CaptureQueriesContext(connection) as few:
        client.get("/taskforces/nosql/")
    populate(2, 20)
    with django_assert_max_num_queries(len(few)):
        html = client.get("/taskforces/nosql/").text
    assert len(re.findall(r"Action \d+ — Alice Convener", html)) == 20
    assert html.count('class="outline-item') == 7 + 40
