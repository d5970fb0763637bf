"""The outbox: what must be mailed is written in the same transaction as the change causing it.

CONTRACT (used by adcmeet.actions, implemented by the notification work, issue 9):

    queue_meeting_mail(meeting, kind)  # kind: OutboundMail.Kind.AGENDA / AGENDA_UPDATE /
                                       # CANCELLATION; call inside the publishing transaction.
"""

from adcmeet.models import Meeting


def queue_meeting_mail(meeting: Meeting, kind: str) -> None:
    """Placeholder until issue 9 lands: replaced by the real outbox writer."""
