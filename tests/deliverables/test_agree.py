""" "Agree" freezes the baseline: the manager confirms it first, and can take it back for a
while, as long as nothing on the roadmap changed since."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from adcmeet.core.versioning import Refused
from deliverables import actions
from deliverables.models import Roadmap
from tests import factories


@pytest.fixture
def draft(roadmap, manager):
    factories.make_deliverable("T1-T1 PD2P implemented & under test", roadmap=roadmap)
    return actions.advance_roadmap(roadmap, to_state="draft", by=manager, version=roadmap.version)


def agree(client, roadmap, **extra):
    data = {"state": "agreed", "version": roadmap.version, **extra}
    return client.post(f"/roadmaps/{roadmap.pk}/state/", data, follow=True)


def test_agree_asks_for_confirmation_and_freezes_nothing_until_confirmed(client, manager, draft):
    client.force_login(manager)
    page = agree(client, draft)
    html = page.content.decode()
    assert "Agree PanDA+Prodsys 2011?" in html
    assert "its 1 deliverable" in html
    assert 'name="confirm" value="yes"' in html
    draft.refresh_from_db()
    assert (draft.state, draft.baseline) == ("draft", None)


def test_confirmed_agreement_freezes_the_baseline_and_offers_an_undo(client, manager, draft):
    client.force_login(manager)
    page = agree(client, draft, confirm="yes")
    draft.refresh_from_db()
    assert draft.state == Roadmap.State.AGREED
    assert len(draft.baseline) == 1
    html = page.content.decode()
    assert "You can undo this for 30 minutes" in html
    assert "Undo the agreement" in html


def test_the_manager_undoes_an_agreement_and_the_history_says_so(client, manager, draft):
    client.force_login(manager)
    agree(client, draft, confirm="yes")
    draft.refresh_from_db()
    page = client.post(f"/roadmaps/{draft.pk}/agree/undo/", {"version": draft.version}, follow=True)
    assert "The agreement was undone" in page.content.decode()
    draft.refresh_from_db()
    assert (draft.state, draft.agreed_at, draft.baseline) == ("draft", None, None)
    last = draft.history.order_by("-history_date").first()
    assert (last.state, last.history_user, last.history_change_reason) == (
        "draft",
        manager,
        "Agreement undone",
    )


def test_no_undo_once_a_deliverable_moved_since(client, manager, draft):
    client.force_login(manager)
    agree(client, draft, confirm="yes")
    draft.refresh_from_db()
    item = draft.deliverables.get()
    actions.move_to_period(
        item, period=draft.periods.get(label="May"), by=manager, version=item.version, reason="x"
    )
    page = client.get(f"/roadmaps/{draft.pk}/").content.decode()
    assert "Undo the agreement" not in page
    response = client.post(f"/roadmaps/{draft.pk}/agree/undo/", {"version": draft.version})
    assert response.status_code == 422
    assert "can no longer be undone" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "agreed"


def test_no_undo_after_the_window(manager, draft):
    agreed = actions.agree_roadmap(draft, by=manager, version=draft.version)
    later = timezone.now() + actions.AGREEMENT_UNDO_WINDOW + datetime.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert actions.agreement_undo_deadline(agreed) is None
        with pytest.raises(Refused, match="no longer be undone"):
            actions.undo_agreement(agreed, by=manager, version=agreed.version)
    agreed.refresh_from_db()
    assert agreed.state == "agreed"


def test_a_developer_cannot_undo_an_agreement(client, developer, manager, draft):
    agreed = actions.agree_roadmap(draft, by=manager, version=draft.version)
    client.force_login(developer)
    response = client.post(f"/roadmaps/{agreed.pk}/agree/undo/", {"version": agreed.version})
    assert response.status_code == 403
    agreed.refresh_from_db()
    assert agreed.state == "agreed"
