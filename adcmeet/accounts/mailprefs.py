"""Which personal mail a person wants, and the signed one-click unsubscribe links (RFC 8058).

A link names one user and one preference, signed with SECRET_KEY under its own salt, so it
cannot be forged or turned into another person's link, and works without logging in (the
mail client's one-click POST carries no session). It does not expire: an old digest's link
still works. Mail to the series' lists has no such link; only personal mail does.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

SALT = "adcmeet.accounts.mail-unsubscribe"


@dataclasses.dataclass(frozen=True)
class Preference:
    code: str  # in the signed token: short and stable
    field: str  # the boolean on User
    label: str  # what the person stops getting, as a noun phrase


# One switch for the owner's weekly mail: the status request the day before a meeting, or the
# digest of what slipped in a week nobody asks (docs/notifications.md, "One weekly mail").
SLIP_DIGESTS = Preference(
    "slip",
    "wants_slip_digests",
    "the weekly mail about your deliverables (status requests and slip digests)",
)
CONVENER_MAIL = Preference(
    "convener",
    "wants_convener_mail",
    "convener mail: the weekly digest of all slips and the nudge about a draft agenda",
)
PREFERENCES = {p.code: p for p in (SLIP_DIGESTS, CONVENER_MAIL)}


class BadToken(Exception):
    """The token is not one we signed, or names a person or preference that is gone."""


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def make_token(user, preference: Preference) -> str:
    return _signer().sign(f"{user.pk}-{preference.code}")


def read_token(token: str):
    """(user, preference) for a token we signed; BadToken otherwise."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        raise BadToken("bad signature") from None
    pk, _, code = value.partition("-")
    preference = PREFERENCES.get(code)
    if preference is None or not pk.isdigit():
        raise BadToken("unknown preference")
    user = get_user_model().objects.filter(pk=int(pk), is_active=True).first()
    if user is None:
        raise BadToken("no such person")
    return user, preference


def unsubscribe_url(user, preference: Preference) -> str:
    """The absolute one-click link for List-Unsubscribe and the mail footer."""
    return settings.SITE_URL + reverse("mail-unsubscribe", args=[make_token(user, preference)])


def turn_off(user, preference: Preference) -> bool:
    """Turn the preference off; True if it was on. One UPDATE, so repeating it is harmless."""
    changed = (
        get_user_model()
        .objects.filter(pk=user.pk, **{preference.field: True})
        .update(**{preference.field: False})
    )
    setattr(user, preference.field, False)
    return bool(changed)
