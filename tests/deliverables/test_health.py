"""The manager's health view: reports counted week by week in a chart with a table beside it,
who has not reported for the newest request, filters, and its cost in queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliverables.actions import status
from deliverables.models import DeliverableChange
from tests import factories

pytestmark = pytest.mark.django_db

ZURICH_NOON = datetime.time(12, 0)


def reported(deliverable, by, health, day: datetime.date, line=""):
    change = status.report_status(deliverable=deliverable, by=by, health=health, line=line)
    moment = timezone.make_aware(datetime.datetime.combine(day, ZURICH_NOON))
    DeliverableChange.objects.filter(pk=change.pk).update(at=moment)
    return change


@pytest.fixture
def reports(roadmap, developer, manager, mid_june_2011):
    pilot = factories.make_project("PanDA")
    rucio = factories.make_project("Rucio", slug="rucio")
    killer = factories.make_deliverable("Looping job killer", owners=(developer,), project=pilot)
    schema = factories.make_deliverable("AGIS schema", period="June", owners=(developer,))
    mover = factories.make_deliverable("Rucio 1.0", period="June", owners=(manager,), project=rucio)
    reported(killer, developer, "at_risk", datetime.date(2011, 6, 1), "waiting for pilot 2")
    reported(killer, developer, "on_track", datetime.date(2011, 6, 14))
    reported(mover, manager, "off_track", datetime.date(2011, 6, 8))
    return {"killer": killer, "schema": schema, "mover": mover, "pilot": pilot}


def week_row(page: str, label: str) -> str:
    start = page.index(f">{label}</time></th>")
    return page[start : page.index("</tr>", start)]


def test_managers_see_health_by_week_as_a_chart_and_a_table(client, manager, reports):
    client.force_login(manager)
    response = client.get("/roadmap/health/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="health-chart"' in page
    assert 'class="seg seg-at_risk"' in page
    assert 'class="seg seg-off_track"' in page
    # Week of 30 May: one at risk (reported 1 June), two unreported.
    assert week_row(page, "30 May").endswith("<td>0</td><td>0</td><td>1</td><td>0</td><td>2</td>")
    # Week of 13 June (today): on track now, off track since 8 June, one never reported.
    assert week_row(page, "13 Jun").endswith("<td>0</td><td>1</td><td>0</td><td>1</td><td>1</td>")


def test_done_counts_from_the_day_it_was_done(client, manager, reports, developer):
    status.report_status(deliverable=reports["schema"], by=developer, health="done")
    client.force_login(manager)
    page = client.get("/roadmap/health/").content.decode()
    assert week_row(page, "13 Jun").endswith("<td>1</td><td>1</td><td>0</td><td>1</td><td>0</td>")
    assert week_row(page, "6 Jun").endswith("<td>0</td><td>0</td><td>1</td><td>1</td><td>1</td>")


def test_the_owners_who_have_not_reported_are_listed_with_their_items(
    client, convener, developer, manager, reports
):
    asked = datetime.date(2011, 6, 16)
    status.request_status(
        owner=developer, for_date=asked, deliverables=[reports["killer"], reports["schema"]]
    )
    status.request_status(owner=manager, for_date=asked, deliverables=[reports["mover"]])
    status.report_status(deliverable=reports["mover"], by=manager, health="on_track")
    client.force_login(convener)
    page = client.get("/roadmap/health/").content.decode()
    section = page[page.index('id="missing-heading"') :]
    assert "Not reported for Thu 16 Jun 2011" in section
    assert "Bob Developer" in section
    assert "Looping job killer" in section
    assert "AGIS schema" in section
    assert "Carol Manager" not in section  # reported after being asked


def test_filtering_by_project_counts_only_its_deliverables(client, manager, reports):
    client.force_login(manager)
    page = client.get("/roadmap/health/", {"project": reports["pilot"].pk}).content.decode()
    assert "Health by week (1 deliverable)" in page
    assert week_row(page, "13 Jun").endswith("<td>0</td><td>1</td><td>0</td><td>0</td><td>0</td>")
    ignored = client.get("/roadmap/health/", {"project": "99999", "period": "x"})
    assert "Health by week (3 deliverables)" in ignored.content.decode()


def test_developers_and_visitors_are_kept_out(client, developer, roadmap):
    assert client.get("/roadmap/health/").status_code == 302
    client.force_login(developer)
    assert client.get("/roadmap/health/").status_code == 403


def test_the_page_costs_the_same_queries_with_ten_times_the_data(
    client, manager, developer, reports
):
    client.force_login(manager)

    def measure() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/roadmap/health/").status_code == 200
        return len(captured)

    status.request_status(
        owner=developer, for_date=datetime.date(2011, 6, 16), deliverables=[reports["killer"]]
    )
    small = measure()
    for n in range(20):
        owner = factories.make_user(f"owner{n}", name=f"Owner {n}")
        item = factories.make_deliverable(f"Item {n}", period="June", owners=(owner,))
        reported(item, owner, "at_risk", datetime.date(2011, 6, 9))
        status.request_status(owner=owner, for_date=datetime.date(2011, 6, 16), deliverables=[item])
    assert measure() == small


def test_the_roadmap_page_links_managers_and_conveners_to_the_health_view(
    client, roadmap, developer, convener
):
    link = f'href="/roadmap/health/?roadmap={roadmap.pk}"'
    client.force_login(developer)
    assert link not in client.get("/roadmap/").content.decode()
    client.force_login(convener)
    assert link in client.get("/roadmap/").content.decode()
