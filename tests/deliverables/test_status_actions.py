"""Status reports as history: who may report, what "done" changes, the line's limits, the
newest report per deliverable, and asking an owner once a day."""

import datetime

import pytest

from adcmeet.core.versioning import Conflict, Refused
from deliverables import status_links
from deliverables.actions import status
from deliverables.models import StatusLink, StatusRequest
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_owner_reports_a_health_and_a_line_as_history(roadmap, developer):
    item = factories.make_deliverable("Rucio 1.0", owners=(developer,))
    change = status.report_status(
        deliverable=item, by=developer, health="at_risk", line="  waiting for the\r\nschema  "
    )
    assert (change.kind, change.health, change.line, change.by) == (
        "report",
        "at_risk",
        "waiting for the schema",
        developer,
    )
    item.refresh_from_db()
    assert item.status == "planned"  # only "done" changes the deliverable itself
    assert change.summary == "Status: At risk — waiting for the schema"


def test_reporting_done_marks_the_deliverable_done(roadmap, developer, mid_june_2011):
    item = factories.make_deliverable("Rucio 1.0", owners=(developer,))
    status.report_status(deliverable=item, by=developer, health="done", line="tagged 1.0.0")
    item.refresh_from_db()
    assert (item.status, item.done_on, item.version) == ("done", mid_june_2011, 2)
    kinds = list(item.changes.values_list("kind", "to_status", "health"))
    assert kinds[-2:] == [("status", "done", ""), ("report", "", "done")]


def test_reporting_done_with_a_stale_version_changes_nothing(roadmap, developer, manager):
    item = factories.make_deliverable("Rucio 1.0", owners=(developer,))
    status.report_status(deliverable=item, by=manager, health="done", version=1)
    with pytest.raises(Conflict):
        status.report_status(deliverable=item, by=developer, health="done", version=1)
    assert item.changes.filter(kind="report").count() == 1


def test_conveners_and_managers_report_others_may_not(roadmap, developer, convener, manager):
    item = factories.make_deliverable("Rucio 1.0")
    status.report_status(deliverable=item, by=convener, health="on_track")
    status.report_status(deliverable=item, by=manager, health="off_track")
    with pytest.raises(status.NotAllowed):
        status.report_status(deliverable=item, by=developer, health="on_track")
    with pytest.raises(status.NotAllowed):
        status.report_status(deliverable=item, by=None, health="on_track")
    assert item.changes.filter(kind="report").count() == 2


def test_an_unknown_health_an_invisible_or_too_long_line_is_refused(roadmap, developer):
    item = factories.make_deliverable(owners=(developer,))
    with pytest.raises(Refused, match="on track, at risk"):
        status.report_status(deliverable=item, by=developer, health="fine")
    with pytest.raises(Refused, match="no visible characters"):
        status.report_status(deliverable=item, by=developer, health="on_track", line="\u200b")
    with pytest.raises(Refused, match="at most 300"):
        status.report_status(deliverable=item, by=developer, health="on_track", line="x" * 301)
    status.report_status(deliverable=item, by=developer, health="on_track", line="x" * 300)
    assert item.changes.filter(kind="report").count() == 1


def test_a_dropped_or_deleted_deliverable_takes_no_report(roadmap, manager):
    dropped = factories.make_deliverable("Old plan", status="dropped")
    with pytest.raises(Refused, match="dropped"):
        status.report_status(deliverable=dropped, by=manager, health="on_track")
    gone = factories.make_deliverable(
        "Gone", deleted_at=datetime.datetime(2011, 5, 1, tzinfo=datetime.UTC)
    )
    with pytest.raises(Refused):
        status.report_status(deliverable=gone, by=manager, health="on_track")


def test_latest_reports_takes_the_newest_per_deliverable_in_one_query(
    roadmap, manager, django_assert_num_queries
):
    first = factories.make_deliverable("Rucio 1.0")
    second = factories.make_deliverable("PanDA pilot 2")
    silent = factories.make_deliverable("AGIS schema")
    status.report_status(deliverable=first, by=manager, health="at_risk")
    newest = status.report_status(deliverable=first, by=manager, health="on_track", line="ok")
    other = status.report_status(deliverable=second, by=manager, health="off_track")
    with django_assert_num_queries(1):
        latest = status.latest_reports([first, second, silent])
    assert latest == {first.pk: newest, second.pk: other}
    assert status.latest_reports([first], since=newest.at + datetime.timedelta(seconds=1)) == {}
    assert set(status.latest_reports(type(first).objects.all())) == {first.pk, second.pk}


def test_an_owner_is_asked_once_a_day_and_a_newer_request_revokes_older_links(roadmap, developer):
    item = factories.make_deliverable("Rucio 1.0", owners=(developer,))
    monday = datetime.date(2011, 6, 13)
    first = status.request_status(owner=developer, for_date=monday, deliverables=[item])
    assert first is not None
    assert list(first.deliverables.all()) == [item]
    assert status.request_status(owner=developer, for_date=monday, deliverables=[item]) is None
    assert status.request_status(owner=developer, for_date=monday, deliverables=[]) is None
    status_links.issue_links(first, expires_at=status_links.default_expiry())

    later = status.request_status(
        owner=developer, for_date=monday + datetime.timedelta(days=7), deliverables=[item]
    )
    assert later is not None
    assert StatusRequest.objects.filter(owner=developer).count() == 2
    assert not StatusLink.objects.filter(request=first, revoked_at__isnull=True).exists()


def test_a_newer_request_leaves_the_links_of_items_it_does_not_list(roadmap, developer):
    """Asked on Tuesday about A (Wednesday's meeting) and on Wednesday about B (Thursday's):
    the Tuesday mail's links for A still work on Wednesday morning."""
    a = factories.make_deliverable("Rucio 1.0", owners=(developer,))
    b = factories.make_deliverable("AGIS 2", owners=(developer,))
    wednesday = datetime.date(2011, 6, 15)
    first = status.request_status(owner=developer, for_date=wednesday, deliverables=[a])
    status_links.issue_links(first, expires_at=status_links.default_expiry())
    second = status.request_status(
        owner=developer, for_date=wednesday + datetime.timedelta(days=1), deliverables=[b]
    )
    assert second is not None
    assert StatusLink.objects.filter(request=first, revoked_at__isnull=True).count() == len(
        StatusLink.Purpose.values
    )
