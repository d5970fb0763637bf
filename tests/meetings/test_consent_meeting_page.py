"""The meeting page shows what passed by consent and the owners' status lines beside the
tracking items; its cached copy follows a new report (issue 17)."""

import pytest
from django.core.cache import cache

from adcmeet.meetings import actions
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
