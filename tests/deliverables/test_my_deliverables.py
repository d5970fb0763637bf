"""/deliverables/mine/: one click to mark, a reason to move, the card updates in place."""

import pytest

from deliverables import actions
from taskforces.models import TaskForce
from tests import factories
from tests.deliverables.conftest import period

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mine(roadmap, developer):
    return factories.make_deliverable(
        "ToA migration to AGIS", period="Summer", owners=(developer,), tentative=True
    )


def test_a_developer_sees_their_open_deliverables_and_not_others(client, roadmap, developer, mine):
    factories.make_deliverable("someone else's", period="May")
    factories.make_deliverable(
        "finished",
        period="April",
        owners=(developer,),
        status="done",
        done_on=roadmap.periods.first().end,
    )
    client.force_login(developer)
    page = client.get("/deliverables/mine/").content.decode()
    assert "ToA migration to AGIS" in page
    assert "someone else" not in page
    assert "Open (1)" in page
    assert "Done and dropped (1)" in page
    assert 'title="Tentative' in page
    assert "Mark done" in page


def test_one_click_marks_done_and_the_card_comes_back_in_place(client, developer, mine):
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{mine.pk}/status/", {"status": "done", "version": 1}, **HTMX
    )
    assert response.status_code == 200
    card = response.content.decode()
    assert card.lstrip().startswith(
        f'<article class="dcard status-done" id="deliverable-{mine.pk}"'
    )
    assert "<html" not in card
    assert "is now done" in card
    assert 'name="version" value="2"' in card
    mine.refresh_from_db()
    assert mine.status == "done"
    assert mine.done_on is not None


@pytest.mark.parametrize(
    ("status", "label"), [("in_progress", "In progress"), ("at_risk", "At risk")]
)
def test_in_progress_and_at_risk_are_one_click_too(client, developer, mine, status, label):
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{mine.pk}/status/", {"status": status, "version": 1}, **HTMX
    )
    assert f'<span class="state state-{status}">{label}</span>' in response.content.decode()


def test_without_javascript_a_click_redirects_back_with_a_message(client, developer, mine):
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{mine.pk}/status/",
        {"status": "at_risk", "version": 1, "next": "/deliverables/mine/"},
        follow=True,
    )
    assert response.redirect_chain == [("/deliverables/mine/", 302)]
    assert "“ToA migration to AGIS” is now at risk." in response.content.decode()


def test_an_outside_next_address_is_not_followed(client, developer, mine):
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{mine.pk}/status/",
        {"status": "at_risk", "version": 1, "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/deliverables/{mine.pk}/"


def test_moving_with_a_reason_lands_in_the_history(client, roadmap, developer, mine, mid_june_2011):
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{mine.pk}/move/",
        {"period": period(roadmap, "Fall").pk, "reason": "waiting for AGIS schema", "version": 1},
        **HTMX,
    )
    assert response.status_code == 200
    card = response.content.decode()
    assert "moved Summer → Fall" in card
    assert "Slipped 1\N{MULTIPLICATION SIGN} since" in card
    change = mine.changes.get(kind="move")
    assert (change.reason, change.is_slip, change.by) == (
        "waiting for AGIS schema",
        True,
        developer,
    )
    history = client.get(f"/deliverables/{mine.pk}/").content.decode()
    assert "Moved Summer → Fall" in history
    assert "waiting for AGIS schema" in history


def test_a_move_without_a_reason_is_refused_and_keeps_the_choice(client, roadmap, developer, mine):
    client.force_login(developer)
    fall = period(roadmap, "Fall")
    response = client.post(
        f"/deliverables/{mine.pk}/move/", {"period": fall.pk, "reason": " ", "version": 1}, **HTMX
    )
    assert response.status_code == 422
    card = response.content.decode()
    assert "Say why it moves" in card
    assert f'<option value="{fall.pk}" selected>Fall</option>' in card
    mine.refresh_from_db()
    assert mine.period.label == "Summer"
    assert not mine.changes.filter(kind="move").exists()


def test_without_javascript_a_refused_move_shows_the_page_with_the_text_kept(
    client, roadmap, developer, mine
):
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{mine.pk}/move/",
        {"period": "999999", "reason": "waiting for AGIS schema", "version": 1},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "<html" in page
    assert 'value="waiting for AGIS schema"' in page
    assert "Select a valid choice" in page


def test_a_stale_card_gets_409_and_the_fresh_state(client, roadmap, developer, manager, mine):
    actions.set_status(mine, status="at_risk", by=manager, version=1)
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{mine.pk}/status/", {"status": "done", "version": 1}, **HTMX
    )
    assert response.status_code == 409
    card = response.content.decode()
    assert "Someone else changed this while you were editing it" in card
    assert '<span class="state state-at_risk">At risk</span>' in card
    assert 'name="version" value="2"' in card
    mine.refresh_from_db()
    assert mine.status == "at_risk"


def test_a_stale_move_is_refused_too(client, roadmap, developer, manager, mine):
    actions.set_status(mine, status="in_progress", by=manager, version=1)
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{mine.pk}/move/",
        {"period": period(roadmap, "Fall").pk, "reason": "late", "version": 1},
        **HTMX,
    )
    assert response.status_code == 409
    mine.refresh_from_db()
    assert mine.period.label == "Summer"


def _owned(developer, roadmap, n, *, start=0):
    project = factories.make_project("PanDA")
    task_force = TaskForce.objects.first() or factories.make_task_force("Cloud computing")
    labels = ["April", "May", "June", "Summer", "Fall", "Later"]
    for i in range(start, start + n):
        item = factories.make_deliverable(
            f"deliverable {i}",
            roadmap=roadmap,
            period=labels[i % len(labels)],
            owners=(developer,),
            project=project,
            task_force=task_force,
        )
        if i % 3 == 0 and item.period.label != "Later":
            actions.move_to_period(
                item, period=period(roadmap, "Later"), by=developer, version=1, reason="later"
            )


def test_the_page_costs_the_same_queries_for_5_or_50_deliverables(
    client, roadmap, developer, django_assert_max_num_queries
):
    client.force_login(developer)
    _owned(developer, roadmap, 5)
    with django_assert_max_num_queries(12) as small:
        assert client.get("/deliverables/mine/").status_code == 200
    _owned(developer, roadmap, 45, start=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/deliverables/mine/")
    assert response.content.decode().count('class="dcard ') == 50
