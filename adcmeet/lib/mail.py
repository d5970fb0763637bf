"""Mail rendering and building: one function renders a kind's template trio, another builds the
MIME message. Framework-light: Django templates and `EmailMultiAlternatives`, no models.

Each kind of mail lives in ``templates/emails/<kind>/`` as ``subject.txt``, ``body.txt`` and
``body.html``. An invite travels as ``multipart/mixed`` around ``multipart/alternative``
(text, HTML and ``text/calendar; method=…`` — PUBLISH to a list, REQUEST or CANCEL to one
attendee, always the calendar's own METHOD), with the same .ics attached as a file —
the shape Outlook, Gmail and Apple Mail all offer to add to the calendar.

Nothing a user typed (a meeting title, a presenter's name) can add a header: every header
value goes through `header_value`, which turns line breaks and other control characters into
spaces, and addresses are built with `email.utils.formataddr` from a validated address.
"""

from __future__ import annotations

import dataclasses
import email.utils
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template.loader import render_to_string

# Control characters (CR and LF above all) would end a header line early and start another.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s+")
SUBJECT_MAX = 250


class BadAddress(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def header_value(value: Any, *, limit: int | None = None) -> str:
    """A single-line header value: control characters become spaces, runs of space one."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", str(value))).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def clean_address(addr: str) -> str:
    """A validated bare address; anything that is not exactly one address is refused."""
    addr = (addr or "").strip()
    if _CONTROL.search(addr) or "," in addr:
        raise BadAddress(f"Not a single e-mail address: {addr!r}")
    try:
        validate_email(addr)
    except ValidationError:
        raise BadAddress(f"Not a valid e-mail address: {addr!r}") from None
    return addr


def format_address(name: str, addr: str) -> str:
    """``"Display Name" <addr>`` with the name quoted or encoded as needed, never injectable."""
    return email.utils.formataddr((header_value(name, limit=120), clean_address(addr)))


def render(kind: str, context: Mapping[str, Any]) -> Rendered:
    """Render ``templates/emails/<kind>/{subject.txt,body.txt,body.html}``."""
    folder = f"emails/{kind}"
    subject = header_value(render_to_string(f"{folder}/subject.txt", context), limit=SUBJECT_MAX)
    text = render_to_string(f"{folder}/body.txt", context)
    html = render_to_string(f"{folder}/body.html", context)
    # Templates leave blank lines where tags stood; three in a row read as a gap.
    text = re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n")).strip() + "\n"
    return Rendered(subject=subject, text=text, html=html)


def list_headers(
    *,
    list_id: str,
    list_name: str = "",
    settings_url: str = "",
    personal: bool = False,
    unsubscribe_url: str = "",
) -> dict[str, str]:
    """Headers every mail carries: List-Id and Auto-Submitted. Personal mails also carry
    List-Unsubscribe: the one-click link (RFC 8058, with List-Unsubscribe-Post) when there is
    one, else the recipient's settings page."""
    label = header_value(list_id).strip("<>")
    name = header_value(list_name, limit=80).replace('"', "'")
    headers = {
        "List-Id": f'"{name}" <{label}>' if name else f"<{label}>",
        # RFC 3834: this is machine-sent; vacation responders must not answer it.
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "OOF, AutoReply",
    }
    if personal and unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{header_value(unsubscribe_url)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    elif personal and settings_url:
        headers["List-Unsubscribe"] = f"<{header_value(settings_url)}>"
    return headers


class MeetingMail(EmailMultiAlternatives):
    """An `EmailMultiAlternatives` whose calendar alternative says its METHOD on the MIME part,
    as calendar clients need to offer "Add to calendar" rather than show a file."""

    def __init__(self, *args, ics_method: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.ics_method = ics_method

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        if self.ics_method:
            for part in msg.walk():
                if part.get_content_type() == "text/calendar":
                    part.set_param("method", self.ics_method)
        return msg


def build_message(
    *,
    subject: str,
    text: str,
    html: str = "",
    to: tuple[str, str],
    from_email: str,
    headers: Mapping[str, str] | None = None,
    reply_to: tuple[tuple[str, str], ...] = (),
    ics: str = "",
    ics_method: str = "",
    message_id: str = "",
) -> MeetingMail:
    """The message for one recipient ``to = (name, address)``. With `ics` it is an invite:
    the calendar is both an alternative (``text/calendar; method=…``) and an attachment."""
    safe_headers = {
        header_value(name): header_value(value)
        for name, value in (headers or {}).items()
        if header_value(name) and header_value(value)
    }
    if message_id:
        safe_headers["Message-ID"] = header_value(message_id)
    mail = MeetingMail(
        subject=header_value(subject, limit=SUBJECT_MAX),
        body=text,
        from_email=from_email,
        to=[format_address(*to)],
        reply_to=[format_address(name, addr) for name, addr in reply_to],
        headers=safe_headers,
        ics_method=header_value(ics_method).upper() if ics else "",
    )
    if html:
        mail.attach_alternative(html, "text/html")
    if ics:
        mail.attach_alternative(ics, "text/calendar")
        filename = {"CANCEL": "cancel.ics", "PUBLISH": "meeting.ics"}.get(
            mail.ics_method, "invite.ics"
        )
        mail.attach(filename, ics.encode(), "application/ics")
    return mail
