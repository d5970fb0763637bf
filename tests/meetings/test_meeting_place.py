"""The meeting's room and video link, changed by a convener in the agenda builder: through
actions.schedule.change_place with the meeting's version claimed, with and without htmx; a
published meeting's revision (the feed's SEQUENCE) grows and the update waits for the quiet
period."""

import datetime

import icalendar
import pytest
import time_machine

from adcmeet.meetings.mail import reminders
from adcmeet.meetings.models import Meeting, OutboundMail
from tests import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
HX = {"HTTP_HX_REQUEST": "true"}
MONDAY = datetime.datetime(2031, 1, 13, 11, 0, tzinfo=UTC)
LIST = "atlas-adc-dev@example.org"


@pytest.fixture
def meeting(convener):
    series = factories.make_series()
    series.conveners.add(convener)
    return factories.make_meeting(
        series,
        on=datetime.date(2031, 1, 15),
        state=Meeting.State.PUBLISHED,
        revision=1,
        announced_revision=1,
    )


def fresh(meeting: Meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


def feed_event(client):
    cal = icalendar.Calendar.from_ical(client.get("/calendar/adc-dev.ics").content)
    (event,) = cal.walk("VEVENT")
    return event


def post_place(client, meeting, version, location, video_url="", htmx=False):
    return client.post(
        f"/meetings/{meeting.pk}/place/",
        {"version": version, "place-location": location, "place-video_url": video_url},
        **(HX if htmx else {}),
    )


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_convener_changes_the_room_and_link_and_the_feed_sequence_grows(
    client, convener, meeting, htmx
):
    with time_machine.travel(MONDAY, tick=False):
        assert feed_event(client)["SEQUENCE"] == 1
        client.force_login(convener)
        page = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()
        assert 'aria-label="Room and video link"' in page
        assert f'action="/meetings/{meeting.pk}/place/"' in page

        response = post_place(
            client, meeting, meeting.version, "CERN 40-S2-D01", "https://zoom.example/j/1", htmx
        )

        if htmx:
            assert response.status_code == 200
            body = response.content.decode()
            assert "Changed the room and video link (revision 2)" in body
            assert 'value="CERN 40-S2-D01"' in body
        else:
            assert response.status_code == 302
            assert response["Location"].endswith(f"/meetings/{meeting.pk}/edit/#schedule")
            page = client.get(response["Location"]).content.decode()
            assert "Changed the room and video link (revision 2)" in page
            assert 'value="CERN 40-S2-D01"' in page
        changed = fresh(meeting)
        assert (changed.location, changed.video_url) == (
            "CERN 40-S2-D01",
            "https://zoom.example/j/1",
        )
        assert changed.revision == 2
        assert changed.version == meeting.version + 1
        client.logout()
        event = feed_event(client)
    assert event["SEQUENCE"] == 2
    assert str(event["LOCATION"]).startswith("CERN 40-S2-D01")


def test_the_update_mail_waits_for_the_quiet_period(client, convener, meeting):
    with time_machine.travel(MONDAY, tick=False):
        client.force_login(convener)
        assert post_place(client, meeting, meeting.version, "CERN 40-S2-D01").status_code == 302

    reminders.queue_agenda_mails(MONDAY + datetime.timedelta(minutes=1))
    assert not OutboundMail.objects.filter(meeting=meeting, kind="agenda_update").exists()
    reminders.queue_agenda_mails(MONDAY + datetime.timedelta(minutes=25))
    update = OutboundMail.objects.get(meeting=meeting, recipient=LIST, kind="agenda_update")
    assert "Room: CERN 40-S2-D01" in update.body_text
    assert "SEQUENCE:2" in update.ics


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_stale_version_is_refused_with_the_typed_room_kept(client, convener, meeting, htmx):
    with time_machine.travel(MONDAY, tick=False):
        client.force_login(convener)
        response = post_place(client, meeting, meeting.version - 1, "CERN 40-S2-D01", htmx=htmx)

    assert response.status_code == 409
    assert 'value="CERN 40-S2-D01"' in response.content.decode()
    assert fresh(meeting).location == meeting.location
    assert fresh(meeting).revision == 1


def test_an_invalid_link_is_refused_beside_the_form(client, convener, meeting):
    with time_machine.travel(MONDAY, tick=False):
        client.force_login(convener)
        response = post_place(client, meeting, meeting.version, "CERN 40-S2-D01", "not a link")

    page = response.content.decode()
    assert response.status_code == 422
    assert "The room and video link were not changed" in page
    assert "Enter a valid URL" in page
    assert fresh(meeting).location == meeting.location


def test_a_draft_changes_place_without_a_new_revision(client, convener, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(
        state=Meeting.State.DRAFT, revision=0, announced_revision=0
    )
    with time_machine.travel(MONDAY, tick=False):
        client.force_login(convener)
        response = post_place(client, meeting, meeting.version, "CERN 40-S2-D01", htmx=True)

    assert "Changed the room and video link." in response.content.decode()
    assert fresh(meeting).location == "CERN 40-S2-D01"
    assert fresh(meeting).revision == 0


def test_only_conveners_change_the_place(client, developer, meeting):
    client.force_login(developer)
    response = post_place(client, meeting, meeting.version, "Elsewhere")

    assert response.status_code == 403
    assert fresh(meeting).location == meeting.location
