"""The signed links of a status mail: what each one does, and everything that must refuse it
(a changed token, an expired, used or revoked link), with the pages people see."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from adcmeet import logconfig
from deliverables import status_links
from deliverables.actions import status
from deliverables.models import StatusLink
from tests import factories

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2011, 6, 20)


@pytest.fixture
def rucio(roadmap, developer):
    return factories.make_deliverable("Rucio 1.0", period="June", owners=(developer,))


@pytest.fixture
def tokens(rucio, developer):
    request = status.request_status(owner=developer, for_date=MONDAY, deliverables=[rucio])
    return status_links.issue_links(request, expires_at=status_links.default_expiry())


def link_url(tokens, rucio, purpose):
    return f"/status/{tokens[(rucio.pk, purpose)]}/"


def csrf_post(client: Client, url: str, data: dict | None = None):
    """POST as a browser does: the form's CSRF token, from the page the GET showed."""
    page = client.get(url)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return client.post(url, {"csrfmiddlewaretoken": token.decode(), **(data or {})})


def test_issuing_makes_one_link_per_item_and_purpose_each_with_its_own_token(tokens, rucio):
    assert set(tokens) == {(rucio.pk, p) for p in ("done", "on_track", "move", "report")}
    assert len(set(tokens.values())) == 4
    assert StatusLink.objects.count() == 4
    url = status_links.url_for(tokens[(rucio.pk, "done")])
    assert url.startswith("http")
    assert url.endswith(f"/status/{tokens[(rucio.pk, 'done')]}/")


