"""The consent agenda on the pages (issue 17): the builder lists what passes by consent in one
line, unticked, and proposes the flagged and unreported items first; the convener may still
put a consent item on the agenda; the meeting page shows the consent list and the status
lines, and its cached copy follows a new report."""

import re

import pytest

from adcmeet.meetings import actions
from adcmeet.meetings.actions.tracking import consent_agenda
from tests.meetings import test_consent as world

# The world of the consent tests: a meeting on 14 May after one on 7 May, seven deliverables,
# four of them reported on the Tuesday.
series, meeting, roadmap, reported = world.series, world.meeting, world.roadmap, world.reported
report = world.report

pytestmark = pytest.mark.django_db


def test_the_builder_lists_consent_in_one_line_unticked_and_proposes_the_rest_first(
    client, convener, meeting, reported
):
    client.force_login(convener)

    page = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    assert "By consent: Rucio 35 in the pilot (on track), pilot 3.8 release (done)." in page
    ticked = [int(pk) for pk in re.findall(r'id="track-(\d+)" checked', page)]
    assert reported["on_track"].pk not in ticked
    assert reported["done"].pk not in ticked
    # 60 minutes at 5 each: all five to discuss, flagged first.
    assert ticked == [
        reported[key].pk for key in ("off_track", "at_risk", "slipped", "late", "unreported")
    ]
    assert page.index("Dask at scale") < page.index("looping job killer")
    assert "“waiting for the CRIC schema”" in page


def test_the_convener_can_still_put_a_consent_item_on_the_agenda(
    client, convener, meeting, reported
):
    client.force_login(convener)

    client.post(
        f"/meetings/{meeting.pk}/tracking/",
        {"version": 1, "deliverables": [reported["on_track"].pk], "duration_minutes": 5},
    )

    assert meeting.items.live().filter(deliverable=reported["on_track"]).exists()
    passed = consent_agenda(meeting, actions.agenda_items(meeting)).passed
    assert [str(p.deliverable) for p in passed] == ["pilot 3.8 release"]
