"""After the meeting, what was recorded shows where people look: the meeting page (each
item's decisions and information in its row, who attended) and the deliverable's page (the
decisions about it, linking to the meeting's item)."""

import datetime

import pytest

from adcmeet.meetings import actions
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(convener, developer, manager):
    series = factories.make_series()
    meeting = factories.make_meeting(
        series, on=datetime.date(2031, 1, 15), state="held", revision=1
    )
    deliverable = factories.make_deliverable("Looping job killer")
    item = factories.make_item(
        meeting, "Killer status", section="tracking", deliverable=deliverable
    )
    actions.record_outcome(
        meeting=meeting, by=convener, kind="decision", text="Enable it in May", agenda_item=item
    )
    actions.record_outcome(
        meeting=meeting, by=convener, kind="information", text="BNL tested it", agenda_item=item
    )
    actions.set_attendance(meeting=meeting, by=convener, user=developer)
    actions.set_attendance(meeting=meeting, by=convener, user=manager, status="regrets")
    actions.set_attendance(meeting=meeting, by=convener, name="Hiro Ito", affiliation="BNL")
    return meeting


def test_the_meeting_page_shows_decisions_in_the_item_row_and_the_attendance(client, meeting):
    item = meeting.items.get()

    body = client.get(f"/meetings/{meeting.pk}/").content.decode()

    row = body[body.index(f'<tr id="item-{item.pk}">') :]
    row = row[: row.index("</tr>")]
    assert "<strong>Decision:</strong> Enable it in May" in row
    assert "<strong>Information:</strong> BNL tested it" in row
    assert "<dt>Present</dt><dd>Bob Developer</dd>" in body
    assert "<dt>Invitees</dt><dd>Hiro Ito (BNL)</dd>" in body
    assert "<dt>Regrets</dt><dd>Carol Manager</dd>" in body


def test_a_removed_decision_leaves_the_meeting_page(client, meeting, convener):
    client.get(f"/meetings/{meeting.pk}/")  # cached now
    decision = meeting.outcomes.get(kind="decision")

    actions.remove_outcome(outcome=decision, version=1, by=convener)

    assert "Enable it in May" not in client.get(f"/meetings/{meeting.pk}/").content.decode()


def test_a_meeting_without_outcomes_shows_no_attendance_section(client):
    meeting = factories.make_meeting(factories.make_series(), on=datetime.date(2031, 1, 15))

    assert 'id="attendance"' not in client.get(f"/meetings/{meeting.pk}/").content.decode()


def test_the_deliverable_page_lists_the_decisions_about_it_linking_to_the_item(client, meeting):
    item = meeting.items.get()

    body = client.get(item.deliverable.get_absolute_url()).content.decode()

    assert "Enable it in May" in body
    assert "BNL tested it" not in body  # information is not a decision
    assert f'href="/meetings/{meeting.pk}/#item-{item.pk}"' in body
    assert f'href="/decisions/?deliverable={item.deliverable.pk}"' in body


def test_decisions_of_a_private_series_stay_off_the_deliverable_page_for_visitors(client):
    private = factories.make_series(name="Internal", slug="internal", is_public=False)
    meeting = factories.make_meeting(private, on=datetime.date(2031, 1, 15))
    deliverable = factories.make_deliverable("Secret mover")
    item = factories.make_item(meeting, "Mover", deliverable=deliverable)
    actions.record_outcome(
        meeting=meeting, by=None, kind="decision", text="Secret decision", agenda_item=item
    )

    assert "Secret decision" not in client.get(deliverable.get_absolute_url()).content.decode()


def test_the_task_force_page_lists_its_decisions_linking_to_the_log(client):
    meeting = factories.make_meeting(factories.make_series(), on=datetime.date(2031, 1, 15))
    rucio = factories.make_task_force("Rucio")
    item = factories.make_item(meeting, "Rucio news", task_force=rucio)
    actions.record_outcome(
        meeting=meeting, by=None, kind="decision", text="Rucio 1.30 everywhere", agenda_item=item
    )

    body = client.get(f"/taskforces/{rucio.slug}/").content.decode()

    assert "Rucio 1.30 everywhere" in body
    assert f'href="/meetings/{meeting.pk}/#item-{item.pk}"' in body
    assert f'href="/decisions/?task_force={rucio.pk}"' in body
