"""A successful htmx change of the agenda answers with the regions it alters, not the whole
builder: the add and schedule forms (with their long presenter and topic lists) and the
tracking proposals stay as the browser has them (issue 7)."""

import datetime
import re

import pytest

from adcmeet.meetings.models import AgendaItem
from tests import factories

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
MAY_14 = datetime.date(2031, 5, 14)


@pytest.fixture
def meeting(developer):
    factories.make_roadmap(2031)
    factories.make_deliverable("PanDA monitoring archive in NoSQL", period="May")
    for n in range(40):
        factories.make_user(f"person{n}")
    meeting = factories.make_meeting(factories.make_series(), on=MAY_14)
    factories.make_item(meeting, "PanDA server release", section="hot")
    factories.make_item(meeting, "Rucio status", section="hot", presenter=developer)
    return meeting


@pytest.fixture
def as_convener(client, convener):
    client.force_login(convener)
    return client


def add_forms(page: str) -> list[str]:
    return re.findall(r'<details class="add-item" id="(add-[a-z_]+)"', page)


def test_the_whole_builder_page_writes_each_presenter_list_once_per_form(as_convener, meeting):
    page = as_convener.get(f"/meetings/{meeting.pk}/edit/").content.decode()

    assert add_forms(page) == ["add-focus", "add-hot", "add-tracking", "add-open_floor"]
    assert page.count('<option value="">—</option>') == 4
    assert page.count(">Person39</option>") == 4


def test_a_move_answers_without_any_form_that_did_not_change(as_convener, meeting):
    rucio = meeting.items.get(title="Rucio status")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/{rucio.pk}/move/", {"version": 1, "direction": "up"}, **HX
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<select" not in page
    assert add_forms(page) == []
    assert 'id="proposals"' not in page
    assert 'id="schedule"' not in page
    # The lists, in their new order, replace the old ones out of band.
    hot = re.search(r'<ol class="agenda-items" id="items-hot".*?</ol>', page, re.S).group(0)
    assert 'hx-swap-oob="true"' in hot
    assert hot.index("Rucio status") < hot.index("PanDA server release")
    assert len(page) < 20_000


def test_an_add_answers_with_its_own_form_emptied_and_no_other(as_convener, meeting):
    response = as_convener.post(
        f"/meetings/{meeting.pk}/items/add/",
        {
            "version": 1,
            "section": "hot",
            "add-hot-title": "CVMFS for conditions data",
            "add-hot-duration_minutes": "15",
        },
        **HX,
    )

    page = response.content.decode()
    assert add_forms(page) == ["add-hot"]
    assert '<details class="add-item" id="add-hot" hx-swap-oob="true">' in page
    assert 'value="CVMFS for conditions data"' not in page  # the form comes back empty
    assert page.count("<select") == 1  # its presenter list
    assert meeting.items.filter(title="CVMFS for conditions data").exists()


def test_accepting_tracking_items_answers_with_the_fresh_proposals(as_convener, meeting):
    late = factories.make_deliverable("new looping job killer in pilot", period="April")

    response = as_convener.post(
        f"/meetings/{meeting.pk}/tracking/",
        {"version": 1, "deliverables": [str(late.pk)], "duration_minutes": "5"},
        **HX,
    )

    page = response.content.decode()
    proposals = re.search(r'<div id="proposals" hx-swap-oob="true">.*?</div>', page, re.S)
    assert proposals is not None
    assert "new looping job killer in pilot" not in proposals.group(0)  # now on the agenda
    assert meeting.items.filter(section=AgendaItem.Section.TRACKING, deliverable=late).exists()


def test_an_edit_form_shows_its_presenter_chosen(as_convener, meeting, developer):
    rucio = meeting.items.get(title="Rucio status")

    page = as_convener.get(f"/meetings/{meeting.pk}/items/{rucio.pk}/edit/", **HX).content.decode()

    assert f'<option value="{developer.pk}" selected>Bob Developer</option>' in page
    assert page.count(" selected>") == 1
