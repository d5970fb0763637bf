"""/taskforces/: every activity with kind, status, conveners, open plans, next checkpoint and
when it was last a focus topic."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.accounts.models import User
from taskforces.models import CheckpointGoal
from tests.factories import make_checkpoint, make_outline_item, make_task_force, make_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 5, 2)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2031, 5, 2, 10, 0), tick=False):
        yield


def row(html: str, name: str) -> str:
    match = re.search(
        rf'<tr class="tf-row[^"]*">\s*<th scope="row"><a [^>]*>{re.escape(name)}</a>.*?</tr>',
        html,
        re.S,
    )
    assert match, f"no row for {name}"
    return match.group(0)


def test_the_list_shows_each_activity_at_a_glance(client):
    alice = make_user("alice-tf", name="Alice Campana")
    rucio = make_task_force("Rucio", kind="rnd", last_public_focus_on=datetime.date(2031, 3, 9))
    rucio.conveners.add(alice)
    make_outline_item(rucio, "Rucio for DDM - overview and plans")
    make_outline_item(rucio, "Rucio for others", position=1)
    make_outline_item(rucio, "Architecture done", position=2, done=True)
    make_outline_item(rucio, "Can other areas leverage it?", kind="question", position=3)
    dubna = make_checkpoint("Dubna workshop", date=datetime.date(2031, 5, 30))
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=rucio, goal="Rucio prototype")
    make_checkpoint("Old workshop", slug="old", date=datetime.date(2031, 1, 10))
    make_task_force("Multicores", status="paused")

    html = client.get("/taskforces/").text

    rucio_row = row(html, "Rucio")
    assert "R&amp;D" in rucio_row
    assert "Active" in rucio_row
    assert "Alice Campana" in rucio_row
    assert '<td class="num">2</td>' in rucio_row  # open plan items, not questions nor done
    assert "Dubna workshop" in rucio_row
    assert "in 28 days" in rucio_row
    assert "9 Mar 2031" in rucio_row
    multicores = row(html, "Multicores")
    assert "Paused" in multicores
    assert "never" in multicores
    assert '<td class="num">0</td>' in multicores


def test_an_item_due_at_a_checkpoint_makes_it_the_next_one_even_without_a_goal(client):
    cvmfs = make_task_force("CVMFS")
    soon = make_checkpoint("S&C week", slug="sc-week", date=datetime.date(2031, 5, 3))
    make_checkpoint("Dubna workshop", date=datetime.date(2031, 5, 30))
    make_outline_item(cvmfs, "Deploy at all T1s", checkpoint=soon)
    assert "S&amp;C week" in row(client.get("/taskforces/").text, "CVMFS")
    assert "tomorrow" in row(client.get("/taskforces/").text, "CVMFS")


def test_a_scheduled_focus_topic_shows_as_scheduled(client):
    make_task_force(
        "Network monitoring", slug="network", last_public_focus_on=datetime.date(2031, 5, 7)
    )
    assert "scheduled" in row(client.get("/taskforces/").text, "Network monitoring")


def populate(start: int, stop: int) -> None:
    """Activities with a convener, a member, a checkpoint goal and six plan items each."""
    people = [
        User.objects.get_or_create(username=f"person{n}", defaults={"name": f"Person {n}"})[0]
        for n in range(3)
    ]
    for i in range(start, stop):
        tf = make_task_force(f"Activity {i:03}", slug=f"activity-{i}")
        tf.conveners.add(people[i % 3], people[(i + 1) % 3])
        tf.members.add(people[(i + 2) % 3])
        checkpoint = make_checkpoint(
            f"Checkpoint {i}", slug=f"cp-{i}", date=TODAY + datetime.timedelta(days=i + 1)
        )
        CheckpointGoal.objects.create(checkpoint=checkpoint, task_force=tf, goal="demo")
        for j in range(6):
            make_outline_item(tf, f"Plan {j}", position=j, checkpoint=checkpoint)


def test_the_list_takes_the_same_number_of_queries_for_3_or_30_activities(
    client, convener, django_assert_max_num_queries
):
    client.force_login(convener)
    populate(0, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/taskforces/").status_code == 200
    populate(3, 30)
    with django_assert_max_num_queries(len(few)):
        html = client.get("/taskforces/").text
    assert html.count('class="tf-row') == 30
