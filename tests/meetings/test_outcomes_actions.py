"""Recording and removing a meeting's outcomes (actions.outcomes): decisions and information
become an Outcome about what their item is about; an action becomes an action item with the
action items' rules; removal is a soft delete claimed on the outcome's version."""

import datetime

import pytest
from django.db import connection

from adcmeet.core.versioning import Refused
from adcmeet.meetings import actions
from adcmeet.meetings.actions import OutcomeChanged
from adcmeet.meetings.models import ActionItem, Outcome
from tests import factories
from tests.concurrency import errors, race, winners


@pytest.fixture
def meeting(db):
    return factories.make_meeting(factories.make_series())


@pytest.fixture
def tracking_item(meeting):
    deliverable = factories.make_deliverable()
    task_force = factories.make_task_force()
    return factories.make_item(
        meeting,
        "Looping job killer",
        section="tracking",
        deliverable=deliverable,
        task_force=task_force,
    )


def test_a_decision_on_an_item_is_about_the_items_deliverable_and_task_force(
    meeting, tracking_item, convener
):
    outcome = actions.record_outcome(
        meeting=meeting,
        by=convener,
        kind="decision",
        text="  Ship it in\r\nMay ",
        agenda_item=tracking_item,
    )

    assert isinstance(outcome, Outcome)
    assert (outcome.kind, outcome.text) == ("decision", "Ship it in\nMay")
    assert outcome.deliverable == tracking_item.deliverable
    assert outcome.task_force == tracking_item.task_force
    assert outcome.by == convener


def test_information_without_an_item_is_about_the_meeting_only(meeting, convener):
    outcome = actions.record_outcome(
        meeting=meeting, by=convener, kind="information", text="CERN closed next week"
    )

    assert (outcome.agenda_item, outcome.deliverable, outcome.task_force) == (None, None, None)


def test_an_action_is_an_action_item_with_owner_and_due_date(meeting, tracking_item, developer):
    action = actions.record_outcome(
        meeting=meeting,
        by=None,
        kind="action",
        text="Send the slides",
        agenda_item=tracking_item,
        owner=developer,
        due=datetime.date(2031, 1, 22),
    )

    assert isinstance(action, ActionItem)
    assert (action.owner, action.due, action.agenda_item) == (
        developer,
        datetime.date(2031, 1, 22),
        tracking_item,
    )
    assert not Outcome.objects.exists()


def test_an_action_due_before_the_meeting_is_refused(meeting, developer):
    with pytest.raises(Refused, match="before the meeting"):
        actions.record_outcome(
            meeting=meeting,
            by=None,
            kind="action",
            text="Send the slides",
            owner=developer,
            due=datetime.date(2030, 1, 22),
        )
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b", "\x00"])
def test_empty_or_invisible_text_is_refused_naming_the_field(meeting, text):
    with pytest.raises(Refused) as refused:
        actions.record_outcome(meeting=meeting, by=None, kind="decision", text=text)

    assert refused.value.field == "text"
    assert "decision" in refused.value.message
    assert not Outcome.objects.exists()


def test_an_unknown_kind_is_refused(meeting):
    with pytest.raises(Refused, match="decision, action or information"):
        actions.record_outcome(meeting=meeting, by=None, kind="rumour", text="Maybe")


def test_an_item_of_another_meeting_is_refused(meeting):
    other = factories.make_meeting(meeting.series, on=datetime.date(2031, 1, 22))
    item = factories.make_item(other)

    with pytest.raises(Refused, match="another meeting"):
        actions.record_outcome(
            meeting=meeting, by=None, kind="decision", text="Go", agenda_item=item
        )


def test_removing_keeps_the_row_marked_deleted_and_out_of_the_decisions(meeting, convener):
    outcome = actions.record_outcome(meeting=meeting, by=convener, kind="decision", text="Go")

    removed = actions.remove_outcome(outcome=outcome, version=1, by=convener)

    assert removed.deleted_at is not None
    assert Outcome.objects.filter(pk=outcome.pk).exists()
    assert not Outcome.objects.decisions().exists()


def test_removing_from_an_older_version_or_twice_is_a_conflict(meeting):
    outcome = actions.record_outcome(meeting=meeting, by=None, kind="decision", text="Go")
    actions.remove_outcome(outcome=outcome, version=1, by=None)

    with pytest.raises(OutcomeChanged, match="already removed"):
        actions.remove_outcome(outcome=Outcome.objects.get(), version=2, by=None)
    assert Outcome.objects.get().version == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_two_people_removing_one_outcome_at_once_one_removes_the_other_is_told(db):
    meeting = factories.make_meeting(factories.make_series())
    outcome = actions.record_outcome(meeting=meeting, by=None, kind="decision", text="Go")

    def removes():
        return actions.remove_outcome(
            outcome=Outcome.objects.get(pk=outcome.pk), version=1, by=None
        )

    outcomes = race(removes, removes)

    assert [type(e) for e in errors(outcomes)] == [OutcomeChanged]
    assert len(winners(outcomes)) == 1
    stored = Outcome.objects.get()
    assert (stored.version, stored.deleted_at is not None) == (2, True)
