"""manage.py load_seed [--year YYYY] [--demo-users]

Loads the 2011 PanDA+Prodsys report (roadmap, task forces, focus topics, the Dubna checkpoint,
the Oracle 11g deadline, the weekly meeting series and its next drafts). Safe to run again: a
second run changes nothing. See adcmeet/meetings/seed/.

--demo-users (DEBUG only) also makes the demo accounts and gives them work: the developer owns
deliverables, the convener convenes the series, last week's meeting has minutes and actions
(adcmeet/meetings/seed/demo.py). Without it the seed is the 2011 report and nothing else.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from adcmeet.lib.outline import OutlineError
from adcmeet.meetings.models import MeetingSeries
from adcmeet.meetings.seed import MAX_YEAR, MIN_YEAR, SeedSummary, ensure_demo_users, load_seed
from adcmeet.meetings.seed import report as seed_report
from adcmeet.meetings.seed.demo import load_demo


class Command(BaseCommand):
    help = "Load the 2011 ADC report's roadmap, task forces and meeting series (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="Roadmap year to load the report into (default: this year; 2011 reproduces "
            "the report).",
        )
        parser.add_argument(
            "--demo-users",
            action="store_true",
            help="Also create the demo accounts convener/manager/developer (DEBUG only).",
        )

    def handle(self, *args, year: int | None, demo_users: bool, **options) -> None:
        year = year or timezone.localdate().year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CommandError(f"--year must be between {MIN_YEAR} and {MAX_YEAR}")
        try:
            summary = load_seed(year=year)
        except OutlineError as exc:  # the shipped seed is tested; this guards local edits
            raise CommandError(f"The seed outline is unreadable:\n{exc}") from exc
        self.stdout.write(str(summary))
        if demo_users:
            self._demo_users(summary)

    def _demo_users(self, summary: SeedSummary) -> None:
        if not settings.DEBUG:
            self.stderr.write("Skipping --demo-users: demo accounts are only made with DEBUG=true.")
            return
        created, password = ensure_demo_users()
        if created:
            self.stdout.write(f"Created demo users: {', '.join(created)}.")
        series = MeetingSeries.objects.get(slug=seed_report.SERIES["slug"])
        demo = load_demo(roadmap=summary.roadmap, series=series, today=timezone.localdate())
        if demo:
            made = ", ".join(f"{n} {what}" for what, n in demo.items())
            self.stdout.write(f"Demo data: {made}.")
        else:
            self.stdout.write("Demo data: already loaded, nothing changed.")
        self.stdout.write(
            self.style.WARNING(
                f"Demo logins (DEBUG only): convener, manager, developer — password {password}"
            )
        )
