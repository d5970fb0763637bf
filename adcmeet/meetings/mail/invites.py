"""Who a meeting's invites go to, and in whose name.

The invite model (RFC 5546, and what Outlook, Exchange and Gmail do with it):

- the series' **mailing list** gets the agenda as ``METHOD:PUBLISH``: a list cannot accept or
  decline, and a REQUEST whose ATTENDEE is not the reader makes Outlook disable the buttons and
  some servers drop it;
- every **named attendee** — a presenter with an account and an address, an external invitee
  with an address — gets their own ``REQUEST`` naming them as the ATTENDEE, and a ``CANCEL``
  naming them when the meeting is cancelled or they no longer present at it;
- the ORGANIZER is the series' stored organizer, a person whose address answers.

Who was invited is read back from the outbox: the last REQUEST or CANCEL each address was
sent for this meeting. An attendee whose last message was a REQUEST and who presents nothing
now is owed a CANCEL, whatever removed them (the item deleted, another presenter set, the
presenter's address changed). The change that takes someone off a published agenda queues
their CANCEL at once (`uninvited`); anything else that drops them is caught by the next update.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from adcmeet.lib import ical
from adcmeet.meetings.mail import outbox
from adcmeet.meetings.models import AgendaItem, Meeting, MeetingSeries, OutboundMail


@dataclasses.dataclass
class Attendee:
    name: str
    email: str
    time_zone: str = ""  # the account's zone, for times in the reader's clock
    items: list[str] = dataclasses.field(default_factory=list)  # what they present

    @property
    def person(self) -> outbox.Person:
        return (self.name, self.email)


def list_address(series: MeetingSeries) -> list[outbox.Person]:
    return outbox.unique_valid([(series.name, series.mailing_list)] if series.mailing_list else [])


def attendees(meeting: Meeting, items: Sequence[AgendaItem]) -> list[Attendee]:
    """Every presenter with a valid address, each address once, with what they present; the
    list's own address is never an attendee."""
    skip = {addr.lower() for _, addr in list_address(meeting.series)}
    found: dict[str, Attendee] = {}
    for item in ical.ordered_items(items):
        if item.presenter_id:
            user = item.presenter
            person = (user.display_name, user.email)
            zone = getattr(user, "time_zone", "") or ""
        elif item.presenter_email:
            person = (item.presenter_name or item.presenter_email, item.presenter_email)
            zone = ""
        else:
            continue
        valid = outbox.unique_valid([person])
        if not valid or valid[0][1].lower() in skip:
            continue
        name, addr = valid[0]
        attendee = found.setdefault(addr.lower(), Attendee(name, addr, zone))
        attendee.items.append(item.title)
    return list(found.values())


def last_invites(meeting: Meeting) -> dict[str, tuple[str, str]]:
    """address (lower case) → (name, METHOD of the last REQUEST or CANCEL sent to it)."""
    rows = (
        OutboundMail.objects.filter(meeting=meeting, ics_method__in=["REQUEST", "CANCEL"])
        .order_by("created_at", "id")
        .values_list("recipient", "recipient_name", "ics_method")
    )
    return {addr.lower(): (name, method) for addr, name, method in rows}


def uninvited(meeting: Meeting, current: Sequence[Attendee]) -> list[Attendee]:
    """Those holding a REQUEST for this meeting who present nothing in it now."""
    keep = {a.email.lower() for a in current}
    keep |= {addr.lower() for _, addr in list_address(meeting.series)}
    gone = []
    for addr, (name, method) in last_invites(meeting).items():
        if method == "REQUEST" and addr not in keep:
            gone.append(Attendee(name or addr, addr))
    return gone


def convener_people(series: MeetingSeries) -> list[outbox.Person]:
    return outbox.unique_valid(
        (user.display_name, user.email)
        for user in series.conveners.order_by("name", "username")
        if user.email
    )


def organizer_for(series: MeetingSeries) -> outbox.Person:
    """The series' ORGANIZER: the stored one; else the first convener, stored now so every
    later invite names the same person (clients match replies and updates to it); else the
    site's sender address, not stored, until the series has a convener."""
    stored = series.organizer_email and outbox.unique_valid(
        [(series.organizer_name or series.organizer_email, series.organizer_email)]
    )
    if stored:
        return stored[0]
    conveners = convener_people(series)
    if not conveners:
        return ical.default_organizer()
    name, addr = conveners[0]
    # Conditional, so two first sends at once agree on the first one stored.
    MeetingSeries.objects.filter(pk=series.pk, organizer_email="").update(
        organizer_name=name, organizer_email=addr
    )
    series.refresh_from_db(fields=["organizer_name", "organizer_email"])
    return (series.organizer_name, series.organizer_email)


def reply_to(series: MeetingSeries) -> list[outbox.Person]:
    """Replies reach the organizer and the conveners."""
    return outbox.unique_valid([organizer_for(series), *convener_people(series)])
