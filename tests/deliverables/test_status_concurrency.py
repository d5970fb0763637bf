"""A status link clicked twice at once (a double click, a mail client prefetching the POST, a
replay): two real threads on PostgreSQL, applied once."""

import datetime

import pytest
from django.db import connection

from deliverables import status_links
from deliverables.actions import status
from deliverables.models import DeliverableChange, StatusLink
from tests import factories
from tests.concurrency import errors, race, winners

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


@pytest.mark.parametrize("purpose", ["done", "on_track", "move"])
def test_the_same_link_used_twice_at_once_applies_once(purpose):
    developer = factories.make_user("bob", name="Bob Developer")
    factories.make_roadmap(2031)
    rucio = factories.make_deliverable("Rucio 1.0", period="April", owners=(developer,))
    request = status.request_status(
        owner=developer, for_date=datetime.date(2031, 4, 14), deliverables=[rucio]
    )
    token = status_links.issue_links(request, expires_at=status_links.default_expiry())[
        (rucio.pk, purpose)
    ]

    def click():
        return status.use_link(token, reason="waiting for AGIS schema")

    outcomes = race(click, click)

    assert len(winners(outcomes)) == 1
    assert [type(error) for error in errors(outcomes)] == [status_links.LinkUsed]
    kinds = DeliverableChange.objects.exclude(kind="created").values_list("kind", flat=True)
    expected = {"done": ["status", "report"], "on_track": ["report"], "move": ["move"]}[purpose]
    assert sorted(kinds) == sorted(expected)
    assert StatusLink.objects.filter(used_at__isnull=False).count() == 1
