"""Comparing the roadmap with its agreed baseline, or with any day."""

import datetime

import pytest
import time_machine

from deliverables import actions
from deliverables.compare import compare_since, compare_with_baseline
from deliverables.models import Deliverable
from tests import factories
from tests.deliverables.conftest import ZURICH, period

pytestmark = pytest.mark.django_db


def at(day: int, month: int = 5):
    return time_machine.travel(
        datetime.datetime(2011, month, day, 18, 0, tzinfo=ZURICH), tick=False
    )


def agreed(roadmap, manager):
    actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=roadmap.version)
    return actions.agree_roadmap(roadmap, by=manager, version=roadmap.version)


def titles(entries):
    return sorted(entry.title for entry in entries)


@pytest.fixture
def plan(roadmap, developer, manager):
    """Agreed on 4 May 2011 with four deliverables."""
    project = factories.make_project("PanDA")
    with at(2):
        items = {
            "merge": factories.make_deliverable(
                "analysis output file merging in PanDA", period="May", project=project
            ),
            "jem": factories.make_deliverable("JEM/PanDA deployment", period="May"),
            "toa": factories.make_deliverable("ToA migration to AGIS", period="Summer"),
            "killer": factories.make_deliverable("new looping job killer", period="April"),
        }
    with at(4):
        agreed(roadmap, manager)
    return items


def test_the_baseline_comparison_reports_moved_added_dropped_and_done(
    roadmap, plan, developer, manager
):
    with at(10):
        actions.move_to_period(
            plan["toa"], period=period(roadmap, "Fall"), by=developer, version=1, reason="schema"
        )
        actions.set_status(plan["killer"], status="done", by=developer, version=1)
        actions.set_status(plan["jem"], status="dropped", by=manager, version=1)
        factories.make_deliverable("Dashboard based task monitor", period="June")

    result = compare_with_baseline(roadmap, Deliverable.objects.filter(roadmap=roadmap))

    assert result.against == "the plan agreed on 4 May 2011"
    assert [(m.entry.title, m.from_period, m.to_period, m.later) for m in result.moved] == [
        ("ToA migration to AGIS", "Summer", "Fall", True)
    ]
    assert result.slipped == 1
    assert titles(result.added) == ["Dashboard based task monitor"]
    assert titles(result.dropped) == ["JEM/PanDA deployment"]
    assert titles(result.done) == ["new looping job killer"]


def test_a_deleted_baseline_item_counts_as_dropped(roadmap, plan, manager):
    actions.delete_deliverable(plan["merge"], by=manager, version=1)
    result = compare_with_baseline(roadmap, Deliverable.objects.filter(roadmap=roadmap))
    assert titles(result.dropped) == ["analysis output file merging in PanDA"]
    assert result.dropped[0].url is None


def test_an_unchanged_plan_compares_empty(roadmap, plan):
    result = compare_with_baseline(roadmap, Deliverable.objects.filter(roadmap=roadmap))
    assert result.is_empty


def test_a_filtered_comparison_only_speaks_of_the_filtered_items(roadmap, plan, developer):
    with at(10):
        actions.set_status(plan["merge"], status="done", by=developer, version=1)
        actions.set_status(plan["killer"], status="done", by=developer, version=1)
    panda = Deliverable.objects.filter(roadmap=roadmap, project__name="PanDA")
    result = compare_with_baseline(roadmap, panda, complete=False)
    assert titles(result.done) == ["analysis output file merging in PanDA"]
    assert not result.dropped


def test_without_an_agreed_plan_there_is_no_baseline_to_compare_with(roadmap):
    with pytest.raises(ValueError, match="no agreed baseline"):
        compare_with_baseline(roadmap, Deliverable.objects.all())


def test_changes_since_a_day_ignore_what_happened_before_it(roadmap, plan, developer, manager):
    with at(3):  # before last Wednesday's meeting
        actions.set_status(plan["merge"], status="in_progress", by=developer, version=1)
    with at(9):
        actions.move_to_period(
            plan["merge"], period=period(roadmap, "June"), by=developer, version=2, reason="late"
        )
    with at(11):  # on the day itself, after the meeting
        actions.set_status(plan["killer"], status="done", by=developer, version=1)
        actions.set_status(plan["jem"], status="dropped", by=manager, version=1)
        factories.make_deliverable("Dashboard based task monitor", period="June")
    with at(12):
        result = compare_since(
            roadmap, Deliverable.objects.filter(roadmap=roadmap), datetime.date(2011, 5, 11)
        )
    assert result.against == "Wednesday 11 May 2011"
    assert not result.moved  # it moved on the 9th
    assert titles(result.done) == ["new looping job killer"]
    assert titles(result.dropped) == ["JEM/PanDA deployment"]
    assert titles(result.added) == ["Dashboard based task monitor"]

    with at(12):
        week = compare_since(
            roadmap, Deliverable.objects.filter(roadmap=roadmap), datetime.date(2011, 5, 4)
        )
    assert [(m.entry.title, m.from_period, m.to_period) for m in week.moved] == [
        ("analysis output file merging in PanDA", "May", "June")
    ]


def test_an_item_moved_there_and_back_did_not_move(roadmap, plan, developer):
    with at(10):
        actions.move_to_period(
            plan["toa"], period=period(roadmap, "Fall"), by=developer, version=1, reason="wait"
        )
        actions.move_to_period(
            plan["toa"], period=period(roadmap, "Summer"), by=developer, version=2, reason="ok"
        )
    result = compare_since(
        roadmap, Deliverable.objects.filter(roadmap=roadmap), datetime.date(2011, 5, 10)
    )
    assert not result.moved
