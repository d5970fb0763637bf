"""The signed, single-purpose links of a status mail ("done", "on track", "move…", "report").

A token is `django.core.signing` over the id of a `StatusLink` row and the moment it expires,
with a salt used for nothing else: a forged or altered token fails before any database read,
and a token of another feature (a calendar token, a password reset) is never one of ours. The
row then makes the link expire, be used once (`used_at`, set by the action that applies it in
the same transaction, under `select_for_update`) and be revoked. The token is the authority for
exactly one action on one deliverable, done in the name of the owner the mail was sent to.

The threat model is in docs/security.md, "Status links".
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from adcmeet.core.versioning import Refused
from deliverables.models import StatusLink, StatusRequest

SALT = "deliverables.status-link"


class LinkRefused(Refused):
    """A status link that cannot be used; `link` is its row when the token was genuine."""

    status = 410
    reason = "refused"

    def __init__(self, message: str, *, link: StatusLink | None = None):
        super().__init__(message)
        self.link = link


class LinkTampered(LinkRefused):
    status = 404
    reason = "tampered"


class LinkExpired(LinkRefused):
    reason = "expired"


class LinkUsed(LinkRefused):
    reason = "used"


class LinkRevoked(LinkRefused):
    reason = "revoked"


def default_expiry(now: datetime.datetime | None = None) -> datetime.datetime:
    """When links issued now stop working: STATUS_LINK_DAYS (a week by default) covers the
    meeting they were sent for and the one after, where a slipped answer still helps."""
    return (now or timezone.now()) + datetime.timedelta(days=settings.STATUS_LINK_DAYS)


def sign(link: StatusLink) -> str:
    return signing.dumps([link.id.hex, int(link.expires_at.timestamp())], salt=SALT)


def issue_links(
    request: StatusRequest, *, expires_at: datetime.datetime
) -> dict[tuple[int, str], str]:
    """Create a link for every deliverable of `request` and every purpose; return the tokens
    as {(deliverable_id, purpose): token}. Issuing again returns the same links' tokens."""
    tokens = {}
    with transaction.atomic():
        for deliverable_id in request.deliverables.values_list("pk", flat=True):
            for purpose in StatusLink.Purpose.values:
                link, _ = StatusLink.objects.get_or_create(
                    request=request,
                    deliverable_id=deliverable_id,
                    purpose=purpose,
                    defaults={"expires_at": expires_at},
                )
                tokens[(deliverable_id, purpose)] = sign(link)
    return tokens


def url_for(token: str) -> str:
    """The absolute address of a link, for a mail."""
    return settings.SITE_URL + reverse("status-link", args=[token])


NOT_OURS = (
    "This link is not one we sent: it may have been cut short or changed when it was copied. "
    "Open the mail again and use the link as it is."
)


def _unsigned(token: str) -> tuple[uuid.UUID, int]:
    try:
        link_id, expires = signing.loads(token, salt=SALT)
        return uuid.UUID(hex=str(link_id)), int(expires)
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkTampered(NOT_OURS) from None


def open_link(token: str, *, for_update: bool = False, now=None) -> StatusLink:
    """The link `token` names, when it may still be used; else the `LinkRefused` subclass
    saying why (tampered, expired, used or revoked).

    `for_update` locks the row (inside the caller's transaction) so that of two requests
    applying the same link at once, the second sees it used."""
    link_id, _ = _unsigned(token)
    rows = StatusLink.objects.select_related("deliverable", "request__owner")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    link = rows.filter(pk=link_id).first()
    if link is None:
        raise LinkTampered("This link no longer leads anywhere: its status request was removed.")
    now = now or timezone.now()
    if link.used_at is not None:
        used = timezone.localtime(link.used_at)
        raise LinkUsed(
            f"This link was already used, on {used:%-d %b %Y at %H:%M}. Each link in the "
            "status mail works once; what it recorded stands.",
            link=link,
        )
    if link.revoked_at is not None:
        raise LinkRevoked(
            "This link was revoked: the owner withdrew their status links, or a newer status "
            "mail replaced this one. Use the newest mail, or the deliverable's page.",
            link=link,
        )
    if link.expires_at <= now:
        raise LinkExpired(
            f"This link expired on {timezone.localtime(link.expires_at):%-d %b %Y}. Report "
            "from the deliverable's page instead (log in first).",
            link=link,
        )
    return link


def peek(token: str) -> StatusLink | None:
    """The row of a genuine token whatever its state (for the page after a link was used)."""
    try:
        link_id, _ = _unsigned(token)
    except LinkTampered:
        return None
    return (
        StatusLink.objects.select_related("deliverable__period", "request__owner")
        .filter(pk=link_id)
        .first()
    )


def revoke_links(*, owner, now=None) -> int:
    """Withdraw every link still usable in the status mails sent to `owner`; returns how many."""
    now = now or timezone.now()
    return StatusLink.objects.filter(
        request__owner=owner, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(revoked_at=now)


def live_link_count(owner, now=None) -> int:
    """How many of `owner`'s links would still act (My deliverables says so)."""
    now = now or timezone.now()
    return StatusLink.objects.filter(
        request__owner=owner, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).count()
