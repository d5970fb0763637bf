"""Published meetings become held once they have ended (start + the series' limit)."""

import datetime
import io
import zoneinfo

import pytest
from django.conf import settings
from django.core.management import call_command

from adcmeet.meetings import actions, tasks
from adcmeet.meetings.actions import AgendaError
from adcmeet.meetings.models import Meeting
from tests.factories import make_item, make_meeting, make_series

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
WEDNESDAY = datetime.date(2031, 1, 15)
# 17:00 plus the default 90-minute limit.
ENDS = datetime.datetime(2031, 1, 15, 18, 30, tzinfo=ZURICH)


@pytest.fixture
def series(db):
    return make_series()


@pytest.fixture
def published(series):
    meeting = make_meeting(
        series, on=WEDNESDAY, state="published", revision=1, announced_revision=1
    )
    make_item(meeting, "PanDA news")
    return meeting


def state(meeting: Meeting) -> str:
    meeting.refresh_from_db()
    return meeting.state


def test_a_published_meeting_is_held_once_its_limit_has_passed(published):
    assert actions.mark_meetings_held(now=ENDS - datetime.timedelta(minutes=1)) == []
    assert state(published) == "published"

    assert actions.mark_meetings_held(now=ENDS) == [published.pk]

    assert state(published) == "held"
    assert actions.mark_meetings_held(now=ENDS + datetime.timedelta(hours=1)) == []


def test_the_end_is_the_series_own_limit(series, published):
    series.target_minutes, series.limit_minutes = 30, 45
    series.save()

    assert actions.mark_meetings_held(now=ENDS - datetime.timedelta(minutes=45)) == [published.pk]


def test_drafts_and_cancelled_meetings_are_left_alone(series, published):
    draft = make_meeting(series, on=WEDNESDAY - datetime.timedelta(weeks=1))
    cancelled = make_meeting(
        series, on=WEDNESDAY - datetime.timedelta(weeks=2), state="cancelled", revision=2
    )

    assert actions.mark_meetings_held(now=ENDS) == [published.pk]

    assert state(draft) == "draft"
    assert state(cancelled) == "cancelled"


def test_holding_keeps_the_version_so_open_minutes_pages_still_save(published):
    version, minutes_version = published.version, published.minutes_version

    actions.mark_meetings_held(now=ENDS)

    published.refresh_from_db()
    assert (published.version, published.minutes_version) == (version, minutes_version)
    actions.save_minutes(
        meeting=published, version=minutes_version, by=None, text="Pilot news discussed."
    )
    assert Meeting.objects.get(pk=published.pk).minutes == "Pilot news discussed."


def test_holding_is_in_the_meeting_history(published):
    actions.mark_meetings_held(now=ENDS)

    last = published.history.order_by("-history_date", "-history_id").first()
    assert last.state == "held"
    assert last.history_change_reason == "The meeting has ended."
    assert last.history_date == ENDS


def test_a_held_meeting_is_not_published_cancelled_or_moved_again(published):
    actions.mark_meetings_held(now=ENDS)
    published.refresh_from_db()
    v = published.version

    with pytest.raises(AgendaError, match="already taken place; it can no longer be published"):
        actions.publish_meeting(meeting=published, version=v, by=None)
    with pytest.raises(AgendaError, match="no longer be cancelled"):
        actions.cancel_meeting(meeting=published, version=v, by=None, reason="Too late")
    with pytest.raises(AgendaError, match="no longer be moved"):
        actions.move_meeting(
            meeting=published, version=v, by=None, start=published.start + datetime.timedelta(1)
        )
    assert state(published) == "held"
    assert not published.outbox.exists()


def test_the_builder_of_a_held_meeting_offers_no_publishing(published, client, convener):
    actions.mark_meetings_held(now=ENDS)
    client.force_login(convener)

    page = client.get(f"/meetings/{published.pk}/edit/").content.decode()

    assert "Held; the mail went out with revision 1." in page
    assert "Publish the agenda" not in page


def test_beat_runs_it_every_ten_minutes_and_cron_sites_have_a_command(published):
    entry = settings.CELERY_BEAT_SCHEDULE["mark-meetings-held"]
    assert entry == {"task": "adcmeet.tasks.mark_meetings_held", "schedule": 600.0}
    assert tasks.mark_meetings_held.name == entry["task"]

    out = io.StringIO()
    call_command("mark_meetings_held", "--at", "2031-01-15T18:29", stdout=out)
    call_command("mark_meetings_held", "--at", "2031-01-15T18:30", stdout=out)

    assert out.getvalue() == "Marked 0 meeting(s) held.\nMarked 1 meeting(s) held.\n"
    assert state(published) == "held"


def test_the_task_marks_what_has_ended_by_the_clock(series):
    past = make_meeting(series, on=datetime.date(2020, 1, 15), state="published", revision=1)
    future = make_meeting(series, on=datetime.date(2099, 1, 14), state="published", revision=1)

    assert tasks.mark_meetings_held() == 1

    assert (state(past), state(future)) == ("held", "published")
