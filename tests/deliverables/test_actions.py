"""Workflows: status, moves, optimistic concurrency, soft delete, lifecycle and carry-over."""

import datetime

import pytest

from adcmeet.core.versioning import Conflict, Refused
from deliverables import actions
from deliverables.models import Deliverable, DeliverableChange, Period, Roadmap
from tests import factories
from tests.deliverables.conftest import period

pytestmark = pytest.mark.django_db


def test_marking_done_records_the_day_and_the_change(roadmap, developer, mid_june_2011):
    item = factories.make_deliverable(owners=(developer,))
    change = actions.set_status(item, status="done", by=developer, version=1)
    item.refresh_from_db()
    assert (item.status, item.done_on, item.version) == ("done", mid_june_2011, 2)
    assert (change.kind, change.from_status, change.to_status) == ("status", "planned", "done")
    assert change.by == developer


def test_reopening_clears_the_done_day(roadmap, developer):
    item = factories.make_deliverable(status="done", done_on=datetime.date(2011, 4, 20))
    actions.set_status(item, status="in_progress", by=developer, version=1, reason="regression")
    item.refresh_from_db()
    assert (item.status, item.done_on) == ("in_progress", None)
    assert item.changes.last().reason == "regression"


def test_the_same_status_again_or_an_unknown_one_is_refused(roadmap, developer):
    item = factories.make_deliverable(status="at_risk")
    with pytest.raises(Refused, match="already at risk"):
        actions.set_status(item, status="at_risk", by=developer, version=1)
    with pytest.raises(Refused, match="not a status"):
        actions.set_status(item, status="finished", by=developer, version=1)
    item.refresh_from_db()
    assert (item.status, item.version) == ("at_risk", 1)
    assert item.changes.count() == 1  # only "created"


def test_a_stale_version_is_refused_and_hands_back_the_fresh_state(roadmap, developer, manager):
    item = factories.make_deliverable()
    seen_by_developer = Deliverable.objects.get(pk=item.pk)
    actions.set_status(item, status="at_risk", by=manager, version=1)

    with pytest.raises(Conflict) as refused:
        actions.set_status(seen_by_developer, status="done", by=developer, version=1)
    assert refused.value.current.status == "at_risk"
    assert refused.value.current.version == 2
    item.refresh_from_db()
    assert item.status == "at_risk"
    assert not item.changes.filter(to_status="done").exists()


def test_moving_needs_a_reason_and_is_recorded_with_it(roadmap, developer):
    item = factories.make_deliverable("ToA migration to AGIS", period="Summer")
    fall = period(roadmap, "Fall")
    with pytest.raises(Refused, match="Say why"):
        actions.move_to_period(item, period=fall, by=developer, version=1, reason="   ")
    change = actions.move_to_period(
        item, period=fall, by=developer, version=1, reason=" waiting for AGIS schema "
    )
    item.refresh_from_db()
    assert item.period == fall
    assert item.version == 2
    assert change.summary == "Moved Summer → Fall"
    assert change.reason == "waiting for AGIS schema"
    assert (change.from_period.label, change.to_period.label, change.is_slip) == (
        "Summer",
        "Fall",
        True,
    )


def test_moving_to_the_same_period_or_another_roadmaps_is_refused(roadmap, developer):
    item = factories.make_deliverable(period="May")
    other = factories.make_roadmap(2012, name="Other")
    with pytest.raises(Refused, match="already in May"):
        actions.move_to_period(
            item, period=period(roadmap, "May"), by=developer, version=1, reason="x"
        )
    with pytest.raises(Refused, match="another roadmap"):
        actions.move_to_period(
            item, period=period(other, "June"), by=developer, version=1, reason="x"
        )
    item.refresh_from_db()
    assert (item.period.label, item.version) == ("May", 1)


def test_a_soft_deleted_deliverable_keeps_its_history_and_comes_back(roadmap, manager):
    item = factories.make_deliverable()
    actions.delete_deliverable(item, by=manager, version=1, reason="duplicate")
    assert not Deliverable.objects.live().exists()
    with pytest.raises(Refused, match="deleted"):
        actions.set_status(item, status="done", by=manager, version=2)
    actions.restore_deliverable(item, by=manager, version=2)
    assert Deliverable.objects.live().get() == item
    kinds = list(item.changes.values_list("kind", flat=True))
    assert kinds == ["created", "deleted", "restored"]


def test_history_is_append_only(roadmap, developer):
    item = factories.make_deliverable()
    change = actions.set_status(item, status="done", by=developer, version=1)
    change.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        change.save()
    with pytest.raises(ValueError, match="append-only"):
        change.delete()


# --- lifecycle ------------------------------------------------------------------------------


