"""Mail settings on /me/ and the one-click unsubscribe links of personal mail (RFC 8058)."""

import pytest
from django.core import signing
from django.test import Client

from adcmeet.accounts import mailprefs
from adcmeet.accounts.models import User

pytestmark = pytest.mark.django_db


def flags(user) -> tuple[bool, bool]:
    user.refresh_from_db()
    return user.wants_slip_digests, user.wants_convener_mail


# --- /me/ -------------------------------------------------------------------------------------


def test_the_me_page_has_a_labelled_mail_form(client, developer):
    client.force_login(developer)
    page = client.get("/me/").content.decode()

    assert '<h2 id="my-mail">Mail</h2>' in page
    assert 'action="/me/mail/"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    for name, label in [
        ("wants_slip_digests", "The weekly mail about my deliverables (status requests"),
        ("wants_convener_mail", "Convener mail: the weekly digest of all slips"),
    ]:
        assert f'<input type="checkbox" name="{name}"' in page
        start = page.index(f'name="{name}"')
        label_start = page.rindex("<label", 0, start)
        label_end = page.index("</label>", start)
        assert label in page[label_start:label_end]
        assert "checked" in page[start : page.index(">", start)]


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(client, developer):
    response = client.post("/me/mail/", {})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/me/mail/")
    assert flags(developer) == (True, True)


def test_the_settings_form_takes_only_post(client, developer):
    client.force_login(developer)
    assert client.get("/me/mail/").status_code == 405


def test_a_person_changes_only_their_own_settings(client, developer, manager):
    client.force_login(developer)
    response = client.post("/me/mail/", {"wants_convener_mail": "on"}, follow=True)

    assert response.redirect_chain == [("/me/", 302)]
    assert "Your mail settings are saved." in response.content.decode()
    assert flags(developer) == (False, True)
    assert flags(manager) == (True, True)
    page = response.content.decode()
    start = page.index('name="wants_slip_digests"')
    assert "checked" not in page[start : page.index(">", start)]

    # Ticking it again turns it back on; other people's ids in the body change nothing.
    client.post("/me/mail/", {"wants_slip_digests": "on", "pk": manager.pk, "id": manager.pk})
    assert flags(developer) == (True, False)
    assert flags(manager) == (True, True)


def test_the_settings_form_needs_a_csrf_token(developer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(developer)
    assert client.post("/me/mail/", {}).status_code == 403
    assert flags(developer) == (True, True)


# --- one-click unsubscribe --------------------------------------------------------------------


def unsubscribe_path(user, preference) -> str:
    return f"/mail/unsubscribe/{mailprefs.make_token(user, preference)}/"


def test_get_asks_for_confirmation_and_changes_nothing(client, developer):
    path = unsubscribe_path(developer, mailprefs.SLIP_DIGESTS)
    response = client.get(path)

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Stop sending the weekly mail about your deliverables (status requests and slip digests) "
        "to Bob Developer?" in page
    )
    assert f'<form method="post" action="{path}">' in page
    assert '<button type="submit">Unsubscribe</button>' in page
    assert flags(developer) == (True, True)


def test_post_turns_off_only_that_preference_without_logging_in(developer):
    client = Client(enforce_csrf_checks=True)
    path = unsubscribe_path(developer, mailprefs.CONVENER_MAIL)

    response = client.post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "Bob Developer no longer gets convener mail" in response.content.decode()
    assert flags(developer) == (True, False)
    # Clicking twice is harmless.
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert flags(developer) == (True, False)


def test_it_works_on_a_private_site(client, developer, settings):
    settings.SITE_PRIVATE = True
    response = client.post(unsubscribe_path(developer, mailprefs.SLIP_DIGESTS))
    assert response.status_code == 200
    assert flags(developer) == (False, True)


@pytest.mark.parametrize(
    "make_bad",
    [
        pytest.param(
            lambda u: mailprefs.make_token(u, mailprefs.SLIP_DIGESTS)[:-2] + "xx", id="tampered"
        ),
        pytest.param(lambda u: f"{u.pk}-slip", id="unsigned"),
        pytest.param(lambda u: signing.Signer().sign(f"{u.pk}-slip"), id="other-salt"),
        pytest.param(
            lambda u: signing.Signer(salt=mailprefs.SALT).sign(f"{u.pk}-everything"),
            id="unknown-preference",
        ),
        pytest.param(
            lambda u: signing.Signer(salt=mailprefs.SALT).sign("99999-slip"), id="no-such-user"
        ),
        pytest.param(lambda u: "%00%0d%0a", id="garbage"),
    ],
)
def test_a_forged_or_broken_token_is_refused_with_a_clear_page(client, developer, make_bad):
    path = f"/mail/unsubscribe/{make_bad(developer)}/"
    for response in (client.get(path), client.post(path, {"List-Unsubscribe": "One-Click"})):
        assert response.status_code == 404
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert flags(developer) == (True, True)


def test_a_token_for_a_deactivated_account_is_refused(client, developer):
    path = unsubscribe_path(developer, mailprefs.SLIP_DIGESTS)
    User.objects.filter(pk=developer.pk).update(is_active=False)
    assert client.post(path).status_code == 404
    assert flags(developer) == (True, True)


def test_one_persons_token_cannot_be_turned_into_anothers(client, developer, manager):
    token = mailprefs.make_token(developer, mailprefs.SLIP_DIGESTS)
    signature = token.rsplit(":", 1)[1]
    forged = f"{manager.pk}-slip:{signature}"
    assert client.post(f"/mail/unsubscribe/{forged}/").status_code == 404
    assert flags(manager) == (True, True)
