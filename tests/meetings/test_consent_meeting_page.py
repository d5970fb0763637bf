"""The meeting page shows what passed by consent and the owners' status lines beside the
tracking items; its cached copy follows a new report (issue 17)."""

import pytest
from django.core.cache import cache

from adcmeet.meetings import actions
from adcmeet.meetings.models import Meeting
from deliverables.models import Deliverable
from tests.factories import make_deliverable, make_roadmap
from tests.meetings import test_consent as world

# The world of the consent tests: a meeting on 14 May after one on 7 May, seven deliverables,
# four of them reported on the Tuesday.
series, meeting, roadmap, reported = world.series, world.meeting, world.roadmap, world.reported
report = world.report

pytestmark = pytest.mark.django_db


def test_the_meeting_page_shows_the_consent_list_and_follows_a_new_report(
    client, meeting, reported, developer
):
    actions.accept_tracking_items(
        meeting=meeting, version=1, by=None, deliverables=[reported["at_risk"]]
    )
    cache.clear()
    url = f"/meetings/{meeting.pk}/"

    page = client.get(url).content.decode()

    assert "Passed by consent" in page
    assert "release candidate in testing" in page
    assert "Status: At risk: waiting for the CRIC schema" in page

    report(reported["at_risk"], developer, "on_track", "schema landed")
    page = client.get(url).content.decode()  # a cached copy would still say at risk

    assert "Status: On track: schema landed" in page


def consent_list(page: str) -> str:
    return page.split("Passed by consent")[1].split("</section>")[0] if "Passed by" in page else ""


def test_the_cached_page_follows_the_previous_meeting_going_away(
    client, meeting, reported, developer
):
    # Said before the 7 May meeting: that meeting discussed it, so it counts for 14 May only
    # once the 7 May meeting is cancelled (the window then opens two weeks back).
    early = world.datetime.datetime(2031, 5, 5, 11, tzinfo=world.ZURICH)
    report(reported["unreported"], developer, "on_track", "brokerage tuned", at=early)
    cache.clear()
    url = f"/meetings/{meeting.pk}/"
    assert "job brokerage v2" not in consent_list(client.get(url).content.decode())

    Meeting.objects.filter(scheduled_for=world.MAY_7).update(state=Meeting.State.CANCELLED)

    assert "job brokerage v2" in consent_list(client.get(url).content.decode())


def test_the_cached_page_follows_a_copy_carried_out_of_the_roadmap(client, meeting, reported):
    copy = make_deliverable("Rucio 35 in the pilot", roadmap=make_roadmap(2030), period="May")
    cache.clear()
    url = f"/meetings/{meeting.pk}/"
    assert "Rucio 35 in the pilot" in consent_list(client.get(url).content.decode())

    # Linked as its carried copy (by a plain update: no history row to notice): the copy is
    # the one followed, the original passes by consent no more.
    Deliverable.objects.filter(pk=copy.pk).update(carried_from=reported["on_track"])

    assert "Rucio 35 in the pilot" not in consent_list(client.get(url).content.decode())
