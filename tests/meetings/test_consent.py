"""The consent agenda (issue 17): owners' reports since the previous meeting order the
builder's tracking proposals — off track, at risk, then unreported first, within each the old
urgency (slipped, start-by, due) — and what is reported on track or done passes by consent:
listed in one line, never ticked, no airtime; the agenda mail and the meeting page show it and
the status line beside each tracking item."""

import datetime
import zoneinfo

import pytest
import time_machine

from adcmeet.meetings import actions
from adcmeet.meetings.actions.tracking import consent_agenda
from adcmeet.meetings.mail import meeting_mail
from adcmeet.meetings.models import Meeting, OutboundMail
from deliverables.actions.status import report_status
from deliverables.models import Deliverable
from tests.factories import make_deliverable, make_item, make_meeting, make_roadmap, make_series

pytestmark = pytest.mark.django_db

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
MAY_7 = datetime.date(2031, 5, 7)
MAY_14 = datetime.date(2031, 5, 14)
# The day before the meeting, after the status mail went out.
TUESDAY = datetime.datetime(2031, 5, 13, 11, 0, tzinfo=ZURICH)


def report(deliverable, owner, health, line="", *, at=TUESDAY):
    with time_machine.travel(at, tick=False):
        return report_status(deliverable=deliverable, by=owner, health=health, line=line)


@pytest.fixture
def series(convener):
    series = make_series()
    series.conveners.add(convener)
    return series


@pytest.fixture
def meeting(series):
    make_meeting(series, on=MAY_7, state=Meeting.State.HELD, revision=1)
    return make_meeting(series, on=MAY_14)


@pytest.fixture
def roadmap(db, developer):
    roadmap = make_roadmap(2031)

    def due(title):
        return make_deliverable(title, period="May", owners=(developer,))

    return {
        "slipped": make_deliverable("looping job killer", period="April", owners=(developer,)),
        "late": make_deliverable(
            "harvester on ARM",
            period="Summer",
            owners=(developer,),
            deadline=datetime.date(2031, 8, 31),
            lead_time_days=122,  # start by 1 May
        ),
        "on_track": due("Rucio 35 in the pilot"),
        "at_risk": due("CRIC cutover"),
        "off_track": due("Dask at scale"),
        "unreported": due("job brokerage v2"),
        "done": due("pilot 3.8 release"),
        "roadmap": roadmap,
    }


@pytest.fixture
def reported(roadmap, developer, meeting):
    report(roadmap["on_track"], developer, "on_track", "release candidate in testing")
    report(roadmap["at_risk"], developer, "at_risk", "waiting for the CRIC schema")
    report(roadmap["off_track"], developer, "off_track", "no manpower until June")
    report(roadmap["done"], developer, "done", "tagged 3.8.0")
    return roadmap


def titles(proposals):
    return [str(p.deliverable) for p in proposals]


def test_flagged_items_come_first_then_the_unreported_then_what_passes_by_consent(
    meeting, reported
):
    proposals = actions.propose_tracking_items(meeting=meeting)

    assert titles(proposals) == [
        "Dask at scale",  # off track
        "CRIC cutover",  # at risk
        "looping job killer",  # not reported: slipped,
        "harvester on ARM",  # start-by passed,
        "job brokerage v2",  # due
        "Rucio 35 in the pilot",  # on track: consent
        "pilot 3.8 release",  # reported done (which closed it): consent
    ]
    assert [p.consent for p in proposals] == [False] * 5 + [True] * 2
    assert proposals[1].line == "waiting for the CRIC schema"
    assert proposals[-1].deliverable.status == Deliverable.Status.DONE


def test_consent_items_are_never_ticked_and_flagged_ones_get_the_time_first(meeting, reported):
    proposals = actions.propose_tracking_items(meeting=meeting)

    ticked = actions.tick_within_objective(proposals, minutes_left=10, minutes_each=5)

    assert ticked == 10
    assert [str(p.deliverable) for p in proposals if p.ticked] == ["Dask at scale", "CRIC cutover"]
    actions.tick_within_objective(proposals, minutes_left=600, minutes_each=5)
    assert not any(p.ticked for p in proposals if p.consent)
    assert all(p.ticked for p in proposals if not p.consent)


def test_a_report_from_before_the_previous_meeting_is_no_longer_consent(
    meeting, roadmap, developer
):
    report(roadmap["on_track"], developer, "on_track", at=TUESDAY - datetime.timedelta(days=8))

    proposals = actions.propose_tracking_items(meeting=meeting)

    on_track = next(p for p in proposals if p.deliverable == roadmap["on_track"])
    assert on_track.health == ""
    assert not on_track.consent


def test_the_newest_report_counts(meeting, roadmap, developer):
    report(roadmap["at_risk"], developer, "on_track", at=TUESDAY - datetime.timedelta(days=2))
    report(roadmap["at_risk"], developer, "at_risk", "the schema slipped")

    proposals = actions.propose_tracking_items(meeting=meeting)

    assert proposals[0].deliverable == roadmap["at_risk"]
    assert proposals[0].line == "the schema slipped"


def test_the_agenda_mail_shows_the_status_lines_and_what_passed_by_consent(meeting, reported):
    actions.accept_tracking_items(
        meeting=meeting, version=1, by=None, deliverables=[reported["at_risk"]]
    )
    meeting.refresh_from_db()
    make_item(meeting, "Rucio news", section="focus")

    actions.publish_meeting(meeting=meeting, version=meeting.version, by=None)

    mail = OutboundMail.objects.filter(kind=OutboundMail.Kind.AGENDA).first()
    text = mail.body_text
    assert "CRIC cutover" in text
    assert "Status: At risk: waiting for the CRIC schema" in text
    assert "Passed by consent (reported on track or done, no airtime):" in text
    assert "* Rucio 35 in the pilot (on track): release candidate in testing" in text
    assert "* pilot 3.8 release (done): tagged 3.8.0" in text
    assert "Status: At risk: waiting for the CRIC schema" in mail.body_html
    assert "Passed by consent" in mail.body_html


def test_an_agenda_mail_with_no_reports_says_nothing_of_consent(meeting, roadmap):
    context = meeting_mail.meeting_context(meeting, [])

    assert context["consent"] == []


def test_a_report_made_once_the_meeting_began_is_left_to_the_next_meeting(
    meeting, reported, developer
):
    during = meeting.start + datetime.timedelta(minutes=30)
    report(reported["at_risk"], developer, "on_track", "fixed in the meeting", at=during)
    report(reported["unreported"], developer, "done", "shipped after all", at=during)
    items = actions.agenda_items(meeting)

    agenda = consent_agenda(meeting, items)

    proposals = actions.propose_tracking_items(meeting=meeting)
    at_risk = next(p for p in proposals if p.deliverable == reported["at_risk"])
    assert at_risk.line == "waiting for the CRIC schema"  # what it was held with
    assert [str(p.deliverable) for p in agenda.passed] == [
        "Rucio 35 in the pilot",
        "pilot 3.8 release",
    ]
