"""The builder's htmx answers to an add or a move compute only what they draw (issue 7, and the
round that added duration history and carry-forward to the builder): a draft's publish row
stays as the browser has it unless its focus topic came or went (no read of the previous
meeting), and the duration history is read only when a drawn row can have a suggestion."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adcmeet.meetings.models import Meeting
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
DAYS = [datetime.date(2031, 11, d) for d in (5, 12, 19)]
NEXT = datetime.date(2031, 12, 3)


@pytest.fixture
def series(developer):
    """Three held meetings where Bob's item, planned 10 min, ran 11, 12 and 13 min."""
    series = factories.make_series()
    for day, ran in zip(DAYS, (11, 12, 13), strict=True):
        held = factories.make_meeting(series, on=day, state=Meeting.State.HELD, revision=1)
        factories.make_item(
            held, "Rucio news", presenter=developer, duration_minutes=10, actual_seconds=ran * 60
        )
    return series


@pytest.fixture
def draft(series, developer):
    meeting = factories.make_meeting(series, on=NEXT)
    factories.make_item(meeting, "PanDA server release")
    factories.make_item(meeting, "Rucio status", presenter=developer)
    return meeting


@pytest.fixture
def as_convener(client, convener):
    client.force_login(convener)
    return client


def add(client, meeting, section="hot", **fields):
    meeting.refresh_from_db()
    data = {
        "version": meeting.version,
        "section": section,
        f"add-{section}-title": "CVMFS for conditions data",
        f"add-{section}-duration_minutes": "15",
        **{f"add-{section}-{name}": value for name, value in fields.items()},
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/meetings/{meeting.pk}/items/add/", data, **HX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#budget"
    return response.content.decode(), [query["sql"] for query in queries]


def history_reads(queries: list[str]) -> int:
    """How many of `queries` read the duration history (actuals.history)."""
    return sum('"actual_seconds" IS NOT NULL' in sql for sql in queries)


def test_an_add_to_a_draft_leaves_its_publish_row_as_the_browser_has_it(as_convener, draft):
    page, _ = add(as_convener, draft)

    assert 'id="publish-row"' not in page
    assert draft.items.filter(title="CVMFS for conditions data").exists()


def test_an_add_after_a_refused_publish_clears_the_refusal_beside_the_publish_button(
    as_convener, draft
):
    refused = as_convener.post(
        f"/meetings/{draft.pk}/publish/", {"version": draft.version}, **HX
    ).content.decode()
    beside = re.search(r'<div id="publish-refusal">(.*?)</div>\s*<p>State', refused, re.S)
    assert "The agenda has no focus topic." in beside.group(1)

    page, _ = add(as_convener, draft)

    assert '<div id="publish-refusal" hx-swap-oob="true"></div>' in page
    assert 'id="publish-row"' not in page


def test_adding_the_focus_topic_redraws_the_publish_row_without_the_no_focus_box(
    as_convener, draft
):
    whole = as_convener.get(f"/meetings/{draft.pk}/edit/").content.decode()
    assert 'id="no-focus"' in whole

    page, _ = add(as_convener, draft, section="focus")

    assert '<div id="publish-row" hx-swap-oob="true">' in page
    assert 'id="no-focus"' not in page
    assert "Copy recurring items from" in page  # the previous meeting, read for the row


def test_removing_the_focus_topic_brings_the_no_focus_box_back(as_convener, draft):
    focus = factories.make_item(draft, "Storage consolidation", section="focus")
    draft.refresh_from_db()

    response = as_convener.post(
        f"/meetings/{draft.pk}/items/{focus.pk}/remove/", {"version": draft.version}, **HX
    )

    page = response.content.decode()
    assert '<div id="publish-row" hx-swap-oob="true">' in page
    assert 'id="no-focus"' in page


def test_a_change_of_a_published_agenda_redraws_the_publish_row(as_convener, draft):
    Meeting.objects.filter(pk=draft.pk).update(
        state=Meeting.State.PUBLISHED, revision=1, announced_revision=1
    )

    page, _ = add(as_convener, draft)

    assert '<div id="publish-row" hx-swap-oob="true">' in page
    assert "the agenda changed since it was mailed" in page


def test_an_added_item_shows_its_presenters_history_on_its_row(as_convener, draft, developer):
    page, _ = add(as_convener, draft, presenter=str(developer.pk))

    appended = re.search(r'<ol hx-swap-oob="beforeend:#items-hot">.*?</ol>', page, re.S).group(0)
    assert "ran 12 min on average over the last 3 meetings (planned 10)" in appended
    # The list for the forms stays in the page as it is (only the whole builder writes it).
    assert "How long items ran at recent meetings" not in page


def test_adding_an_item_nobody_presents_does_not_read_the_history(as_convener, draft, developer):
    _, presented = add(as_convener, draft, presenter=str(developer.pk))
    page, unpresented = add(as_convener, draft)

    assert "ran 12 min on average" not in page
    assert history_reads(presented) == 1
    assert history_reads(unpresented) == 0


def test_a_move_redraws_its_rows_with_their_history(as_convener, draft):
    rucio = draft.items.get(title="Rucio status")
    draft.refresh_from_db()

    response = as_convener.post(
        f"/meetings/{draft.pk}/items/{rucio.pk}/move/",
        {"version": draft.version, "direction": "up"},
        **HX,
    )

    page = response.content.decode()
    hot = re.search(r'<ol class="agenda-items" id="items-hot".*?</ol>', page, re.S).group(0)
    assert hot.index("Rucio status") < hot.index("PanDA server release")
    assert hot.count("ran 12 min on average over the last 3 meetings") == 1
    assert 'id="publish-row"' not in page
