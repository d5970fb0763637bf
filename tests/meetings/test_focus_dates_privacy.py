"""The task-force list is one page for every visitor: it shows when an activity was last a
focus topic in a public series, never when a non-public series met (the activity's own page,
which knows its viewer, shows the rest to those who may see it)."""

import datetime

import pytest

from adcmeet.meetings import actions
from adcmeet.meetings.models import AgendaItem
from taskforces.models import TaskForce
from tests import factories

pytestmark = pytest.mark.django_db


def schedule_focus(series, task_force, on):
    meeting = factories.make_meeting(series, on=on)
    actions.add_item(
        meeting=meeting,
        version=meeting.version,
        by=None,
        section="focus",
        title=f"{task_force.name} in depth",
        duration_minutes=30,
        task_force=task_force,
    )


def test_the_list_shows_public_focus_dates_and_hides_those_of_a_non_public_series(client):
    public = factories.make_series()
    closed = factories.make_series(name="Conveners only", slug="conveners", is_public=False)
    rucio = factories.make_task_force("Rucio")
    panda = factories.make_task_force("PanDA")
    schedule_focus(public, rucio, datetime.date(2031, 1, 15))
    schedule_focus(closed, rucio, datetime.date(2031, 2, 12))
    schedule_focus(closed, panda, datetime.date(2031, 1, 22))

    page = client.get("/taskforces/").content.decode()

    assert "15 Jan 2031" in page
    assert "12 Feb 2031" not in page
    assert "22 Jan 2031" not in page
    # The rotation still counts every series.
    assert TaskForce.objects.get(pk=rucio.pk).last_focus_on == datetime.date(2031, 2, 12)
    assert TaskForce.objects.get(pk=panda.pk).last_public_focus_on is None


def test_removing_the_public_focus_topic_takes_its_date_off_the_list(client):
    public = factories.make_series()
    rucio = factories.make_task_force("Rucio")
    schedule_focus(public, rucio, datetime.date(2031, 1, 15))
    item = AgendaItem.objects.get(task_force=rucio)
    actions.remove_item(item=item, version=item.meeting.version, by=None)

    assert "15 Jan 2031" not in client.get("/taskforces/").content.decode()
    assert TaskForce.objects.get(pk=rucio.pk).last_public_focus_on is None
