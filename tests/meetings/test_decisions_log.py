"""The decisions log (/decisions/): every decision of the meetings the reader may see, newest
first, linking back to its meeting and item; searchable, filterable by task force, project and
deliverable; 50 a page; a fixed number of queries whatever the number of decisions."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings import actions
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "decision-results"}


@pytest.fixture
def world(convener):
    series = factories.make_series()
    panda, rucio = factories.make_project("PanDA"), factories.make_project("Rucio")
    killer = factories.make_deliverable("Looping job killer", project=panda)
    mover = factories.make_deliverable("Data mover", project=rucio)
    rucio_tf = factories.make_task_force("Rucio")
    first = factories.make_meeting(series, on=datetime.date(2031, 1, 8), title="First week")
    second = factories.make_meeting(series, on=datetime.date(2031, 1, 15), title="Second week")
    on_killer = factories.make_item(first, "Killer status", section="tracking", deliverable=killer)
    on_mover = factories.make_item(
        second, "Mover status", section="tracking", deliverable=mover, task_force=rucio_tf
    )

    def decide(meeting, item, text, kind="decision"):
        return actions.record_outcome(
            meeting=meeting, by=convener, kind=kind, text=text, agenda_item=item
        )

    decide(first, on_killer, "Enable the killer in May")
    decide(second, on_mover, "Mover goes to FTS 3")
    decide(second, on_mover, "FTS 3 is in beta", kind="information")
    removed = decide(first, on_killer, "Withdrawn decision")
    actions.remove_outcome(outcome=removed, version=1, by=convener)
    private = factories.make_series(name="Internal", slug="internal", is_public=False)
    secret = factories.make_meeting(private, on=datetime.date(2031, 1, 16))
    decide(secret, factories.make_item(secret, "Budget"), "Secret budget decision")
    return {
        "killer": killer,
        "mover": mover,
        "panda": panda,
        "rucio_tf": rucio_tf,
        "on_killer": on_killer,
        "first": first,
    }


def texts(response) -> list[str]:
    body = response.content.decode()
    found = [
        text
        for text in (
            "Enable the killer in May",
            "Mover goes to FTS 3",
            "FTS 3 is in beta",
            "Withdrawn decision",
            "Secret budget decision",
        )
        if text in body
    ]
    return sorted(found, key=body.index)


def test_decisions_newest_first_without_information_removed_or_private_ones(client, world):
    response = client.get("/decisions/")

    assert response.status_code == 200
    assert texts(response) == ["Mover goes to FTS 3", "Enable the killer in May"]


def test_logged_in_readers_also_see_the_private_series_decisions(client, world, developer):
    client.force_login(developer)

    assert "Secret budget decision" in texts(client.get("/decisions/"))


def test_each_decision_links_back_to_its_meeting_item(client, world):
    body = client.get("/decisions/").content.decode()

    assert f'href="/meetings/{world["first"].pk}/#item-{world["on_killer"].pk}"' in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=FTS", ["Mover goes to FTS 3"]),
        ("q=enable%20THE", ["Enable the killer in May"]),
        ("deliverable={killer}", ["Enable the killer in May"]),
        ("project={panda}", ["Enable the killer in May"]),
        ("task_force={rucio_tf}", ["Mover goes to FTS 3"]),
        ("q=killer&project={panda}&deliverable={mover}", []),
    ],
)
def test_search_and_filters(client, world, query, expected):
    ids = {k: v.pk for k, v in world.items() if hasattr(v, "pk")}

    assert texts(client.get("/decisions/?" + query.format(**ids))) == expected


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "x" * 5000,
        "deliverable=%C2%B2",
        "project=99999999999999999999999",
        "page=-1",
        "task_force=abc",
        "q=%00",
    ],
)
def test_hostile_parameters_are_bounded_never_an_error(client, world, query):
    assert client.get("/decisions/?" + query).status_code == 200


def test_htmx_swaps_only_the_results_region(client, world):
    response = client.get("/decisions/?q=FTS", **HX)

    body = response.content.decode()
    assert body.lstrip().startswith('<section id="decision-results"')
    assert "<h1>" not in body
    assert texts(response) == ["Mover goes to FTS 3"]


def test_fifty_a_page_with_a_link_to_the_older_ones_keeping_the_filter(client, world, convener):
    first, item = world["first"], world["on_killer"]
    for n in range(60):
        actions.record_outcome(
            meeting=first, by=convener, kind="decision", text=f"Bulk {n}", agenda_item=item
        )

    body = client.get(f"/decisions/?deliverable={world['killer'].pk}").content.decode()

    assert body.count('class="decision"') == 50
    assert f'href="?deliverable={world["killer"].pk}&amp;page=2"' in body
    second = client.get(f"/decisions/?deliverable={world['killer'].pk}&page=2").content.decode()
    assert second.count('class="decision"') == 11


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_decisions(client, world, convener, developer):
    client.force_login(developer)
    few = queries(client, "/decisions/")
    for n in range(30):
        task_force = factories.make_task_force(f"TF {n}")
        deliverable = factories.make_deliverable(f"D {n}", project=factories.make_project(f"P {n}"))
        meeting = factories.make_meeting(on=datetime.date(2031, 2, 1) + datetime.timedelta(n))
        item = factories.make_item(
            meeting, f"Item {n}", deliverable=deliverable, task_force=task_force
        )
        actions.record_outcome(
            meeting=meeting, by=convener, kind="decision", text=f"D{n}", agenda_item=item
        )

    many = queries(client, "/decisions/")

    assert many == few
    assert many <= 9
