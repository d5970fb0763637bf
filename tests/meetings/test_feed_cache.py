"""The built series feed is reused per ETag (issue 7): new subscribers cost one query."""

import datetime

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from adcmeet.meetings.models import Meeting
from tests import factories


def test_a_new_subscriber_gets_the_built_feed_from_one_query(
    client, db, django_assert_max_num_queries
):
    cache.clear()
    series = factories.make_series()
    for weeks in range(1, 4):
        meeting = factories.make_meeting(
            series,
            on=timezone.localdate() + datetime.timedelta(weeks=weeks),
            state=Meeting.State.PUBLISHED,
            revision=1,
        )
        factories.make_item(meeting, f"Talk {weeks}")
    first = client.get("/calendar/adc-dev.ics")

    with django_assert_max_num_queries(1):
        second = client.get("/calendar/adc-dev.ics")

    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_an_agenda_change_is_never_served_from_the_old_copy(client, db):
    cache.clear()
    series = factories.make_series()
    meeting = factories.make_meeting(
        series,
        on=timezone.localdate() + datetime.timedelta(weeks=1),
        state=Meeting.State.PUBLISHED,
        revision=1,
    )
    item = factories.make_item(meeting, "PanDA news")
    before = client.get("/calendar/adc-dev.ics")
    assert b"PanDA news" in before.content

    # How the agenda builder changes an item: the meeting's version moves with it.
    item.title = "Rucio news"
    item.save(update_fields=["title"])
    Meeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1)
    after = client.get("/calendar/adc-dev.ics")

    assert after["ETag"] != before["ETag"]
    assert b"Rucio news" in after.content
    assert b"PanDA news" not in after.content
