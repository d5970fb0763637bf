"""Who may change what on the roadmap: every mutating view, every persona."""

import pytest

from deliverables.models import Deliverable, Roadmap
from tests import factories
from tests.deliverables.conftest import period

pytestmark = pytest.mark.django_db

ROADMAP_TEXT = "- May\n  - Dashboard based task monitor\n"


@pytest.fixture
def item(roadmap, developer):
    return factories.make_deliverable("new looping job killer", period="April", owners=(developer,))


@pytest.fixture
def personas(convener, developer, manager, outsider):
    other_developer = factories.make_user("erin", roles=("Developer",))
    return {
        "anonymous": None,
        "outsider": outsider,
        "developer (not an owner)": other_developer,
        "developer (owner)": developer,
        "convener": convener,
        "manager": manager,
    }


def as_(client, user):
    if user is not None:
        client.force_login(user)
    return client


def outcome(response) -> str:
    if response.status_code == 302 and "/login/" in response["Location"]:
        return "login"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code in (200, 302), response.status_code
    return "allowed"


EDIT = {
    "anonymous": "login",
    "outsider": "forbidden",
    "developer (not an owner)": "forbidden",
    "developer (owner)": "allowed",
    "convener": "allowed",
    "manager": "allowed",
}
DELETE = EDIT | {"developer (owner)": "forbidden"}
MANAGE = DELETE | {"convener": "forbidden"}


@pytest.mark.parametrize("who", list(EDIT))
def test_status_changes_belong_to_owners_conveners_and_managers(client, item, personas, who):
    response = as_(client, personas[who]).post(
        f"/deliverables/{item.pk}/status/", {"status": "done", "version": 1}
    )
    assert outcome(response) == EDIT[who]
    item.refresh_from_db()
    assert (item.status == "done") == (EDIT[who] == "allowed")


@pytest.mark.parametrize("who", list(EDIT))
def test_moves_belong_to_owners_conveners_and_managers(client, roadmap, item, personas, who):
    response = as_(client, personas[who]).post(
        f"/deliverables/{item.pk}/move/",
        {"period": period(roadmap, "May").pk, "reason": "pilot release late", "version": 1},
    )
    assert outcome(response) == EDIT[who]
    item.refresh_from_db()
    assert (item.period.label == "May") == (EDIT[who] == "allowed")


@pytest.mark.parametrize("who", list(DELETE))
def test_taking_off_the_roadmap_belongs_to_conveners_and_managers(client, item, personas, who):
    response = as_(client, personas[who]).post(
        f"/deliverables/{item.pk}/delete/", {"version": 1, "reason": "duplicate"}
    )
    assert outcome(response) == DELETE[who]
    assert Deliverable.objects.live().exists() == (DELETE[who] != "allowed")


@pytest.mark.parametrize("who", list(DELETE))
def test_restoring_belongs_to_conveners_and_managers(client, item, manager, personas, who):
    from deliverables import actions

    actions.delete_deliverable(item, by=manager, version=1)
    response = as_(client, personas[who]).post(f"/deliverables/{item.pk}/restore/", {"version": 2})
    assert outcome(response) == DELETE[who]
    assert Deliverable.objects.live().exists() == (DELETE[who] == "allowed")


@pytest.mark.parametrize("who", list(MANAGE))
def test_only_managers_move_a_roadmap_through_its_lifecycle(client, roadmap, personas, who):
    response = as_(client, personas[who]).post(
        f"/roadmaps/{roadmap.pk}/state/", {"state": "draft", "version": roadmap.version}
    )
    assert outcome(response) == MANAGE[who]
    roadmap.refresh_from_db()
    assert (roadmap.state == "draft") == (MANAGE[who] == "allowed")


@pytest.mark.parametrize("who", list(MANAGE))
def test_only_managers_carry_a_roadmap_over(client, roadmap, personas, who):
    user = personas[who]
    assert outcome(as_(client, user).get(f"/roadmaps/{roadmap.pk}/carry-over/")) == MANAGE[who]
    response = client.post(
        f"/roadmaps/{roadmap.pk}/carry-over/", {"name": "PanDA+Prodsys", "year": 2012}
    )
    assert outcome(response) == MANAGE[who]
    assert Roadmap.objects.filter(year=2012).exists() == (MANAGE[who] == "allowed")


@pytest.mark.parametrize("who", list(MANAGE))
def test_only_managers_import_outlines(client, roadmap, personas, who):
    user = personas[who]
    assert outcome(as_(client, user).get(f"/roadmaps/{roadmap.pk}/import/")) == MANAGE[who]
    response = client.post(
        f"/roadmaps/{roadmap.pk}/import/", {"text": ROADMAP_TEXT, "action": "preview"}
    )
    assert outcome(response) == MANAGE[who]
    assert not Deliverable.objects.exists()  # a preview saves nothing, whoever asks


@pytest.mark.parametrize("who", list(MANAGE))
def test_only_managers_start_new_roadmaps(client, personas, who):
    user = personas[who]
    assert outcome(as_(client, user).get("/roadmaps/new/")) == MANAGE[who]
    response = client.post("/roadmaps/new/", {"name": "Rucio", "year": 2012})
    assert outcome(response) == MANAGE[who]
    assert Roadmap.objects.filter(name="Rucio").exists() == (MANAGE[who] == "allowed")


@pytest.mark.parametrize("who", list(EDIT))
def test_everyone_reads_the_roadmap_and_its_deliverables(client, roadmap, item, personas, who):
    client = as_(client, personas[who])
    for url in (
        "/roadmap/",
        f"/roadmaps/{roadmap.pk}/",
        f"/deliverables/{item.pk}/",
        "/roadmap/export.csv",
        "/roadmap/export.md",
        f"/roadmaps/{roadmap.pk}/periods/{item.period_id}/",
    ):
        assert client.get(url).status_code == 200, url


def test_read_only_visitors_see_no_buttons(client, item, outsider):
    client.force_login(outsider)
    page = client.get(f"/deliverables/{item.pk}/").content.decode()
    assert "Mark done" not in page
    assert "Move to" not in page
    assert "Take off the roadmap" not in page


def test_my_deliverables_needs_a_login(client):
    response = client.get("/deliverables/mine/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_mutating_views_refuse_get(client, item, manager):
    client.force_login(manager)
    for url in (f"/deliverables/{item.pk}/status/", f"/deliverables/{item.pk}/move/"):
        assert client.get(url).status_code == 405
