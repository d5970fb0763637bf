"""The project's own copy of the 2011 PanDA+Prodsys report, and the code that loads it.

The data: ``roadmap.md`` (the "Priority dev deliverables" strawman), ``taskforces.md`` (the
task forces and R&D activities, checked at the Dubna workshop), ``focus.md`` (the near-term
focus topics) and ``report.py`` (the rest: projects, the checkpoint, the Oracle 11g deadline,
the weekly meeting series). The outlines go through the same importers users have, so the
seed also proves them.

:func:`load_seed` puts it all into one roadmap year in one transaction. Running it again
changes nothing: every object is found before it is created, and the importers leave what
exists alone (even deliverables that moved to another period or were deleted since).
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER, User
from adcmeet.meetings.models import Meeting, MeetingSeries
from adcmeet.meetings.seed import report
from deliverables.importer import import_roadmap_outline
from deliverables.models import Deliverable, DeliverableChange, Project, Roadmap
from taskforces.importer import import_task_forces
from taskforces.models import Checkpoint, TaskForce

SEED_DIR = Path(__file__).resolve().parent
MIN_YEAR, MAX_YEAR = 2000, 2199
MEETINGS_AHEAD = 8

DEMO_USERS = (
    # username, full name, role, superuser (the convener can also use the admin)
    ("convener", "Demo Convener", CONVENER, True),
    ("manager", "Demo Manager", MANAGER, False),
    ("developer", "Demo Developer", DEVELOPER, False),
)


def read(name: str) -> str:
    return (SEED_DIR / name).read_text(encoding="utf-8")


@dataclasses.dataclass
class SeedSummary:
    year: int
    roadmap: Roadmap
    created: dict[str, int] = dataclasses.field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n

    @property
    def changed_nothing(self) -> bool:
        return not self.created

    def __str__(self) -> str:
        if self.changed_nothing:
            return f"Seed {self.year}: already loaded, nothing changed."
        parts = ", ".join(f"{n} {_plural(what, n)}" for what, n in self.created.items())
        return f"Seed {self.year}: created {parts}."


def _plural(what: str, n: int) -> str:
    if n == 1 or what.endswith("series"):
        return what
    return what[:-1] + "ies" if what.endswith("y") else what + "s"


def report_date(year: int) -> datetime.date:
    return datetime.date(year, *report.REPORT_MONTH_DAY)


def load_seed(*, year: int, today: datetime.date | None = None) -> SeedSummary:
    """Load the report into `year`'s roadmap and schedule the next meetings from `today`."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    today = today or timezone.localdate()
    with transaction.atomic():
        projects_before = Project.objects.count()
        for name, description in report.PROJECTS:
            Project.objects.get_or_create(
                name=name, defaults={"slug": name.lower(), "description": description}
            )
        roadmap, created = Roadmap.objects.get_or_create(
            name=report.ROADMAP_NAME, year=year, defaults={"state": report.ROADMAP_STATE}
        )
        summary = SeedSummary(year, roadmap)
        summary.add("roadmap", int(created))

        result = import_roadmap_outline(read("roadmap.md"), roadmap=roadmap, by=None)
        summary.add("period", len(result.new_periods))
        summary.add("deliverable", len(result.new_deliverables))
        summary.add("deliverable", int(_oracle_migration(roadmap)))
        summary.add("project", Project.objects.count() - projects_before)

        checkpoint, created = Checkpoint.objects.get_or_create(
            slug=report.CHECKPOINT["slug"].format(year=year),
            defaults={
                "name": report.CHECKPOINT["name"],
                "date": datetime.date(year, *report.CHECKPOINT["month_day"]),
                "location": report.CHECKPOINT["location"],
                "description": report.CHECKPOINT["description"],
            },
        )
        summary.add("checkpoint", int(created))
        for name, kind, checkpoint_for in (
            ("taskforces.md", TaskForce.Kind.TASK_FORCE, checkpoint),
            ("focus.md", TaskForce.Kind.FOCUS_AREA, None),
        ):
            imported = import_task_forces(read(name), kind=kind, checkpoint=checkpoint_for)
            summary.add("task force", len(imported.new_task_forces))
            summary.add("outline item", len(imported.new_items))

        series, created = MeetingSeries.objects.get_or_create(
            slug=report.SERIES["slug"],
            defaults={k: v for k, v in report.SERIES.items() if k != "slug"},
        )
        summary.add("meeting series", int(created))
        summary.add("meeting", _draft_meetings(series, today))
    return summary


def _oracle_migration(roadmap: Roadmap) -> bool:
    spec = report.ORACLE
    if Deliverable.objects.filter(roadmap=roadmap, title__iexact=spec["title"]).exists():
        return False
    deadline = datetime.date(roadmap.year + 1, *spec["deadline_month_day"])
    period = roadmap.periods.get(label=spec["period"])
    last = period.deliverables.order_by("-position").values_list("position", flat=True).first()
    deliverable = Deliverable.objects.create(
        roadmap=roadmap,
        period=period,
        title=spec["title"],
        deadline=deadline,
        # Start-by = the report's date: "Better start NOW."
        lead_time_days=(deadline - report_date(roadmap.year)).days,
        notes=spec["notes"].format(next_year=roadmap.year + 1),
        position=0 if last is None else last + 1,
    )
    DeliverableChange.objects.create(
        deliverable=deliverable,
        kind=DeliverableChange.Kind.CREATED,
        to_status=deliverable.status,
        to_period=period,
        reason="Seeded from the 2011 report",
    )
    return True


def _draft_meetings(series: MeetingSeries, today: datetime.date) -> int:
    created = 0
    for day in series.next_dates(MEETINGS_AHEAD, after=today):
        _, new = Meeting.objects.get_or_create(
            series=series,
            scheduled_for=day,
            defaults={"start": series.start_on(day), "state": Meeting.State.DRAFT},
        )
        created += int(new)
    return created


def ensure_demo_users(password_file: Path | None = None) -> tuple[list[str], str]:
    """Create the demo accounts (for DEBUG only); returns (usernames created, password).

    The shared password is kept in var/demo-password.txt so each `make run` can print it; if
    that file is gone a new password is set on the demo accounts.
    """
    password_file = password_file or Path(settings.VAR_DIR) / "demo-password.txt"
    if password_file.exists():
        password, reset = password_file.read_text().strip(), False
    else:
        password, reset = secrets.token_urlsafe(12), True
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
    created: list[str] = []
    with transaction.atomic():
        for username, name, role, superuser in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    name=name,
                    email=f"{username}@example.org",
                    is_staff=superuser,
                    is_superuser=superuser,
                )
                user.set_password(password)
                user.save()
                created.append(username)
            elif reset:
                user.set_password(password)
                user.save(update_fields=["password"])
            # The role groups come from a data migration; a database flushed since (a test
            # run's, a restored dump without them) still gets the demo accounts' roles.
            user.groups.add(Group.objects.get_or_create(name=role)[0])
    return created, password
