"""Mark published meetings that have ended as held (for sites using cron instead of beat)."""

from django.core.management.base import BaseCommand

from adcmeet.meetings import actions
from adcmeet.meetings.management.commands._due_mail import parse_at


class Command(BaseCommand):
    help = (
        "Marks every published meeting that has ended (its start plus the series' limit) as "
        "held. Idempotent: run it as often as you like (e.g. every 10 min)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            metavar="DATETIME",
            help="Pretend it is this moment (ISO 8601, site time zone if none given).",
        )

    def handle(self, *args, **options):
        now = parse_at(options["at"])
        held = actions.mark_meetings_held(now=now)
        self.stdout.write(f"Marked {len(held)} meeting(s) held.")
