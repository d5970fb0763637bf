"""The roadmap page offers each viewer who may take deliverables the open ones nobody owns,
with "I'll take it", in its per-viewer header: the board below stays one cached copy for
everybody, and shows the new owner as soon as one is taken."""

import re

import pytest
from django.db import reset_queries
from django.utils import timezone

from deliverables.models import Deliverable
from tests.factories import make_deliverable, make_roadmap

pytestmark = pytest.mark.django_db


@pytest.fixture
def roadmap(developer):
    roadmap = make_roadmap(timezone.localdate().year)
    make_deliverable("Dashboard based task monitor", roadmap=roadmap, period="Fall")
    make_deliverable("Owned already", roadmap=roadmap, period="Fall", owners=(developer,))
    make_deliverable(
        "Finished", roadmap=roadmap, period="Fall", status="done", done_on=timezone.localdate()
    )
    gone = make_deliverable("Taken off", roadmap=roadmap, period="Fall")
    Deliverable.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    return roadmap


def offered(page: str) -> list[str]:
    """The titles the page's "I'll take it" list offers."""
    start = page.find('id="takeable"')
    if start < 0:
        return []
    block = page[start : page.index("</details>", start)]
    return re.findall(r'id="takeable-\d+-title">([^<]+)</a>', block)


def test_a_developer_is_offered_the_open_unowned_deliverables_only(client, roadmap, developer):
    client.force_login(developer)
    page = client.get("/roadmap/").content.decode()
    assert offered(page) == ["Dashboard based task monitor"]
    assert "Unowned deliverables you could take (1)" in page


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_nobody_without_a_role_is_offered_anything(client, roadmap, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    page = client.get("/roadmap/").content.decode()
    assert offered(page) == []
    assert "I\N{RIGHT SINGLE QUOTATION MARK}ll take it" not in page


def test_taking_from_the_roadmap_returns_to_it_and_the_cached_board_shows_the_owner(
    client, roadmap, developer, convener
):
    item = Deliverable.objects.get(title="Dashboard based task monitor")
    client.force_login(convener)
    client.get("/roadmap/")  # the board is cached now, unowned
    client.force_login(developer)

    response = client.post(
        f"/deliverables/{item.pk}/take/", {"version": item.version, "next": "/roadmap/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/roadmap/"
    page = client.get("/roadmap/").content.decode()
    assert "You own “Dashboard based task monitor” now." in page
    assert offered(page) == []
    tile = page[page.index(f'id="tile-{item.pk}"') :]
    tile = tile[: tile.index("</li>")]
    assert "Bob Developer" in tile
    assert "No owner: take or assign" not in tile
    assert list(item.owners.all()) == [developer]


def test_the_offer_costs_the_same_queries_however_many_are_unowned(
    client, roadmap, developer, django_assert_max_num_queries
):
    client.force_login(developer)
    client.get("/roadmap/")
    # Each request empties the query log as it starts: counted from an empty log, or the
    # count is a difference of two unrelated lengths.
    reset_queries()
    with django_assert_max_num_queries(25) as few:
        client.get("/roadmap/")
    before = len(few)  # read now: the next request empties the log it reads
    assert before > 0
    for n in range(30):
        make_deliverable(f"Unowned {n}", roadmap=roadmap, period="Fall")
    client.get("/roadmap/")  # the board changed: rendered and cached again
    reset_queries()
    with django_assert_max_num_queries(before):
        page = client.get("/roadmap/").content.decode()
    assert len(offered(page)) == 31