def test_a_roadmap_goes_strawman_draft_agreed_and_agreeing_freezes_the_baseline(
    roadmap, manager, developer
):
    item = factories.make_deliverable("new looping job killer in pilot", owners=(developer,))
    assert roadmap.state == "strawman"
    actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=roadmap.version)
    assert (roadmap.state, roadmap.baseline) == ("draft", None)
    actions.advance_roadmap(roadmap, to_state="agreed", by=manager, version=roadmap.version)
    assert roadmap.state == "agreed"
    assert roadmap.agreed_at is not None
    assert roadmap.baseline == [
        {
            "id": item.pk,
            "title": "new looping job killer in pilot",
            "tentative": False,
            "period_id": item.period_id,
            "period": "April",
            "status": "planned",
            "project": "",
            "owners": ["bob"],
        }
    ]
    # The baseline stays as agreed while the plan moves on.
    actions.set_status(item, status="done", by=developer, version=1)
    roadmap.refresh_from_db()
    assert roadmap.baseline[0]["status"] == "planned"


def test_steps_cannot_be_skipped_or_undone(roadmap, manager):
    with pytest.raises(Refused, match="Only a draft can be agreed"):
        actions.agree_roadmap(roadmap, by=manager, version=roadmap.version)
    actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=roadmap.version)
    with pytest.raises(Refused, match="cannot become strawman"):
        actions.advance_roadmap(roadmap, to_state="strawman", by=manager, version=roadmap.version)
    actions.agree_roadmap(roadmap, by=manager, version=roadmap.version)
    with pytest.raises(Refused, match="cannot become draft"):
        actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=roadmap.version)
    roadmap.refresh_from_db()
    assert roadmap.state == "agreed"


# --- carry-over -----------------------------------------------------------------------------


def test_carry_over_starts_a_strawman_from_the_open_items(roadmap, manager, developer):
    project = factories.make_project("PanDA")
    task_force = factories.make_task_force("Cloud computing")
    moved = factories.make_deliverable(
        "PanDA cloud site accepting jobs",
        period="Summer",
        owners=(developer,),
        project=project,
        task_force=task_force,
        tentative=True,
        notes="needs the cloud R&D",
        status="at_risk",
    )
    factories.make_deliverable(
        "looping job killer", status="done", done_on=datetime.date(2011, 4, 20)
    )
    factories.make_deliverable("dropped thing", status="dropped")
    deleted = factories.make_deliverable("duplicate")
    actions.delete_deliverable(deleted, by=manager, version=1)
    actions.move_to_period(
        moved, period=period(roadmap, "Fall"), by=developer, version=1, reason="no cloud yet"
    )

    successor = actions.carry_over(roadmap, name="PanDA+Prodsys", year=2012, by=manager)

    assert successor.state == Roadmap.State.STRAWMAN
    assert successor.carried_from == roadmap
    spans = [(p.label, p.start, p.end) for p in successor.periods.order_by("order")]
    assert spans[0] == ("April", datetime.date(2012, 4, 1), datetime.date(2012, 4, 30))
    assert spans[-1] == ("Later", datetime.date(2013, 1, 1), None)
    carried = successor.deliverables.get()
    assert carried.title == "PanDA cloud site accepting jobs"
    assert carried.carried_from == moved
    assert carried.period.label == "Fall"
    assert (carried.project, carried.task_force, carried.tentative) == (project, task_force, True)
    assert (carried.status, carried.notes) == ("at_risk", "needs the cloud R&D")
    assert list(carried.owners.all()) == [developer]
    change = carried.changes.get()
    assert change.kind == DeliverableChange.Kind.CARRIED
    assert change.from_period == period(roadmap, "Fall")
    assert change.by == manager
    # The old roadmap is untouched, its item still reaches its successor.
    assert roadmap.deliverables.count() == 4
    assert list(moved.carried_to.all()) == [carried]
    assert moved.changes.count() == 2


def test_carry_over_keeps_leap_days_inside_the_new_year(manager):
    old = Roadmap.objects.create(name="Leap", year=2012)
    Period.objects.create(
        roadmap=old,
        label="February",
        order=0,
        start=datetime.date(2012, 2, 1),
        end=datetime.date(2012, 2, 29),
    )
    successor = actions.carry_over(old, name="Leap", year=2013, by=manager)
    assert successor.periods.get().end == datetime.date(2013, 2, 28)


def test_carry_over_refuses_a_name_already_taken(roadmap, manager):
    factories.make_roadmap(2012)
    with pytest.raises(Refused, match="already a roadmap"):
        actions.carry_over(roadmap, name="PanDA+Prodsys", year=2012, by=manager)
    with pytest.raises(Refused, match="name"):
        actions.carry_over(roadmap, name="  ", year=2013, by=manager)
    assert Roadmap.objects.count() == 2


def test_carried_items_are_followed_up_in_the_new_roadmap_only(roadmap, manager):
    old = factories.make_deliverable("open in 2011", period="Fall")
    successor = actions.carry_over(roadmap, name="PanDA+Prodsys", year=2012, by=manager)
    new = successor.deliverables.get()
    assert list(Deliverable.objects.open().without_successor()) == [new]
    assert old in Deliverable.objects.open()
