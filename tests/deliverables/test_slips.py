"""The slip rules: end of period, moves, done/dropped never slip, "Later" never late."""

import datetime

import pytest
from django.utils import timezone

from deliverables import actions
from deliverables.models import Deliverable, Period
from tests import factories
from tests.deliverables.conftest import period

pytestmark = pytest.mark.django_db

JUNE_15 = datetime.date(2011, 6, 15)


def test_an_open_item_slips_the_day_after_its_period_ends(roadmap):
    item = factories.make_deliverable("LFC registration in Panda server", period="May")
    assert not Deliverable.objects.slipped(on=datetime.date(2011, 5, 31)).exists()
    assert list(Deliverable.objects.slipped(on=datetime.date(2011, 6, 1))) == [item]
    assert item.slip_count(datetime.date(2011, 5, 31)) == 0
    assert item.slip_count(datetime.date(2011, 6, 1)) == 1
    assert item.slipped_since(JUNE_15) == datetime.date(2011, 6, 1)
    assert item.is_overdue(JUNE_15)


@pytest.mark.parametrize("status", ["in_progress", "at_risk", "planned"])
def test_every_open_status_slips_at_the_end_of_the_period(roadmap, status):
    factories.make_deliverable(period="April", status=status)
    assert Deliverable.objects.slipped(on=JUNE_15).count() == 1


@pytest.mark.parametrize("status", ["done", "dropped"])
def test_done_and_dropped_items_never_slip(roadmap, status):
    done_on = datetime.date(2011, 4, 20) if status == "done" else None
    item = factories.make_deliverable(period="April", status=status, done_on=done_on)
    assert not Deliverable.objects.slipped(on=JUNE_15).exists()
    assert item.slip_count(JUNE_15) == 0
    assert not item.is_overdue(JUNE_15)
    assert not Deliverable.objects.overdue(JUNE_15).exists()


def test_later_is_never_late(roadmap):
    item = factories.make_deliverable("Role for glideinWMS in our pilot system", period="Later")
    far_future = datetime.date(2099, 1, 1)
    assert not period(roadmap, "Later").has_ended(far_future)
    assert not item.is_overdue(far_future)
    assert item.slip_count(far_future) == 0
    assert not Deliverable.objects.slipped(on=far_future).exists()
    tally = Deliverable.objects.period_tallies(far_future)[item.period_id]
    assert tally.slipped == 0


def test_a_move_to_a_later_period_is_a_slip_and_an_earlier_one_is_not(
    roadmap, developer, mid_june_2011
):
    item = factories.make_deliverable("ToA migration to AGIS", period="Summer")
    change = actions.move_to_period(
        item,
        period=period(roadmap, "Fall"),
        by=developer,
        version=item.version,
        reason="waiting for AGIS schema",
    )
    assert change.is_slip
    today = timezone.localdate()
    assert today == JUNE_15
    assert item.slip_count(datetime.date(2011, 7, 1)) == 1
    assert list(Deliverable.objects.slipped(on=today)) == [item]
    # Looking back from before the move, it had not slipped yet.
    assert not Deliverable.objects.slipped(on=today - datetime.timedelta(days=1)).exists()

    back = actions.move_to_period(
        item,
        period=period(roadmap, "June"),
        by=developer,
        version=item.version,
        reason="schema came",
    )
    assert not back.is_slip
    # The earlier slip stays on record: it happened.
    item = Deliverable.objects.with_slip_info().get(pk=item.pk)
    assert item.slip_moves() == 1


def test_slips_add_up_moves_and_the_end_of_the_period(roadmap, developer):
    item = factories.make_deliverable(period="April")
    actions.move_to_period(
        item, period=period(roadmap, "May"), by=developer, version=1, reason="pilot release late"
    )
    item = Deliverable.objects.with_slip_info().select_related("period").get(pk=item.pk)
    # Moved once (April -> May), and May ended with it still open.
    assert item.slip_count(JUNE_15) == 2
    first_move = item.changes.get(is_slip=True).at
    assert item.slipped_since(JUNE_15) == min(first_move.date(), datetime.date(2011, 6, 1))


def test_moving_a_done_item_later_is_not_a_slip(roadmap, developer):
    item = factories.make_deliverable(period="April", status="done", done_on=JUNE_15)
    change = actions.move_to_period(
        item, period=period(roadmap, "June"), by=developer, version=1, reason="filed wrongly"
    )
    assert not change.is_slip


def test_a_period_counts_what_slipped_out_of_it_and_what_is_late_in_it(roadmap, developer):
    april, may, june = (period(roadmap, label) for label in ("April", "May", "June"))
    moved = factories.make_deliverable("moved out", period="April")
    factories.make_deliverable("late in April", period="April")
    factories.make_deliverable(
        "done in April", period="April", status="done", done_on=datetime.date(2011, 4, 28)
    )
    factories.make_deliverable("dropped", period="April", status="dropped")
    factories.make_deliverable("fine in June", period="June", tentative=True)
    actions.move_to_period(moved, period=june, by=developer, version=1, reason="late schema")

    tallies = Deliverable.objects.filter(roadmap=roadmap).period_tallies(JUNE_15)
    april_tally = tallies[april.pk]
    assert (april_tally.planned, april_tally.done, april_tally.slipped) == (4, 1, 2)
    assert (april_tally.overdue, april_tally.moved_out, april_tally.dropped) == (1, 1, 1)
    assert april_tally.on_track == 0
    june_tally = tallies[june.pk]
    assert (june_tally.planned, june_tally.slipped, june_tally.tentative) == (2, 0, 1)
    assert june_tally.on_track == 2
    assert may.pk not in tallies

    # The home page's per-period counts say the same.
    counted = {p.label: p for p in Period.objects.filter(roadmap=roadmap).with_counts(JUNE_15)}
    assert (counted["April"].n_planned, counted["April"].n_done) == (4, 1)
    assert counted["April"].n_slipped == 2
    assert (counted["June"].n_planned, counted["June"].n_slipped) == (2, 0)
    assert counted["June"].n_tentative == 1


def test_deleted_items_neither_count_nor_slip(roadmap, manager):
    item = factories.make_deliverable(period="April")
    actions.delete_deliverable(item, by=manager, version=1, reason="duplicate")
    assert not Deliverable.objects.slipped(on=JUNE_15).exists()
    assert Deliverable.objects.filter(roadmap=roadmap).period_tallies(JUNE_15) == {}


def test_start_by_comes_from_the_deadline_and_lead_time(roadmap):
    item = factories.make_deliverable(
        "Migration to Oracle 11g validated",
        period="Later",
        deadline=datetime.date(2012, 1, 15),
        lead_time_days=120,
    )
    assert item.start_by == datetime.date(2011, 9, 17)
    assert not item.start_by_passed(datetime.date(2011, 9, 16))
    assert item.start_by_passed(datetime.date(2011, 9, 17))
    assert list(Deliverable.objects.start_by_passed(datetime.date(2011, 10, 1))) == [item]
