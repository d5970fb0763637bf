import datetime

from django.utils import timezone

from tests.factories import make_meeting, make_series


def test_moving_a_meeting_years_away_is_refused_with_the_allowed_range(client, convener):
    meeting = make_meeting(make_series(), on=timezone.localdate() + datetime.timedelta(days=7))
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/move/",
        {"version": meeting.version, "move-date": "9999-12-31", "move-time": "17:00"},
    )

    assert response.status_code == 422
    assert b"Choose a date between" in response.content
    meeting.refresh_from_db()
    assert meeting.scheduled_for == meeting.start.astimezone(meeting.series.tz).date()
    assert meeting.version == 1


def test_moving_a_meeting_to_next_week_is_accepted(client, convener):
    day = timezone.localdate() + datetime.timedelta(days=7)
    meeting = make_meeting(make_series(), on=day)
    client.force_login(convener)

    response = client.post(
        f"/meetings/{meeting.pk}/move/",
        {
            "version": meeting.version,
            "move-date": str(day + datetime.timedelta(days=1)),
            "move-time": "17:00",
        },
    )

    assert response.status_code in (200, 302)
    meeting.refresh_from_db()
    assert meeting.local_start.date() == day + datetime.timedelta(days=1)
