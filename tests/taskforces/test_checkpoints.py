"""Checkpoints: upcoming workshops and deadlines with each task force's goal, and the open
items due at each."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taskforces.models import CheckpointGoal
from tests.factories import make_checkpoint, make_outline_item, make_task_force

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2031, 5, 2)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2031, 5, 2, 10, 0), tick=False):
        yield


@pytest.fixture
def dubna():
    return make_checkpoint(
        "Dubna workshop",
        date=datetime.date(2031, 5, 30),
        end_date=datetime.date(2031, 6, 3),
        location="JINR Dubna",
    )


def test_upcoming_checkpoints_list_what_each_task_force_plans_to_show(client, dubna):
    rucio = make_task_force("Rucio")
    nosql = make_task_force("NoSQL databases", slug="nosql")
    CheckpointGoal.objects.create(checkpoint=dubna, task_force=rucio, goal="Rucio prototype")
    CheckpointGoal.objects.create(
        checkpoint=dubna, task_force=nosql, goal="Cassandra testbed at CERN"
    )
    make_outline_item(rucio, "Rucio for DDM", checkpoint=dubna)
    make_checkpoint("Last year's jamboree", slug="jamboree", date=datetime.date(2030, 12, 1))

    html = client.get("/checkpoints/").text

    upcoming, past = html.split("<h2>Past</h2>")
    assert "Dubna workshop" in upcoming
    assert "in 28 days" in upcoming
    assert "JINR Dubna" in upcoming
    assert "Rucio prototype" in upcoming
    assert "Cassandra testbed at CERN" in upcoming
    assert "1 open item due" in upcoming
    assert "jamboree" in past


def test_a_workshop_under_way_is_still_upcoming(client):
    make_checkpoint(
        "S&C week",
        slug="sc",
        date=TODAY - datetime.timedelta(days=1),
        end_date=TODAY + datetime.timedelta(days=3),
    )
    upcoming = client.get("/checkpoints/").text.split("<h2>Past</h2>")[0]
    assert "S&amp;C week" in upcoming
    assert "today" in upcoming


def test_the_checkpoint_page_lists_the_open_items_due_there_by_task_force(client, dubna):
    caching = make_task_force("File and event level caching", slug="caching")
    parent = make_outline_item(caching, "Near term activities")
    make_outline_item(caching, "Testing plan", parent=parent, checkpoint=dubna)
    make_outline_item(caching, "Protocol written", checkpoint=dubna, done=True, position=1)
    network = make_task_force("Network monitoring", slug="network")
    make_outline_item(network, "perfSONAR everywhere?", kind="question", checkpoint=dubna)

    html = client.get("/checkpoints/dubna-workshop/").text

    assert "2 open items due here, 1 done." in html
    assert "Near term activities \u203a</span> Testing plan" in html
    assert "perfSONAR everywhere?" in html
    assert "Protocol written" not in html
    assert html.index("File and event level caching") < html.index("Network monitoring")


def test_checkpoint_pages_take_constant_queries(client, dubna, django_assert_max_num_queries):
    def populate(start, stop):
        for i in range(start, stop):
            tf = make_task_force(f"Activity {i:02}", slug=f"activity-{i}")
            CheckpointGoal.objects.create(checkpoint=dubna, task_force=tf, goal=f"Demo {i}")
            parent = make_outline_item(tf, "Plans")
            for j in range(4):
                make_outline_item(tf, f"Item {j}", parent=parent, position=j, checkpoint=dubna)

    populate(0, 2)
    with CaptureQueriesContext(connection) as list_few:
        client.get("/checkpoints/")
    with CaptureQueriesContext(connection) as page_few:
        client.get("/checkpoints/dubna-workshop/")
    populate(2, 20)
    for i in range(10):
        make_checkpoint(f"Checkpoint {i}", slug=f"cp-{i}", date=TODAY + datetime.timedelta(days=i))
    with django_assert_max_num_queries(len(list_few)):
        assert client.get("/checkpoints/").text.count("Demo ") == 20
    with django_assert_max_num_queries(len(page_few)):
        assert client.get("/checkpoints/dubna-workshop/").text.count("Item 3") == 20


def test_members_record_their_task_force_goal(client, dubna, developer):
    rucio = make_task_force("Rucio")
    rucio.members.add(developer)
    client.force_login(developer)
    page = client.get("/checkpoints/dubna-workshop/").text
    assert "What will your task force show here?" in page
    response = client.post(
        "/checkpoints/dubna-workshop/goal/",
        {"task_force": rucio.pk, "goal": "Rucio for DDM demo"},
    )
    assert response.status_code == 302
    assert CheckpointGoal.objects.get(checkpoint=dubna, task_force=rucio).goal == (
        "Rucio for DDM demo"
    )
    page = client.get("/checkpoints/dubna-workshop/").text
    assert "Change what Rucio plans to show" in page
    assert 'name="version" value="1"' in page  # the goal's form carries the version it shows
    client.post(
        "/checkpoints/dubna-workshop/goal/",
        {"task_force": rucio.pk, "goal": "Changed mind", "version": 1},
    )
    assert CheckpointGoal.objects.get(checkpoint=dubna, task_force=rucio).goal == "Changed mind"


def test_goal_access_matrix(client, dubna, developer, outsider, convener):
    rucio = make_task_force("Rucio")
    rucio.members.add(developer)
    other = make_task_force("NoSQL databases", slug="nosql")
    data = {"task_force": rucio.pk, "goal": "Demo"}

    response = client.post("/checkpoints/dubna-workshop/goal/", data)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")

    client.force_login(outsider)
    assert client.post("/checkpoints/dubna-workshop/goal/", data).status_code == 403
    assert "What will your task force show" not in client.get("/checkpoints/dubna-workshop/").text

    # A member of one task force cannot write another's goal.
    client.force_login(developer)
    response = client.post(
        "/checkpoints/dubna-workshop/goal/", {"task_force": other.pk, "goal": "Not mine"}
    )
    assert response.status_code == 422
    assert "Not mine" in response.text
    assert not CheckpointGoal.objects.filter(task_force=other).exists()

    client.force_login(convener)
    assert (
        client.post(
            "/checkpoints/dubna-workshop/goal/", {"task_force": other.pk, "goal": "Theirs"}
        ).status_code
        == 302
    )
    assert CheckpointGoal.objects.get(task_force=other).goal == "Theirs"
    assert not CheckpointGoal.objects.filter(task_force=rucio).exists()