def test_opening_a_link_shows_a_confirmation_and_changes_nothing(client, tokens, rucio):
    response = client.get(link_url(tokens, rucio, "done"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mark \u2018Rucio 1.0\u2019 done?" in page
    assert "June" in page
    assert 'method="post"' in page
    rucio.refresh_from_db()
    assert (rucio.status, rucio.version) == ("planned", 1)
    assert not rucio.changes.filter(kind="report").exists()
    assert StatusLink.objects.filter(used_at__isnull=False).count() == 0
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_logged_out_confirming_done_marks_it_done_in_the_owners_name(
    tokens, rucio, developer, mid_june_2011
):
    client = Client(enforce_csrf_checks=True)
    response = csrf_post(client, link_url(tokens, rucio, "done"), {"line": "tagged 1.0.0"})
    assert response.status_code == 302
    assert response["Location"] == link_url(tokens, rucio, "done") + "done/"
    rucio.refresh_from_db()
    assert (rucio.status, rucio.done_on) == ("done", mid_june_2011)
    report = rucio.changes.get(kind="report")
    assert (report.health, report.line, report.by) == ("done", "tagged 1.0.0", developer)
    done_page = client.get(response["Location"])
    assert "reported <strong>done</strong>" in done_page.content.decode()
    assert "no-store" in done_page["Cache-Control"]


def test_on_track_records_a_report_and_leaves_the_status(tokens, rucio):
    client = Client(enforce_csrf_checks=True)
    csrf_post(client, link_url(tokens, rucio, "on_track"))
    rucio.refresh_from_db()
    assert rucio.status == "planned"
    assert rucio.changes.get(kind="report").health == "on_track"


def test_the_report_form_takes_a_health_and_a_line(tokens, rucio):
    client = Client(enforce_csrf_checks=True)
    url = link_url(tokens, rucio, "report")
    page = client.get(url).content.decode()
    assert 'type="radio" name="health" value="at_risk"' in page
    missing = csrf_post(client, url, {"line": "schema late"})
    assert missing.status_code == 422
    assert "Choose how it stands" in missing.content.decode()
    assert 'value="schema late"' in missing.content.decode()  # what they typed is kept
    csrf_post(client, url, {"health": "at_risk", "line": "schema late"})
    report = rucio.changes.get(kind="report")
    assert (report.health, report.line) == ("at_risk", "schema late")


def test_move_shows_the_next_period_and_needs_a_reason(tokens, rucio, mid_june_2011):
    client = Client(enforce_csrf_checks=True)
    url = link_url(tokens, rucio, "move")
    page = client.get(url).content.decode()
    assert "Move \u2018Rucio 1.0\u2019 to Summer?" in page
    assert "counts as a slip" in page
    refused = csrf_post(client, url, {"reason": "  "})
    assert refused.status_code == 422
    rucio.refresh_from_db()
    assert rucio.period.label == "June"
    csrf_post(client, url, {"reason": "waiting for AGIS schema"})
    rucio.refresh_from_db()
    move = rucio.changes.get(kind="move")
    assert (rucio.period.label, move.is_slip, move.reason) == (
        "Summer",
        True,
        "waiting for AGIS schema",
    )


def test_a_post_without_the_csrf_token_is_refused_and_applies_nothing(tokens, rucio):
    client = Client(enforce_csrf_checks=True)
    client.get(link_url(tokens, rucio, "done"))  # has the cookie, but not the form's token
    response = client.post(link_url(tokens, rucio, "done"))
    assert response.status_code == 403
    rucio.refresh_from_db()
    assert rucio.status == "planned"
    assert StatusLink.objects.filter(used_at__isnull=False).count() == 0


def test_a_used_link_is_refused_with_a_clear_page(client, tokens, rucio):
    url = link_url(tokens, rucio, "done")
    client.post(url)
    again = client.get(url)
    assert again.status_code == 410
    page = again.content.decode()
    assert "This link was already used" in page
    assert f'href="/deliverables/{rucio.pk}/"' in page
    replay = client.post(url)
    assert replay.status_code == 410
    assert rucio.changes.filter(kind="report").count() == 1


def test_a_changed_token_is_refused_without_a_500(client, tokens, rucio):
    token = tokens[(rucio.pk, "done")]
    for forged in (token[:-2] + "xx", token.replace(":", ";", 1), "nonsense", "a" * 400):
        response = client.get(f"/status/{forged}/")
        assert response.status_code == 404, forged
        assert "This link is not valid" in response.content.decode()
        assert client.post(f"/status/{forged}/").status_code == 404
    rucio.refresh_from_db()
    assert rucio.status == "planned"


def test_a_token_signed_for_another_purpose_is_not_a_status_link(client, rucio):
    from django.core import signing

    link_id = "0" * 32
    other = signing.dumps([link_id, 2_000_000_000], salt="mail.unsubscribe")
    assert client.get(f"/status/{other}/").status_code == 404


def test_an_expired_link_is_refused(client, tokens, rucio):
    StatusLink.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(link_url(tokens, rucio, "done"))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert client.post(link_url(tokens, rucio, "done")).status_code == 410
    rucio.refresh_from_db()
    assert rucio.status == "planned"


def test_revoking_from_my_deliverables_stops_every_link(client, tokens, rucio, developer):
    client.force_login(developer)
    response = client.post("/deliverables/mine/status-links/revoke/")
    assert response.status_code == 302
    assert StatusLink.objects.filter(revoked_at__isnull=True).count() == 0
    client.logout()
    refused = client.get(link_url(tokens, rucio, "on_track"))
    assert refused.status_code == 410
    assert "This link was revoked" in refused.content.decode()
    assert client.post(link_url(tokens, rucio, "on_track")).status_code == 410
    assert not rucio.changes.filter(kind="report").exists()


def test_a_link_of_an_owner_who_no_longer_owns_the_item_is_refused(client, tokens, rucio):
    rucio.owners.clear()
    response = client.post(link_url(tokens, rucio, "on_track"))
    assert response.status_code == 403
    assert "Only the deliverable" in response.content.decode()
    assert not StatusLink.objects.filter(used_at__isnull=False).exists()


def test_status_tokens_never_reach_the_logs(tokens, rucio):
    token = tokens[(rucio.pk, "done")]
    line = f"Method Not Allowed (PUT): /status/{token}/done/"
    assert token not in logconfig.redact(line)
    assert "/status/[redacted]/done/" in logconfig.redact(line)
    assert logconfig.redact("/deliverables/3/status/") == "/deliverables/3/status/"


def test_the_done_page_of_a_forged_token_is_refused_and_of_an_unused_link_leads_back(
    client, tokens, rucio
):
    assert client.get("/status/no-such-thing/done/").status_code == 404
    unused = client.get(link_url(tokens, rucio, "done") + "done/")
    assert unused.status_code == 302
    assert unused["Location"] == link_url(tokens, rucio, "done")


def test_a_move_link_with_no_later_period_says_so_and_offers_no_button(client, developer):
    later = factories.make_deliverable("Someday", period="Later", owners=(developer,))
    request = status.request_status(owner=developer, for_date=MONDAY, deliverables=[later])
    tokens = status_links.issue_links(request, expires_at=status_links.default_expiry())
    url = link_url(tokens, later, "move")
    page = client.get(url).content.decode()
    assert "There is no later period to move it to." in page
    assert 'name="reason"' not in page
    refused = client.post(url, {"reason": "no time"})
    assert refused.status_code == 422
    assert not later.changes.filter(kind="move").exists()
    assert client.get(url).status_code == 200  # still usable: nothing was applied
