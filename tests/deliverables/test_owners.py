"""Owners are set where people work: a convener or a manager assigns them on the card (the
deliverable's page, htmx or not), a developer takes an unowned item; each change is history."""

import datetime

import pytest

from adcmeet.core import access
from deliverables.models import DeliverableChange
from tests import factories


@pytest.fixture
def item(roadmap):
    return factories.make_deliverable("LFC registration in Panda server", roadmap=roadmap)


def test_a_convener_assigns_owners_on_the_deliverable_page(client, convener, developer, item):
    client.force_login(convener)
    page = client.get(f"/deliverables/{item.pk}/").content.decode()
    assert "Change owners" in page
    assert f'value="{developer.pk}"' in page
    response = client.post(
        f"/deliverables/{item.pk}/owners/",
        {"owners": [developer.pk], "version": item.version},
        follow=True,
    )
    assert response.status_code == 200
    assert "is now owned by Bob Developer" in response.content.decode()
    assert list(item.owners.all()) == [developer]
    change = item.changes.get(kind=DeliverableChange.Kind.OWNERS)
    assert change.by == convener
    assert change.summary.endswith("→ Bob Developer")


def test_a_manager_assigns_owners_with_htmx_and_gets_the_fresh_card(
    client, manager, developer, convener, item
):
    client.force_login(manager)
    response = client.post(
        f"/deliverables/{item.pk}/owners/",
        {"owners": [developer.pk, convener.pk], "version": item.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="deliverable-{item.pk}"' in html
    assert "Owners: Alice Convener, Bob Developer" in html
    assert "<html" not in html  # only the card is swapped


def test_assigning_owners_against_a_stale_page_is_refused_and_changes_nothing(
    client, manager, developer, item
):
    client.force_login(manager)
    stale = item.version
    client.post(f"/deliverables/{item.pk}/owners/", {"owners": [developer.pk], "version": stale})
    response = client.post(f"/deliverables/{item.pk}/owners/", {"owners": [], "version": stale})
    assert response.status_code == 409
    assert list(item.owners.all()) == [developer]


def test_a_developer_takes_an_unowned_item(client, developer, item):
    client.force_login(developer)
    page = client.get(f"/deliverables/{item.pk}/").content.decode()
    assert "I\N{RIGHT SINGLE QUOTATION MARK}ll take it" in page
    assert "Change owners" not in page
    response = client.post(f"/deliverables/{item.pk}/take/", {"version": item.version}, follow=True)
    assert "You own “LFC registration in Panda server” now." in response.content.decode()
    assert list(item.owners.all()) == [developer]
    assert item.changes.get(kind=DeliverableChange.Kind.OWNERS).by == developer
    assert (
        "I\N{RIGHT SINGLE QUOTATION MARK}ll take it"
        not in client.get(f"/deliverables/{item.pk}/").content.decode()
    )


def test_an_item_somebody_owns_cannot_be_taken(client, developer, manager, roadmap):
    owned = factories.make_deliverable("Dashboard task monitor", roadmap=roadmap, owners=(manager,))
    client.force_login(developer)
    assert (
        "I\N{RIGHT SINGLE QUOTATION MARK}ll take it"
        not in client.get(f"/deliverables/{owned.pk}/").content.decode()
    )
    response = client.post(f"/deliverables/{owned.pk}/take/", {"version": owned.version})
    assert response.status_code == 422
    assert "Carol Manager took it already." in response.content.decode()
    assert list(owned.owners.all()) == [manager]


def test_a_done_item_cannot_be_taken(client, developer, roadmap):
    done = factories.make_deliverable(
        "PD2P under test", roadmap=roadmap, status="done", done_on=datetime.date(2011, 4, 30)
    )
    client.force_login(developer)
    response = client.post(f"/deliverables/{done.pk}/take/", {"version": done.version})
    assert response.status_code == 422
    assert not done.owners.exists()


def test_a_developer_cannot_assign_owners(client, developer, manager, item):
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{item.pk}/owners/", {"owners": [manager.pk], "version": item.version}
    )
    assert response.status_code == 403
    assert "Only conveners and managers assign" in response.content.decode()
    assert not item.owners.exists()


def test_an_outsider_can_neither_take_nor_assign(client, outsider, item):
    client.force_login(outsider)
    take = client.post(f"/deliverables/{item.pk}/take/", {"version": item.version})
    assign = client.post(
        f"/deliverables/{item.pk}/owners/", {"owners": [outsider.pk], "version": item.version}
    )
    assert take.status_code == 403
    assert assign.status_code == 403
    assert not item.owners.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, item):
    response = client.post(f"/deliverables/{item.pk}/take/", {"version": item.version})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_who_may_assign_and_take(convener, manager, developer, outsider, item):
    assert [
        access.can_assign_owners(u, item) for u in (convener, manager, developer, outsider)
    ] == [
        True,
        True,
        False,
        False,
    ]
    assert [
        access.can_take_deliverable(u, item) for u in (convener, manager, developer, outsider)
    ] == [
        True,
        True,
        True,
        False,
    ]
