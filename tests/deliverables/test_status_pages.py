"""Status reports on the site: the line form, the deliverable's history of status lines, My
deliverables (newest line, revoking links), the CSV columns and the audit trail."""

import csv
import datetime
import io

import pytest

from deliverables import status_links
from deliverables.actions import status
from deliverables.models import StatusLink
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def rucio(roadmap, developer):
    return factories.make_deliverable("Rucio 1.0", period="June", owners=(developer,))


def test_an_owner_reports_from_the_line_form_without_javascript(client, developer, rucio):
    client.force_login(developer)
    form = client.get(f"/deliverables/{rucio.pk}/report/")
    assert form.status_code == 200
    assert 'name="health" value="off_track"' in form.content.decode()
    response = client.post(
        f"/deliverables/{rucio.pk}/report/",
        {"health": "off_track", "line": "AGIS schema missing", "next": "/deliverables/mine/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/deliverables/mine/"
    report = rucio.changes.get(kind="report")
    assert (report.health, report.line, report.by) == (
        "off_track",
        "AGIS schema missing",
        developer,
    )


def test_a_refused_report_keeps_what_was_typed(client, developer, rucio):
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{rucio.pk}/report/", {"health": "fine", "line": "my words"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Choose on track, at risk, off track or done." in page
    assert 'value="my words"' in page
    assert not rucio.changes.filter(kind="report").exists()


def test_others_may_not_report(client, outsider, rucio):
    client.force_login(outsider)
    response = client.post(f"/deliverables/{rucio.pk}/report/", {"health": "on_track"})
    assert response.status_code == 403
    assert not rucio.changes.filter(kind="report").exists()


def test_the_deliverable_page_lists_status_lines_newest_first(client, developer, manager, rucio):
    status.report_status(deliverable=rucio, by=developer, health="at_risk", line="first line")
    status.report_status(deliverable=rucio, by=manager, health="on_track", line="second line")
    page = client.get(f"/deliverables/{rucio.pk}/").content.decode()
    section = page[page.index('id="status-lines-heading"') :]
    assert section.index("second line") < section.index("first line")
    assert "Carol Manager" in section
    assert 'class="badge health-at_risk"' in section
    assert f'action="/deliverables/{rucio.pk}/report/"' not in page  # visitors get no form
    client.force_login(developer)
    assert (
        f'action="/deliverables/{rucio.pk}/report/"'
        in client.get(f"/deliverables/{rucio.pk}/").content.decode()
    )


def test_my_deliverables_shows_the_newest_line_and_revokes_links(client, developer, rucio):
    status.report_status(deliverable=rucio, by=developer, health="at_risk", line="slow review")
    request = status.request_status(
        owner=developer, for_date=datetime.date(2011, 6, 20), deliverables=[rucio]
    )
    status_links.issue_links(request, expires_at=status_links.default_expiry())
    client.force_login(developer)
    page = client.get("/deliverables/mine/").content.decode()
    section = page[page.index('id="status-links"') :]
    assert "slow review" in section
    assert "4 links in your status mails still work" in section
    client.post("/deliverables/mine/status-links/revoke/")
    assert not StatusLink.objects.filter(revoked_at__isnull=True).exists()
    after = client.get("/deliverables/mine/")
    assert "No link from a status mail works at the moment." in after.content.decode()
    assert "Revoked 4 status links." in after.content.decode()


def test_the_csv_carries_the_newest_health_line_and_date(client, developer, rucio, mid_june_2011):
    factories.make_deliverable("Silent one", period="June")
    status.report_status(
        deliverable=rucio, by=developer, health="at_risk", line="=cmd|' /C calc'!A0"
    )
    rows = list(csv.DictReader(io.StringIO(client.get("/roadmap/export.csv").content.decode())))
    by_title = {row["title"]: row for row in rows}
    assert by_title["Rucio 1.0"]["health"] == "At risk"
    assert by_title["Rucio 1.0"]["status_line"] == "'=cmd|' /C calc'!A0"  # never a formula
    assert by_title["Rucio 1.0"]["reported_on"] == "2011-06-15"
    assert (by_title["Silent one"]["health"], by_title["Silent one"]["reported_on"]) == ("", "")


def test_the_audit_trail_shows_status_reports(client, manager, developer, rucio):
    status.report_status(deliverable=rucio, by=developer, health="off_track", line="blocked")
    client.force_login(manager)
    page = client.get("/audit/", {"type": "reports"}).content.decode()
    assert "status reported" in page
    assert "Off track" in page
    assert "blocked" in page
    assert "Rucio 1.0" in page
    assert "Bob Developer" in page
    everything = client.get("/audit/").content.decode()
    assert "status reported" in everything
