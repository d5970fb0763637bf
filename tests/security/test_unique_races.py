"""Unique names a form writes: two people submitting the same one at the same moment get one
saved and one form error, never an error page (the database's constraint is the referee)."""

import pytest
from django.db import connection
from django.test import Client

from deliverables.models import Roadmap
from taskforces.models import Checkpoint
from tests.concurrency import race
from tests.conftest import need


def _logged_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_two_managers_creating_the_same_roadmap_at_once_get_one_roadmap_and_one_form_error(
    manager, convener
):
    # SQLite has one writer at a time: a second writer waits or fails, never races.
    need(connection.vendor == "postgresql", "PostgreSQL (concurrent writers)")
    clients = [_logged_in(manager), _logged_in(convener)]
    convener.is_superuser = True  # managers run roadmaps; a superuser holds every role
    convener.save()
    data = {"name": "PanDA+Prodsys", "year": "2031"}

    outcomes = race(*(lambda c=c: c.post("/roadmaps/new/", data) for c in clients))

    statuses = sorted(outcome.value.status_code for outcome in outcomes)
    assert statuses == [302, 422]
    refused = next(o.value for o in outcomes if o.value.status_code == 422)
    assert "There is already a roadmap “PanDA+Prodsys 2031”" in refused.content.decode()
    assert Roadmap.objects.filter(name="PanDA+Prodsys", year=2031).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_conveners_creating_checkpoints_with_one_short_name_at_once_get_a_form_error(
    manager, convener
):
    need(connection.vendor == "postgresql", "PostgreSQL (concurrent writers)")
    clients = [_logged_in(manager), _logged_in(convener)]
    data = {
        "slug": "dubna",
        "date": "2031-05-30",
        "end_date": "",
        "location": "JINR Dubna",
        "description": "",
    }

    outcomes = race(
        lambda: clients[0].post("/checkpoints/new/", data | {"name": "Dubna workshop"}),
        lambda: clients[1].post("/checkpoints/new/", data | {"name": "Dubna meeting"}),
    )

    statuses = sorted(outcome.value.status_code for outcome in outcomes)
    assert statuses == [302, 422]
    refused = next(o.value for o in outcomes if o.value.status_code == 422)
    assert "another checkpoint may have just taken this short name" in refused.content.decode()
    assert Checkpoint.objects.filter(slug="dubna").count() == 1
