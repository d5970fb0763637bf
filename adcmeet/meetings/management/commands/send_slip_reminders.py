"""Queue this week's slip digests if they are due now (for sites using cron)."""

from adcmeet.meetings.mail.digests import slip_digests_due
from adcmeet.meetings.management.commands._due_mail import DueMailCommand


class Command(DueMailCommand):
    help = (
        "Queues this week's slip digests (one per owner, one per convener) if they are due "
        "now. Idempotent: each person gets one per week however often it runs."
    )
    what = "slip digest"

    def due(self, now):
        return slip_digests_due(now)
