"""A time zone people type is checked where it is stored; one stored before the check does
not take the series' pages down."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from adcmeet.meetings.models import MeetingSeries
from tests import factories

# The data migration that repairs zones stored before the check (its module name starts
# with a digit, so it is imported by name).
repair_zones = importlib.import_module(
    "adcmeet.meetings.migrations.0008_repair_unknown_time_zones"
).repair


@pytest.mark.parametrize(
    "zone", ["Europe/Zurch", "europe zurich", "../etc/passwd", "Europe/Zürich"]
)
def test_a_misspelled_series_zone_is_an_error_on_the_admin_form(db, zone):
    series = factories.make_series()
    staff = factories.make_user("root", is_staff=True, is_superuser=True)
    request = RequestFactory().post("/admin/")
    request.user = staff
    model_admin = admin.site._registry[MeetingSeries]
    Form = model_admin.get_form(request, series)
    data = model_admin.get_form(request, series)(instance=series).initial
    form = Form({**data, "time_zone": zone}, instance=series)

    assert not form.is_valid()
    assert "is not a time zone" in str(form.errors["time_zone"])


def test_the_model_refuses_a_misspelled_zone_and_takes_a_real_one(db):
    series = factories.make_series()
    series.time_zone = "America/Chicgo"
    with pytest.raises(ValidationError):
        series.full_clean()
    series.time_zone = "America/Chicago"
    series.full_clean()


def test_a_zone_stored_before_the_check_is_repaired_and_the_pages_answer(client, db):
    series = factories.make_series()
    meeting = factories.make_meeting(
        series, state="published", revision=1, published_at=timezone.now()
    )
    person = factories.make_user("bob", time_zone="Mars/Olympus_Mons")
    MeetingSeries.objects.filter(pk=series.pk).update(time_zone="Mars/Olympus_Mons")
    assert series.tz.key == "Europe/Zurich"  # read before the repair: the site's zone

    repair_zones(django_apps, None)

    series.refresh_from_db()
    person.refresh_from_db()
    assert (series.time_zone, person.time_zone) == ("Europe/Zurich", "")
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    assert client.get(f"/calendar/{series.slug}.ics").status_code == 200
