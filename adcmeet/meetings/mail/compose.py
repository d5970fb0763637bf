"""What the scheduled mails share: the send hour on a series' wall clock, absolute links and
a mail to one person with its one-click unsubscribe link."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse

from adcmeet.accounts import mailprefs
from adcmeet.lib import mail
from adcmeet.meetings.mail import outbox
from adcmeet.meetings.models import Meeting, MeetingSeries


def at_send_hour(day: datetime.date, series: MeetingSeries) -> datetime.datetime:
    """MAIL_SEND_HOUR on `day`, the series' wall clock."""
    return datetime.datetime.combine(day, datetime.time(settings.MAIL_SEND_HOUR), tzinfo=series.tz)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def personal(
    user,
    *,
    kind: str,
    key: str,
    template: str,
    context: dict,
    preference: mailprefs.Preference,
    meeting: Meeting | None = None,
) -> list[outbox.Draft]:
    """A mail to one person: rendered for them, with a one-click unsubscribe link for
    `preference` as List-Unsubscribe (RFC 8058) and in the footer beside the settings link."""
    try:
        addr = mail.clean_address(user.email)
    except mail.BadAddress:
        return []
    settings_url = absolute(reverse("me"))
    unsubscribe_url = mailprefs.unsubscribe_url(user, preference)
    rendered = mail.render(
        template,
        {
            **context,
            "recipient_name": user.display_name,
            "settings_url": settings_url,
            "unsubscribe_url": unsubscribe_url,
        },
    )
    headers = mail.list_headers(
        list_id=settings.MAIL_LIST_ID,
        list_name=settings.SITE_NAME,
        settings_url=settings_url,
        unsubscribe_url=unsubscribe_url,
        personal=True,
    )
    return [
        outbox.Draft(
            key=key,
            kind=kind,
            meeting=meeting,
            recipient=(user.display_name, addr),
            rendered=rendered,
            headers=headers,
        )
    ]
