"""/deliverables/<id>/: the card, its facts, notes, task force and the whole history."""

import datetime

import pytest
from django.utils.html import format_html

from deliverables import actions
from deliverables.views import deliverable as deliverable_views
from tests import factories
from tests.deliverables.conftest import period

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(roadmap, developer):
    return factories.make_deliverable(
        "ToA migration to AGIS",
        period="Summer",
        owners=(developer,),
        task_force=factories.make_task_force("AGIS integration"),
        notes="Needs the AGIS schema.\nAsk Alessandro.",
        deadline=datetime.date(2011, 10, 1),
        lead_time_days=30,
    )


def test_the_page_shows_history_notes_and_task_force(client, roadmap, item, developer, manager):
    actions.set_status(item, status="in_progress", by=developer, version=1)
    actions.move_to_period(
        item,
        period=period(roadmap, "Fall"),
        by=developer,
        version=2,
        reason="waiting for AGIS schema",
    )
    page = client.get(f"/deliverables/{item.pk}/").content.decode()
    assert "<h1>ToA migration to AGIS" in page
    assert '<a href="/taskforces/agis-integration/">AGIS integration</a>' in page
    assert "Needs the AGIS schema.<br>Ask Alessandro." in page
    assert "Start by</dt><dd>1 Sep 2011" in page
    rows = page.split('<table class="history">')[1]
    assert rows.index("Created into Summer") < rows.index("Planned → In progress")
    assert rows.index("Planned → In progress") < rows.index("Moved Summer → Fall")
    assert "waiting for AGIS schema" in rows
    assert '<span class="badge danger">slip</span>' in rows
    assert "Bob Developer" in rows


def test_a_carried_over_item_links_both_ways(client, roadmap, item, manager):
    successor = actions.carry_over(roadmap, name="PanDA+Prodsys", year=2012, by=manager)
    carried = successor.deliverables.get()
    new_page = client.get(f"/deliverables/{carried.pk}/").content.decode()
    assert f'<a href="/deliverables/{item.pk}/">PanDA+Prodsys 2011</a>' in new_page
    assert "Carried over into Summer" in new_page
    old_page = client.get(f"/deliverables/{item.pk}/").content.decode()
    assert f'<a href="/deliverables/{carried.pk}/">PanDA+Prodsys 2012</a>' in old_page


def test_a_deleted_item_is_gone_for_most_and_restorable_by_managers(
    client, item, manager, developer
):
    client.force_login(manager)
    response = client.post(
        f"/deliverables/{item.pk}/delete/", {"version": 1, "reason": "duplicate"}, follow=True
    )
    assert "taken off the roadmap" in response.content.decode()
    assert "Restore it" in response.content.decode()
    client.force_login(developer)
    assert client.get(f"/deliverables/{item.pk}/").status_code == 404
    assert "ToA migration" not in client.get("/deliverables/mine/").content.decode()
    client.force_login(manager)
    response = client.post(f"/deliverables/{item.pk}/restore/", {"version": 2}, follow=True)
    assert "is back on the roadmap" in response.content.decode()
    item.refresh_from_db()
    assert item.deleted_at is None


def test_other_apps_can_add_panels_without_this_app_knowing_them(client, item, monkeypatch):
    monkeypatch.setattr(
        deliverable_views,
        "DELIVERABLE_PANELS",
        [lambda request, d: format_html("<section><h2>Discussed in</h2>{}</section>", d.pk)],
    )
    page = client.get(f"/deliverables/{item.pk}/").content.decode()
    assert f"<section><h2>Discussed in</h2>{item.pk}</section>" in page
