"""Attendance: ADC members present or with regrets, invitees by name and affiliation; the
conveners and presenters offered as one-click "mark present"; a duplicate is a clear message,
never a 500, also when two conveners add the same person at the same moment."""

import datetime

import pytest
from django.db import connection

from adcmeet.core.versioning import Refused
from adcmeet.meetings import actions
from adcmeet.meetings.models import Attendance
from tests import factories
from tests.concurrency import errors, race, winners

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def meeting(db, convener, developer):
    series = factories.make_series()
    series.conveners.add(convener)
    meeting = factories.make_meeting(
        series, on=datetime.date(2031, 1, 15), state="held", revision=1
    )
    factories.make_item(meeting, "PanDA news", presenter=developer)
    factories.make_item(
        meeting, "Rucio at BNL", presenter_name="Hiro Ito", presenter_affiliation="BNL"
    )
    return meeting


def sheet(client, meeting) -> str:
    return client.get(f"/meetings/{meeting.pk}/minutes/").content.decode()


def test_marking_a_member_twice_leaves_one_row_with_the_last_status(meeting, developer):
    actions.set_attendance(meeting=meeting, by=None, user=developer)
    actions.set_attendance(meeting=meeting, by=None, user=developer, status="regrets")

    row = Attendance.objects.get()
    assert (row.user, row.status) == (developer, "regrets")


def test_an_invitee_of_the_same_name_in_other_case_is_refused_naming_the_field(meeting):
    actions.set_attendance(meeting=meeting, by=None, name="Hiro  Ito", affiliation="BNL")

    with pytest.raises(Refused, match="already on the attendance list") as refused:
        actions.set_attendance(meeting=meeting, by=None, name="hiro ito")

    assert refused.value.field == "name"
    assert Attendance.objects.get().name == "Hiro Ito"


def test_an_invisible_name_is_refused(meeting):
    with pytest.raises(Refused):
        actions.set_attendance(meeting=meeting, by=None, name="\u200b")
    assert not Attendance.objects.exists()


def test_the_sheet_offers_conveners_presenters_and_guests_and_marks_them_present(
    client, meeting, convener, developer
):
    client.force_login(convener)
    page = sheet(client, meeting)
    assert 'Mark present<span class="visually-hidden">: Bob Developer' in page
    assert 'Mark present<span class="visually-hidden">: Alice Convener' in page
    assert 'Mark present<span class="visually-hidden">: Hiro Ito' in page

    response = client.post(
        f"/meetings/{meeting.pk}/attendance/",
        {"attendance-member": str(developer.pk), "attendance-status": "present"},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#minutes-attendance")
    page = sheet(client, meeting)
    assert 'Mark present<span class="visually-hidden">: Bob Developer' not in page
    assert Attendance.objects.get().user == developer


def test_a_duplicate_invitee_with_htmx_is_a_form_error_in_the_region(client, meeting, convener):
    client.force_login(convener)
    data = {"attendance-name": "Hiro Ito", "attendance-status": "present"}
    client.post(f"/meetings/{meeting.pk}/attendance/", data, **HX)

    response = client.post(
        f"/meetings/{meeting.pk}/attendance/", {**data, "attendance-name": "HIRO ITO"}, **HX
    )

    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="minutes-attendance"')
    assert "already on the attendance list" in body
    assert 'value="HIRO ITO"' in body  # what they typed, kept
    assert Attendance.objects.count() == 1


def test_nobody_picked_is_refused_without_javascript_with_the_error_summary(
    client, meeting, convener
):
    client.force_login(convener)

    response = client.post(f"/meetings/{meeting.pk}/attendance/", {"attendance-status": "present"})

    assert response.status_code == 422
    assert 'href="#minutes-attendance"' in response.content.decode()


def test_removing_takes_them_off_and_only_conveners_may(client, meeting, convener, developer):
    row = actions.set_attendance(meeting=meeting, by=None, user=developer)
    client.force_login(developer)
    assert client.post(f"/meetings/{meeting.pk}/attendance/{row.pk}/remove/").status_code == 403
    client.force_login(convener)

    response = client.post(f"/meetings/{meeting.pk}/attendance/{row.pk}/remove/", **HX)

    assert response.status_code == 200
    assert "Took Bob Developer off" in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_two_conveners_adding_the_same_invitee_at_once_one_is_told():
    meeting = factories.make_meeting(factories.make_series())

    def adds(name):
        return lambda: actions.set_attendance(meeting=meeting, by=None, name=name)

    outcomes = race(adds("Hiro Ito"), adds("hiro ito"))

    assert len(winners(outcomes)) == 1
    [refused] = errors(outcomes)
    assert isinstance(refused, Refused)
    assert refused.field == "name"
    assert Attendance.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_two_conveners_marking_the_same_member_at_once_leave_one_row():
    meeting = factories.make_meeting(factories.make_series())
    member = factories.make_user("erin")

    def marks(status):
        return lambda: actions.set_attendance(meeting=meeting, by=None, user=member, status=status)

    outcomes = race(marks("present"), marks("present"))

    assert errors(outcomes) == []
    assert Attendance.objects.filter(user=member).count() == 1
