"""/roadmap/: periods as columns, cards, late periods, filters, comparison, paging, charts."""

import datetime
import re

import pytest
import time_machine

from deliverables import actions
from deliverables.models import Deliverable, DeliverableChange
from tests import factories
from tests.deliverables.conftest import ZURICH, period

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def column(page: str, label: str) -> str:
    """The markup of one period's column."""
    match = re.search(
        rf'<section class="column[^"]*"[^>]*data-period="{label}">(.*?)</section>', page, re.S
    )
    assert match, f"no column {label}"
    return match.group(0)


def tiles(page: str) -> list[str]:
    return re.findall(r'<a class="tile-title" href="[^"]+">([^<]+)</a>', page)


@pytest.fixture
def board(roadmap, developer, convener, mid_june_2011):
    pilot = factories.make_project("Pilot")
    panda = factories.make_project("PanDA")
    cloud = factories.make_task_force("Cloud computing")
    items = {
        "killer": factories.make_deliverable(
            "new looping job killer in pilot", period="April", project=pilot, owners=(developer,)
        ),
        "pd2p": factories.make_deliverable(
            "T1-T1 PD2P implemented",
            period="April",
            project=panda,
            status="done",
            done_on=datetime.date(2011, 4, 28),
        ),
        "toa": factories.make_deliverable(
            "ToA migration to AGIS", period="Summer", tentative=True, owners=(convener,)
        ),
        "cloud": factories.make_deliverable(
            "PanDA cloud site accepting jobs", period="Summer", project=panda, task_force=cloud
        ),
        "glidein": factories.make_deliverable("Role for glideinWMS", period="Later"),
        "oracle": factories.make_deliverable(
            "Oracle 11g validation",
            period="Later",
            deadline=datetime.date(2011, 12, 1),
            lead_time_days=180,
        ),
    }
    return items


def test_periods_are_columns_in_order_with_their_cards(client, roadmap, board):
    page = client.get("/roadmap/").content.decode()
    labels = re.findall(r'data-period="([^"]+)"', page)
    assert labels == ["April", "May", "June", "Summer", "Fall", "Later"]
    summer = column(page, "Summer")
    assert tiles(summer) == ["ToA migration to AGIS", "PanDA cloud site accepting jobs"]
    assert '<abbr class="tentative" title="Tentative">?</abbr>' in summer
    assert "Alice Convener" in summer
    april = column(page, "April")
    assert '<span class="project">Pilot</span> · Bob Developer' in april
    assert '<span class="state state-done">Done</span>' in april


def test_a_period_past_its_end_with_open_items_is_late_and_later_never_is(client, board):
    page = client.get("/roadmap/").content.decode()
    april = column(page, "April")
    assert 'class="column late-period"' in april
    assert "Ended 30 Apr 2011 with 1 open." in april
    assert "Slipped 1\N{MULTIPLICATION SIGN} since 1 May" in april
    # May has ended too, but nothing is open there.
    assert "late-period" not in column(page, "May")
    assert "late-period" not in column(page, "Summer")
    with time_machine.travel(datetime.datetime(2030, 1, 1, tzinfo=ZURICH), tick=False):
        page = client.get("/roadmap/").content.decode()
    later = column(page, "Later")
    assert "late-period" not in later
    assert "Slipped" not in later


def test_start_by_warnings_show_once_the_day_has_passed(client, board):
    oracle = column(client.get("/roadmap/").content.decode(), "Later")
    assert "Start by 4 Jun 2011" in oracle


def test_a_move_to_a_later_period_shows_the_slip_badge(client, roadmap, board, developer):
    actions.move_to_period(
        board["toa"], period=period(roadmap, "Fall"), by=developer, version=1, reason="AGIS"
    )
    fall = column(client.get("/roadmap/").content.decode(), "Fall")
    assert "Slipped 1\N{MULTIPLICATION SIGN} since 15 Jun" in fall
    summer = column(client.get("/roadmap/").content.decode(), "Summer")
    assert "1 slipped" in summer  # it slipped out of Summer


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("project=panda", ["T1-T1 PD2P implemented", "PanDA cloud site accepting jobs"]),
        ("owner=bob", ["new looping job killer in pilot"]),
        ("status=done", ["T1-T1 PD2P implemented"]),
        ("status=slipped", ["new looping job killer in pilot"]),
        ("task_force=cloud-computing", ["PanDA cloud site accepting jobs"]),
        ("project=panda&status=open", ["PanDA cloud site accepting jobs"]),
    ],
)
def test_filters_have_their_own_url(client, board, query, expected):
    page = client.get(f"/roadmap/?{query}").content.decode()
    assert tiles(page) == expected
    # The exports carry the same filters.
    assert f"/export.csv?{query}" in page.replace("&amp;", "&")


def test_an_htmx_filter_request_gets_only_the_results(client, board):
    response = client.get("/roadmap/?project=pilot", **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body
    assert tiles(body) == ["new looping job killer in pilot"]
    assert "HX-Request" in response["Vary"]


def test_a_bad_filter_is_reported_and_ignored(client, board):
    page = client.get("/roadmap/?project=nope&status=open").content.decode()
    assert "Some filters were not understood" in page
    assert "Select a valid choice" in page
    assert "T1-T1 PD2P implemented" not in tiles(page)  # status=open still applies
    assert len(tiles(page)) == 5


def test_the_roadmap_compares_with_its_agreed_plan(client, roadmap, board, developer, manager):
    actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=roadmap.version)
    actions.agree_roadmap(roadmap, by=manager, version=roadmap.version)
    actions.move_to_period(
        board["toa"], period=period(roadmap, "Fall"), by=developer, version=1, reason="AGIS"
    )
    page = client.get("/roadmap/").content.decode()
    assert "Compare with the agreed plan" in page
    page = client.get("/roadmap/?compare=baseline").content.decode()
    assert "What changed compared with the plan agreed on 15 June 2011" in page
    assert "ToA migration to AGIS</a>: Summer → Fall" in page
    assert "Moved (1, 1 to a later period)" in page
    assert "mark-slipped" in column(page, "Fall")


