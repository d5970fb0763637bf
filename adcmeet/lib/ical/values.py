"""How values travel in iCalendar properties: TEXT, addresses, URLs and UTC instants.

Text is cleaned of control characters (only TAB and LF survive; CR and CRLF become LF) before
the library escapes it, so no text can start a new property line.
"""

from __future__ import annotations

import datetime
import email.utils
import re
from urllib.parse import urlsplit

from icalendar import vCalAddress

UTC = datetime.UTC

Person = tuple[str, str]  # (display name, email address)

# Control characters are not allowed in iCalendar TEXT; TAB and LF (written as \n) are.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Quotes cannot appear inside a quoted parameter value; line breaks nowhere in a parameter.
_PARAM_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"]")


def clean_text(text: str) -> str:
    """Text as it can travel in a TEXT value: CRLF and lone CR become LF, other controls go.

    The library then escapes backslash, comma, semicolon and LF, so what a parser reads back
    is exactly this string.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _param(text: str) -> str:
    return _PARAM_UNSAFE.sub(" ", text).strip()


def _address(person: Person, **params: str) -> vCalAddress:
    name, addr = person
    address = vCalAddress(f"mailto:{_param(addr)}")
    if name and _param(name):
        address.params["CN"] = _param(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


def default_organizer() -> Person:
    """The organizer address from settings.DEFAULT_FROM_EMAIL ("Name <addr>")."""
    from django.conf import settings

    name, addr = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)
    return (name or "ADC meetings", addr)


def webcal_url(url: str) -> str:
    """The webcal:// form of an http(s) feed URL, which clients open as a subscription."""
    return re.sub(r"^https?://", "webcal://", url)


def _host(site_url: str) -> str:
    return urlsplit(site_url).hostname or "adcmeet.invalid"


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(UTC).replace(microsecond=0)
