import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings.models import Meeting
from adcmeet.meetings.seed import load_seed
from deliverables.models import Deliverable, DeliverableChange, Roadmap
from taskforces.models import TaskForce
from tests import factories

pytestmark = pytest.mark.django_db

# Thursday 6 March 2031, 10:00 in Zurich.
NOW = datetime.datetime(2031, 3, 6, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def seeded():
    with time_machine.travel(NOW, tick=False):
        load_seed(year=2031)
        yield Roadmap.objects.get(year=2031)


def text_of(response) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return text.replace(" ,", ",")


def row(response, label: str) -> list[str]:
    """The cells of one period's row in the roadmap table."""
    html = response.content.decode()
    match = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(label)} .*?</tr>", html, re.S)
    assert match, f"no row for {label}"
    return re.findall(r"<td[^>]*>(\d+)</td>", match.group(0))


def test_home_shows_the_next_wednesday_meeting_at_five_in_zurich(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Wednesday 12 March 2031, 17:00 Europe/Zurich" in text
    assert "ADC development meeting: weekly on Wednesdays at 17:00 Europe/Zurich" in text
    assert 'datetime="2031-03-12T17:00:00+01:00"' in response.content.decode()


def test_home_skips_cancelled_meetings(client, seeded):
    Meeting.objects.filter(scheduled_for=datetime.date(2031, 3, 12)).update(
        state="cancelled", revision=1
    )
    with time_machine.travel(NOW, tick=False):
        response = client.get("/")
    assert "Wednesday 19 March 2031, 17:00" in text_of(response)


def test_home_counts_the_roadmap_by_period(client, seeded):
    with time_machine.travel(NOW, tick=False):
        response = client.get("/")
    # planned, done, slipped, tentative
    assert row(response, "April") == ["3", "0", "0", "0"]
    assert row(response, "June") == ["3", "0", "0", "1"]
    assert row(response, "Fall") == ["4", "0", "0", "3"]
    assert row(response, "Later") == ["2", "0", "0", "2"]
    assert "PanDA+Prodsys priority dev deliverables 2031" in text_of(response)
    assert "Strawman" in text_of(response)


def test_done_and_slipped_deliverables_are_counted(client, seeded, convener):
    april, may = seeded.periods.get(label="April"), seeded.periods.get(label="May")
    done = april.deliverables.first()
    Deliverable.objects.filter(pk=done.pk).update(status="done", done_on=datetime.date(2031, 4, 2))
    moved = april.deliverables.exclude(pk=done.pk).first()
    Deliverable.objects.filter(pk=moved.pk).update(period=may)
    DeliverableChange.objects.create(
        deliverable=moved, kind="move", from_period=april, to_period=may, is_slip=True, by=convener
    )
    with time_machine.travel(datetime.datetime(2031, 5, 10, 9, 0, tzinfo=datetime.UTC)):
        response = client.get("/")
    april_row, may_row = row(response, "April"), row(response, "May")
    assert april_row[1] == "1"  # done
    assert april_row[2] == "2"  # the moved one, and the open one left behind after April ended
    assert may_row[0] == "6"


def test_home_lists_task_forces_by_kind_and_the_dubna_checkpoint(client, seeded):
    with time_machine.travel(NOW, tick=False):
        response = client.get("/")
    text = text_of(response)
    assert "Next checkpoint: Dubna workshop, 6 June 2031" in text
    names = re.findall(r'<li><a href="/taskforces/[^"]+/">([^<]+)</a>', response.content.decode())
    assert names[:3] == ["CVMFS", "Multicores", "Network Monitoring"]  # task forces first
    assert len(names) == TaskForce.objects.count() == 11
    assert "File &amp; event level caching" in names


def test_home_without_any_data_says_so(client):
    text = text_of(client.get("/"))
    assert "No meeting series yet." in text
    assert "No roadmap yet." in text
    assert "None yet." in text


def test_the_query_count_does_not_grow_with_the_data(client, seeded, developer):
    client.force_login(developer)

    def count_queries() -> int:
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    small = count_queries()
    for n in range(40):
        factories.make_task_force(f"Activity {n}", kind=TaskForce.Kind.RND)
        factories.make_deliverable(f"Extra deliverable {n}", roadmap=seeded, period="Summer")
    for n in range(10):
        factories.make_checkpoint(f"Workshop {n}", date=datetime.date(2031, 7, 1 + n))
    assert count_queries() == small
    assert small <= 10