def test_without_an_agreed_plan_the_comparison_says_so(client, board):
    page = client.get("/roadmap/?compare=baseline").content.decode()
    assert "has not been agreed yet" in page


def test_the_roadmap_compares_with_any_day(client, roadmap, board, developer):
    def on(day):
        return time_machine.travel(datetime.datetime(2011, 6, day, 18, tzinfo=ZURICH), tick=False)

    with on(20):
        actions.set_status(board["killer"], status="done", by=developer, version=1)
    with on(24):
        page = client.get("/roadmap/?since=2011-06-20").content.decode()
        assert "What changed compared with Monday 20 June 2011" in page
        assert re.search(r"Done \(1\)</h3>\s*<ul><li><a [^>]+>new looping job killer", page)
        assert "mark-done" in column(page, "April")
        page = client.get("/roadmap/?since=2011-06-21").content.decode()
        assert "Nothing moved, was added, dropped or done." in page
        page = client.get("/roadmap/?since=2011-06-25").content.decode()
        assert "not in the future" in page


def test_the_charts_and_their_numbers_are_on_the_page(client, board):
    page = client.get("/roadmap/").content.decode()
    assert page.count('role="img"') == 2
    assert '<title id="period-chart-title">Planned, done and slipped per period</title>' in page
    assert re.search(r'<th scope="row">April</th><td>2</td><td>1</td><td>0</td><td>1</td>', page)
    assert 'class="seg seg-slipped"' in page
    # The burn-up: done by day against due by the end of each period.
    rows = re.findall(
        r'<time datetime="(2011-[\d-]+)">[^<]+</time></th><td>(\d+)</td><td>(\d+)</td>', page
    )
    assert rows == [("2011-04-28", "0", "1"), ("2011-04-30", "2", "1"), ("2011-08-31", "4", "1")]
    assert "1 deliverables done so far; 2 were due by today." in page
    assert "style=" not in page


def test_a_long_period_shows_its_first_cards_and_the_rest_on_demand(client, roadmap):
    april = period(roadmap, "April")
    Deliverable.objects.bulk_create(
        Deliverable(roadmap=roadmap, period=april, title=f"item {i:02}", position=i)
        for i in range(30)
    )
    page = client.get("/roadmap/").content.decode()
    shown = tiles(column(page, "April"))
    assert shown == [f"item {i:02}" for i in range(25)]
    assert "Show 5 more in April" in page
    more = f"/roadmaps/{roadmap.pk}/periods/{april.pk}/?offset=25"
    assert f'href="{more}"' in page
    batch = client.get(more, **HTMX).content.decode()
    assert "<html" not in batch
    assert tiles(batch) == [f"item {i:02}" for i in range(25, 30)]
    assert "Show more" not in batch
    full = client.get(more).content.decode()
    assert "<html" in full
    assert "30 deliverables; showing 26\N{EN DASH}30." in full


def test_the_board_with_2000_deliverables_shows_at_most_25_a_period(
    client, roadmap, django_assert_max_num_queries
):
    periods = list(roadmap.periods.order_by("order"))
    Deliverable.objects.bulk_create(
        Deliverable(roadmap=roadmap, period=periods[i % 6], title=f"item {i}", position=i)
        for i in range(2000)
    )
    with django_assert_max_num_queries(25):
        page = client.get("/roadmap/").content.decode()
    assert len(tiles(page)) == 6 * 25
    assert page.count("Show ") >= 6


def _fill(roadmap, developer, n, start):
    project = factories.make_project("PanDA")
    labels = ["April", "May", "June", "Summer", "Fall", "Later"]
    for i in range(start, start + n):
        item = factories.make_deliverable(
            f"deliverable {i}", period=labels[i % 6], owners=(developer,), project=project
        )
        if i % 4 == 0 and item.period.label != "Later":
            actions.move_to_period(
                item, period=period(roadmap, "Later"), by=developer, version=1, reason="later"
            )
        if i % 5 == 0:
            actions.set_status(item, status="done", by=developer, version=item.version)


@pytest.mark.parametrize(
    "query", ["", "?owner=bob&status=open", "?since=2011-06-01", "?compare=baseline"]
)
def test_the_roadmap_costs_the_same_queries_for_5_or_50_deliverables(
    client, roadmap, developer, manager, django_assert_max_num_queries, mid_june_2011, query
):
    client.force_login(manager)
    _fill(roadmap, developer, 5, 0)
    actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=roadmap.version)
    actions.agree_roadmap(roadmap, by=manager, version=roadmap.version)
    with django_assert_max_num_queries(25) as small:
        assert client.get(f"/roadmap/{query}").status_code == 200
    _fill(roadmap, developer, 45, 5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(f"/roadmap/{query}").content.decode()
    assert len(tiles(page)) >= 5


def test_there_is_no_roadmap_yet(client, db):
    assert client.get("/roadmap/").status_code == 404


def test_a_carried_over_roadmap_links_back(client, roadmap, board, manager):
    successor = actions.carry_over(roadmap, name="PanDA+Prodsys", year=2012, by=manager)
    page = client.get(f"/roadmaps/{successor.pk}/").content.decode()
    assert f'Carried over from <a href="/roadmaps/{roadmap.pk}/">' in page
    assert DeliverableChange.objects.filter(kind="carried").count() == 5  # all but the done one
