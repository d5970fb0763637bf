"""Staff see who was asked for a status and revoke an owner's links from the admin (a mail
forwarded to the wrong list)."""

import datetime

import pytest

from deliverables import status_links
from deliverables.actions import status
from deliverables.models import StatusLink, StatusRequest
from tests import factories

pytestmark = pytest.mark.django_db


def test_staff_revoke_an_owners_links_from_the_admin(client, roadmap, developer):
    staff = factories.make_user("root", is_staff=True, is_superuser=True)
    item = factories.make_deliverable("Rucio 1.0", owners=(developer,))
    request = status.request_status(
        owner=developer, for_date=datetime.date(2011, 6, 20), deliverables=[item]
    )
    status_links.issue_links(request, expires_at=status_links.default_expiry())
    client.force_login(staff)

    page = client.get(f"/admin/deliverables/statusrequest/{request.pk}/change/")
    assert page.status_code == 200
    assert "Mark done" in page.content.decode()
    response = client.post(
        "/admin/deliverables/statusrequest/",
        {"action": "revoke_owners_links", "_selected_action": [request.pk]},
        follow=True,
    )
    assert "Revoked 4 status links." in response.content.decode()
    assert not StatusLink.objects.filter(revoked_at__isnull=True).exists()
    assert StatusRequest.objects.count() == 1
    assert client.get("/admin/deliverables/statusrequest/add/").status_code == 403
