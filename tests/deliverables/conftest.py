import datetime
import zoneinfo

import pytest
import time_machine

from tests import factories

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas are made per test; the production hasher would spend seconds on them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mid_june_2011():
    """Today is Wednesday 15 June 2011: April and May have ended, June has not."""
    with time_machine.travel(datetime.datetime(2011, 6, 15, 10, 0, tzinfo=ZURICH), tick=False):
        yield datetime.date(2011, 6, 15)


@pytest.fixture
def roadmap(db):
    """The seed's buckets for 2011: April, May, June, Summer, Fall, Later."""
    return factories.make_roadmap(2011)


def period(roadmap, label):
    return roadmap.periods.get(label=label)
