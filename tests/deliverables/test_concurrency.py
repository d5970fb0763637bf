"""Deliverables and roadmaps under concurrent edits: real actors racing on PostgreSQL, and what
a stale form gets back over HTTP (409, the fresh state, the user's input kept)."""

import pytest

from adcmeet.core.versioning import Conflict
from deliverables import actions
from deliverables.importer import import_roadmap_outline
from deliverables.models import Deliverable, DeliverableChange, Roadmap
from tests import factories
from tests.concurrency import errors, race, winners
from tests.deliverables.conftest import period

HTMX = {"HTTP_HX_REQUEST": "true"}


def _fresh(item: Deliverable) -> Deliverable:
    return Deliverable.objects.select_related("period").get(pk=item.pk)


@pytest.mark.django_db(transaction=True)
def test_of_two_status_changes_from_one_version_exactly_one_is_recorded(
    roadmap, developer, manager
):
    item = factories.make_deliverable(owners=(developer,))

    def done():
        return actions.set_status(_fresh(item), status="done", by=developer, version=1)

    def at_risk():
        return actions.set_status(_fresh(item), status="at_risk", by=manager, version=1)

    outcomes = race(done, at_risk)
    [change] = winners(outcomes)
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    item.refresh_from_db()
    assert (item.status, item.version) == (change.to_status, 2)
    assert item.changes.filter(kind="status").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_move_and_a_status_change_from_one_version_never_both_apply(roadmap, developer, manager):
    item = factories.make_deliverable(period="Summer", owners=(developer,))
    fall = period(roadmap, "Fall")

    def move():
        return actions.move_to_period(
            _fresh(item), period=fall, by=developer, version=1, reason="waiting for AGIS"
        )

    def drop():
        return actions.set_status(_fresh(item), status="dropped", by=manager, version=1)

    outcomes = race(move, drop)
    assert len(winners(outcomes)) == 1
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    item.refresh_from_db()
    moved, dropped = item.period_id == fall.pk, item.status == "dropped"
    assert moved != dropped
    assert item.version == 2


@pytest.mark.django_db(transaction=True)
def test_two_managers_advancing_a_roadmap_at_once_make_one_step(roadmap, manager, convener):
    def step(by):
        return lambda: actions.advance_roadmap(
            Roadmap.objects.get(pk=roadmap.pk), to_state="draft", by=by, version=1
        )

    outcomes = race(step(manager), step(convener))
    assert len(winners(outcomes)) == 1
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    roadmap.refresh_from_db()
    assert (roadmap.state, roadmap.version) == ("draft", 2)


@pytest.mark.django_db(transaction=True)
def test_an_agreement_never_freezes_a_plan_an_import_changed_meanwhile(roadmap, manager):
    actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=1)
    factories.make_deliverable("new looping job killer in pilot")
    seen = roadmap.version

    def agree():
        return actions.agree_roadmap(Roadmap.objects.get(pk=roadmap.pk), by=manager, version=seen)

    def import_more():
        return import_roadmap_outline(
            "- June\n  - PanDA: LFC registration in the server\n",
            roadmap=Roadmap.objects.get(pk=roadmap.pk),
            by=manager,
            version=seen,
        )

    outcomes = race(agree, import_more)
    assert len(winners(outcomes)) == 1
    assert [type(e) for e in errors(outcomes)] == [Conflict]
    roadmap.refresh_from_db()
    titles = set(roadmap.deliverables.values_list("title", flat=True))
    if roadmap.is_agreed:
        assert titles == {"new looping job killer in pilot"}
        assert [entry["title"] for entry in roadmap.baseline] == sorted(titles)
    else:
        assert titles == {"new looping job killer in pilot", "LFC registration in the server"}


# --- over HTTP ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_move_answers_409_with_the_fresh_card_and_the_move_as_typed(
    client, roadmap, developer, manager, mid_june_2011
):
    item = factories.make_deliverable("ToA migration to AGIS", period="Summer", owners=(developer,))
    actions.set_status(item, status="at_risk", by=manager, version=1)
    fall = period(roadmap, "Fall")
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{item.pk}/move/",
        {"period": fall.pk, "reason": "schema not ready", "version": 1},
        **HTMX,
    )
    assert response.status_code == 409
    card = response.content.decode()
    assert "Someone else changed this while you were editing it" in card
    assert '<span class="state state-at_risk">At risk</span>' in card
    assert 'name="version" value="2"' in card
    assert 'value="schema not ready"' in card
    assert f'<option value="{fall.pk}" selected>Fall</option>' in card
    item.refresh_from_db()
    assert item.period.label == "Summer"
    assert not item.changes.filter(kind="move").exists()


@pytest.mark.django_db
def test_a_stale_move_without_javascript_gets_the_page_with_the_same_answer(
    client, roadmap, developer, manager, mid_june_2011
):
    item = factories.make_deliverable("ToA migration to AGIS", period="Summer", owners=(developer,))
    actions.set_status(item, status="in_progress", by=manager, version=1)
    client.force_login(developer)
    response = client.post(
        f"/deliverables/{item.pk}/move/",
        {"period": period(roadmap, "Fall").pk, "reason": "schema not ready", "version": 1},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "<html" in page
    assert 'value="schema not ready"' in page
    assert "In progress" in page


@pytest.mark.django_db
def test_a_stale_agree_button_answers_409_and_freezes_nothing(client, roadmap, manager):
    actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=1)
    client.force_login(manager)
    response = client.post(f"/roadmaps/{roadmap.pk}/state/", {"state": "agreed", "version": 1})
    assert response.status_code == 409
    assert "Someone else changed this" in response.content.decode()
    roadmap.refresh_from_db()
    assert (roadmap.state, roadmap.baseline) == ("draft", None)


@pytest.mark.django_db
def test_confirming_an_import_after_the_roadmap_changed_previews_it_again(client, roadmap, manager):
    outline = "- June\n  - PanDA: LFC registration in the server\n"
    client.force_login(manager)
    preview = client.post(f"/roadmaps/{roadmap.pk}/import/", {"text": outline, "action": "preview"})
    form = preview.context["form"]
    # Meanwhile another manager imports the same outline.
    import_roadmap_outline(outline, roadmap=Roadmap.objects.get(pk=roadmap.pk), by=manager)
    response = client.post(
        f"/roadmaps/{roadmap.pk}/import/",
        {
            "text": outline,
            "action": "confirm",
            "previewed": form.initial["previewed"],
            "version": form.initial["version"],
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this" in page
    assert "This outline adds nothing" in page  # previewed again, against the roadmap as it is
    assert roadmap.deliverables.count() == 1
    assert DeliverableChange.objects.filter(kind="created").count() == 1
