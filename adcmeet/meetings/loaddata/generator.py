"""Fill the database with years of realistic, deterministic history for benchmarks.

At --scale 1: 400 users in roles, 15 years of weekly meetings (~780) with 8-12 agenda items
each, minutes and action items on the held ones, 60 task forces with nested outlines and
checkpoints, 15 yearly roadmaps with 5,000 deliverables, their owners and their histories
(status changes and slips). Everything comes from `random.Random(seed)`, so two runs with the
same seed (on the same day: dates are laid out around today) write the same rows.

Rows are written with bulk_create, so model save() hooks do not run: what they compute
(Deliverable.start_by) is computed here, and no django-simple-history rows are written.

Three well-known accounts with the password BENCH_PASSWORD drive the benchmark:
bench-convener, bench-developer (owns 15 deliverables) and bench-manager.
"""

import dataclasses
import datetime
import itertools
import random
import time
from collections.abc import Sequence

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER, User
from adcmeet.meetings.models import ActionItem, AgendaItem, Heartbeat, Meeting, MeetingSeries
from deliverables.models import Deliverable, DeliverableChange, Period, Project, Roadmap
from taskforces.models import Checkpoint, CheckpointGoal, OutlineItem, TaskForce

# Bumped whenever the generated shape changes, so cached benchmark databases are rebuilt.
GENERATOR_VERSION = 2
MARKER_PREFIX = "load-data "
BENCH_PASSWORD = "bench-not-a-secret-2011"
BENCH_USERS = (
    ("bench-convener", "Bench Convener", CONVENER),
    ("bench-developer", "Bench Developer", DEVELOPER),
    ("bench-manager", "Bench Manager", MANAGER),
)
BENCH_OWNED_DELIVERABLES = 15
SERIES_SLUG = "adc-dev"
BATCH = 1000
UTC = datetime.UTC

# Tables emptied by --flush: everything the generator writes, and what points at users.
FLUSH_APPS = ("accounts", "taskforces", "deliverables", "adcmeet", "admin", "sessions", "axes")
CONTENT_MODELS = (User, MeetingSeries, Meeting, TaskForce, Checkpoint, Roadmap, Deliverable)

FIRST_NAMES = [
    "Alessandra",
    "Alexei",
    "Andrej",
    "Anna",
    "Benjamin",
    "Carlos",
    "Chiara",
    "Christoph",
    "Daniel",
    "Dmitry",
    "Elena",
    "Emil",
    "Fernando",
    "Francesco",
    "Gabriela",
    "Hiroshi",
    "Ilija",
    "Ingrid",
    "Ivan",
    "Jaroslava",
    "Javier",
    "Jean",
    "Johannes",
    "Julia",
    "Kaushik",
    "Katarzyna",
    "Lukas",
    "Maria",
    "Mario",
    "Martina",
    "Mikhail",
    "Nils",
    "Paul",
    "Pavlo",
    "Rodney",
    "Rolf",
    "Sabine",
    "Simone",
    "Stefan",
    "Tadashi",
    "Tatiana",
    "Thomas",
    "Tomas",
    "Valentina",
    "Wen",
    "Xin",
    "Yuri",
    "Zbigniew",
]
LAST_NAMES = [
    "Barreiro",
    "Borodin",
    "Campana",
    "Chen",
    "Cameron",
    "Di",
    "Girolamo",
    "Dimitrov",
    "Elmsheuser",
    "Espinal",
    "Fassi",
    "Garonne",
    "Golubkov",
    "Hartmann",
    "Ito",
    "Jezequel",
    "Klimentov",
    "Lassnig",
    "Lopez",
    "Maeno",
    "Megino",
    "Nilsson",
    "Novak",
    "Ozturk",
    "Petrova",
    "Rocha",
    "Schovancova",
    "Serfon",
    "Smirnova",
    "Stewart",
    "Tanaka",
    "Ueda",
    "Vaniachine",
    "Walker",
    "Wenaus",
    "Yang",
    "Zhang",
    "Zinser",
    "Beermann",
    "Bianco",
    "Calafiura",
    "Dewhurst",
    "Feickert",
    "Guan",
    "Ishino",
    "Kaneda",
    "Lancon",
]
AFFILIATIONS = ("CERN", "BNL", "UT Arlington", "JINR", "IN2P3", "DESY", "KIT", "TRIUMF", "RAL")
EXTERNAL_AFFILIATIONS = ("CMS", "LHCb", "Belle II", "WLCG", "OSG", "EGI", "DUNE", "SKA")
PROJECTS = (
    "PanDA",
    "ProdSys",
    "JEDI",
    "Pilot",
    "Harvester",
    "Rucio",
    "CRIC",
    "HammerCloud",
    "Monitoring",
    "iDDS",
    "AMI",
    "Data carousel",
)
TOPICS = (
    "Data carousel",
    "Tape smart writing",
    "Token authentication",
    "HPC integration",
    "GPU queues",
    "Analysis facilities",
    "Network monitoring",
    "Event streaming",
    "Fine-grained processing",
    "Job brokerage",
    "Storage consolidation",
    "Container images",
    "Kubernetes sites",
    "Cloud bursting",
    "Operational intelligence",
    "Data popularity",
    "Derivation production",
    "Heavy-ion reprocessing",
    "Grid middleware retirement",
    "IPv6 migration",
    "Lost files recovery",
    "Queue configuration",
    "Resource accounting",
    "Pilot wrapper",
    "Object stores",
    "Caching proxies",
    "Workflow management",
    "Nightly validation",
    "Conditions access",
    "Software distribution",
)
KIND_SUFFIX = {
    TaskForce.Kind.TASK_FORCE: "task force",
    TaskForce.Kind.RND: "R&D",
    TaskForce.Kind.FOCUS_AREA: "focus area",
}
VERBS = (
    "Deploy",
    "Validate",
    "Commission",
    "Document",
    "Migrate",
    "Retire",
    "Benchmark",
    "Monitor",
    "Automate",
    "Harden",
    "Prototype",
    "Integrate",
)
THINGS = (
    "looping job killer",
    "brokerage weights",
    "retry module",
    "task chaining",
    "dataset lifetime policy",
    "site blacklisting",
    "tape staging",
    "merge jobs",
    "event service",
    "memory monitoring",
    "queue autoconfiguration",
    "transfer shares",
    "token issuer",
    "accounting reports",
    "job scouting",
    "input prefetching",
    "log archival",
    "priority boosting",
)
PLACES = (
    "Dubna",
    "Annecy",
    "Tokyo",
    "Bologna",
    "Munich",
    "Valencia",
    "Berkeley",
    "Prague",
    "Lisbon",
    "Oslo",
    "Taipei",
    "Arlington",
)
HOT_TITLES = (
    "Production status and issues",
    "Tier-0 and Tier-1 operations",
    "Tape throughput after the intervention",
    "Grid-wide outage post-mortem",
    "New pilot release",
    "Memory limits on multicore queues",
    "Reprocessing campaign planning",
    "Data deletion backlog",
    "Site readiness report",
    "Conditions database load",
)
OUTLINE_PHRASES = (
    "Architecture",
    "Requirements from physics groups",
    "Prototype at one site",
    "Scale test",
    "Who owns the service?",
    "Interface to the workload system",
    "Monitoring dashboards",
    "Testbed sites",
    "Use case: reprocessing",
    "Use case: user analysis",
    "Rollout plan",
    "Documentation",
    "Open question: quotas",
    "Failure recovery",
    "Performance targets",
)


def marker_name(seed: int, scale: float) -> str:
    return f"{MARKER_PREFIX}v{GENERATOR_VERSION} seed={seed} scale={scale:g}"


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


def flush_generated_tables() -> None:
    """Empty every table of the apps the generator writes (groups and permissions stay)."""
    tables = []
    for label in FLUSH_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        tables += [model._meta.db_table for model in config.get_models(include_auto_created=True)]
    existing = set(connection.introspection.table_names())
    sql = connection.ops.sql_flush(
        no_style(), [t for t in tables if t in existing], reset_sequences=True, allow_cascade=True
    )
    if connection.vendor == "postgresql":
        # Rows written earlier in this transaction leave deferred foreign-key checks pending,
        # and PostgreSQL refuses to TRUNCATE a table with pending trigger events: run them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        connection.ops.execute_sql_flush(sql)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        connection.ops.execute_sql_flush(sql)


@dataclasses.dataclass(frozen=True)
class Sizes:
    users: int
    weeks: int
    weeks_ahead: int
    task_forces: int
    checkpoints: int
    roadmaps: int
    deliverables: int

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        weeks = max(6, round(780 * scale))
        roadmaps = max(1, round(15 * scale))
        return cls(
            users=max(15, round(400 * scale)),
            weeks=weeks,
            weeks_ahead=min(8, max(2, weeks // 4)),
            task_forces=max(3, round(60 * scale)),
            checkpoints=max(2, round(30 * scale)),
            roadmaps=roadmaps,
            deliverables=max(BENCH_OWNED_DELIVERABLES + 6 * roadmaps, round(5000 * scale)),
        )


class Generator:
    def __init__(self, *, seed: int, scale: float, today: datetime.date, log) -> None:
        self.rng = random.Random(seed)
        self.sizes = Sizes.at(scale)
        self.today = today
        self.now = timezone.now()
        self.log = log

    def run(self) -> dict[str, int]:
        self.make_users()
        self.make_task_forces()
        self.make_checkpoints()
        self.make_outlines()
        self.make_roadmaps()
        self.make_meetings()
        return {
            "users": User.objects.count(),
            "task forces": TaskForce.objects.count(),
            "outline items": OutlineItem.objects.count(),
            "checkpoints": Checkpoint.objects.count(),
            "roadmaps": Roadmap.objects.count(),
            "deliverables": Deliverable.objects.count(),
            "deliverable changes": DeliverableChange.objects.count(),
            "meetings": Meeting.objects.count(),
            "agenda items": AgendaItem.objects.count(),
            "action items": ActionItem.objects.count(),
        }

    def step(self, what: str) -> None:
        self.log(f"  {what}")

    # --- users ---------------------------------------------------------------------------

    def make_users(self) -> None:
        self.step(f"{self.sizes.users} users")
        rng = self.rng
        bench_hash = make_password(BENCH_PASSWORD)
        unusable = make_password(None)  # generated people sign in through SSO
        groups = {
            name: Group.objects.get_or_create(name=name)[0]
            for name in (CONVENER, DEVELOPER, MANAGER)
        }
        users: list[User] = []
        roles: list[str | None] = []
        for username, name, role in BENCH_USERS:
            first, last = name.split()
            users.append(
                User(
                    username=username,
                    name=name,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@example.org",
                    affiliation="CERN",
                    password=bench_hash,
                )
            )
            roles.append(role)
        n_conveners = max(2, round(self.sizes.users * 0.02))
        n_managers = max(2, round(self.sizes.users * 0.05))
        n_external = max(1, round(self.sizes.users * 0.08))
        for index in range(self.sizes.users - len(BENCH_USERS)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            username = f"{first[0]}{last}".lower().replace(" ", "") + f"{index:03d}"
            if index < n_conveners:
                role = CONVENER
            elif index < n_conveners + n_managers:
                role = MANAGER
            elif index < n_conveners + n_managers + n_external:
                role = None
            else:
                role = DEVELOPER
            external = role is None
            users.append(
                User(
                    username=username,
                    name=f"{first} {last}",
                    first_name=first,
                    last_name=last,
                    email=f"{username}@example.org",
                    affiliation=rng.choice(EXTERNAL_AFFILIATIONS if external else AFFILIATIONS),
                    is_adc_member=not external,
                    password=unusable,
                )
            )
            roles.append(role)
        users = User.objects.bulk_create(users, batch_size=BATCH)
        through = User.groups.through
        through.objects.bulk_create(
            [
                through(user_id=user.pk, group_id=groups[role].pk)
                for user, role in zip(users, roles, strict=True)
                if role
            ],
            batch_size=BATCH,
        )
        self.bench_convener, self.bench_developer, self.bench_manager = users[:3]
        self.conveners = [u for u, r in zip(users, roles, strict=True) if r == CONVENER]
        self.managers = [u for u, r in zip(users, roles, strict=True) if r == MANAGER]
        self.developers = [u for u, r in zip(users, roles, strict=True) if r == DEVELOPER]
        self.externals = [u for u, r in zip(users, roles, strict=True) if r is None]
        # People who present, own and act: everyone in a role except the bench accounts, whose
        # share of the data is set on purpose below.
        self.people = [u for u, r in zip(users[3:], roles[3:], strict=True) if r]

    # --- task forces, checkpoints, outlines -----------------------------------------------

    def make_task_forces(self) -> None:
        self.step(f"{self.sizes.task_forces} task forces")
        rng = self.rng
        combos = [(topic, kind) for topic in TOPICS for kind in KIND_SUFFIX]
        rng.shuffle(combos)
        statuses = [TaskForce.Status.ACTIVE] * 14 + [TaskForce.Status.PROPOSED] * 2
        statuses += [TaskForce.Status.PAUSED] + [TaskForce.Status.CLOSED] * 3
        task_forces = []
        for index in range(self.sizes.task_forces):
            topic, kind = combos[index % len(combos)]
            name = f"{topic} {KIND_SUFFIX[kind]}"
            if index >= len(combos):
                name += f" {index // len(combos) + 1}"
            task_forces.append(
                TaskForce(
                    name=name,
                    slug=slugify(name),
                    kind=kind,
                    scope=f"Everything about {topic.lower()}: plans, open questions, testbeds.",
                    status=rng.choice(statuses),
                )
            )
        self.task_forces = TaskForce.objects.bulk_create(task_forces, batch_size=BATCH)
        conveners = TaskForce.conveners.through
        members = TaskForce.members.through
        convener_rows, member_rows = [], []
        for index, tf in enumerate(self.task_forces):
            chosen = rng.sample(self.people, min(len(self.people), rng.randint(4, 12)))
            for user in chosen[: rng.randint(1, 2)]:
                convener_rows.append(conveners(taskforce_id=tf.pk, user_id=user.pk))
            for user in chosen[2:]:
                member_rows.append(members(taskforce_id=tf.pk, user_id=user.pk))
            if index % 20 == 0:
                member_rows.append(members(taskforce_id=tf.pk, user_id=self.bench_developer.pk))
        conveners.objects.bulk_create(convener_rows, batch_size=BATCH)
        members.objects.bulk_create(member_rows, batch_size=BATCH)
        self.tf_conveners = {row.taskforce_id: row.user_id for row in convener_rows}

    def make_checkpoints(self) -> None:
        self.step(f"{self.sizes.checkpoints} checkpoints")
        rng = self.rng
        first = self.today - datetime.timedelta(weeks=self.sizes.weeks)
        span = (self.today + datetime.timedelta(days=365) - first).days
        checkpoints = []
        for index in range(self.sizes.checkpoints):
            day = first + datetime.timedelta(
                days=span * (index + 1) // (self.sizes.checkpoints + 1)
            )
            place = PLACES[index % len(PLACES)]
            name = f"{place} workshop {day.year}"
            checkpoints.append(
                Checkpoint(
                    name=name,
                    slug=f"{slugify(name)}-{index}",
                    date=day,
                    end_date=day + datetime.timedelta(days=rng.randint(0, 4)),
                    location=place,
                    description=f"Task forces show progress at the {place} software workshop.",
                )
            )
        self.checkpoints = Checkpoint.objects.bulk_create(checkpoints, batch_size=BATCH)
        goals = []
        self.goal_checkpoints: dict[int, list[int]] = {}
        for checkpoint in self.checkpoints:
            k = min(len(self.task_forces), rng.randint(3, 8))
            for tf in rng.sample(self.task_forces, k):
                goals.append(
                    CheckpointGoal(
                        checkpoint_id=checkpoint.pk,
                        task_force_id=tf.pk,
                        goal=f"Show the {rng.choice(OUTLINE_PHRASES).lower()} working.",
                    )
                )
                self.goal_checkpoints.setdefault(tf.pk, []).append(checkpoint.pk)
        CheckpointGoal.objects.bulk_create(goals, batch_size=BATCH)

    def make_outlines(self) -> None:
        self.step("outlines (~20 nested items per task force)")
        rng = self.rng
        kinds = [OutlineItem.Kind.PLAN] * 5 + [
            OutlineItem.Kind.QUESTION,
            OutlineItem.Kind.USE_CASE,
            OutlineItem.Kind.TESTBED,
            OutlineItem.Kind.NOTE,
        ]
        # (task force pk, parent index or None, depth, text, kind, done, position, checkpoint)
        nodes: list[tuple] = []
        for tf in self.task_forces:
            total = rng.randint(16, 24)
            tops = []
            for position in range(rng.randint(4, 6)):
                tops.append(len(nodes))
                nodes.append((tf.pk, None, 0, rng.choice(OUTLINE_PHRASES), position))
            children: dict[int, int] = {}
            seconds = []
            while len(nodes) - tops[0] < total:
                if seconds and rng.random() < 0.25:
                    parent = rng.choice(seconds)
                    depth = 2
                else:
                    parent = rng.choice(tops)
                    depth = 1
                position = children.get(parent, 0)
                children[parent] = position + 1
                if depth == 1:
                    seconds.append(len(nodes))
                text = f"{rng.choice(VERBS)} {rng.choice(THINGS)}"
                nodes.append((tf.pk, parent, depth, text, position))
        created: dict[int, int] = {}
        for depth in (0, 1, 2):
            batch_index, batch = [], []
            for index, (tf_pk, parent, node_depth, text, position) in enumerate(nodes):
                if node_depth != depth:
                    continue
                goal_checkpoints = self.goal_checkpoints.get(tf_pk)
                checkpoint = (
                    rng.choice(goal_checkpoints)
                    if goal_checkpoints and rng.random() < 0.15
                    else None
                )
                batch_index.append(index)
                batch.append(
                    OutlineItem(
                        task_force_id=tf_pk,
                        parent_id=created[parent] if parent is not None else None,
                        kind=rng.choice(kinds),
                        text=text,
                        done=rng.random() < 0.3,
                        position=position,
                        checkpoint_id=checkpoint,
                    )
                )
            for index, item in zip(
                batch_index, OutlineItem.objects.bulk_create(batch, batch_size=BATCH), strict=True
            ):
                created[index] = item.pk
        self.outline_by_tf: dict[int, list[int]] = {}
        for index, node in enumerate(nodes):
            self.outline_by_tf.setdefault(node[0], []).append(created[index])

    # --- roadmaps and deliverables --------------------------------------------------------

    def make_roadmaps(self) -> None:
        sizes = self.sizes
        self.step(f"{sizes.roadmaps} roadmaps, {sizes.deliverables} deliverables and histories")
        rng = self.rng
        self.projects = Project.objects.bulk_create(
            [Project(name=name, slug=slugify(name)) for name in PROJECTS]
        )
        current_year = self.today.year
        years = list(range(current_year - sizes.roadmaps + 1, current_year + 1))
        per_roadmap = [sizes.deliverables // sizes.roadmaps] * sizes.roadmaps
        for index in range(sizes.deliverables % sizes.roadmaps):
            per_roadmap[-1 - index] += 1
        self.deliverables_by_year: dict[int, list[int]] = {}
        self.deliverable_titles: dict[int, str] = {}
        owner_pool = self.developers * 4 + self.conveners + self.managers * 2
        owner_pool = [u for u in owner_pool if u.pk not in {b.pk for b in self.bench_users}]
        owner_rows: list = []
        changes: list[DeliverableChange] = []
        previous: Roadmap | None = None
        previous_open: list[Deliverable] = []
        bench_candidates: list[int] = []
        for year, count in zip(years, per_roadmap, strict=True):
            agreed = aware(datetime.date(year, 3, 28))
            roadmap = Roadmap.objects.create(
                name="ADC roadmap",
                year=year,
                state=Roadmap.State.AGREED if agreed <= self.now else Roadmap.State.DRAFT,
                agreed_at=agreed if agreed <= self.now else None,
                baseline=[] if agreed <= self.now else None,
                carried_from=previous,
            )
            periods = Period.objects.bulk_create(
                [
                    Period(roadmap=roadmap, label=label, order=order, start=start, end=end)
                    for order, (label, start, end) in enumerate(self.period_dates(year))
                ]
            )
            deliverables, histories = [], []
            positions: dict[int, int] = {}
            for _ in range(count):
                deliverable, history = self.make_deliverable(roadmap, periods, previous_open)
                deliverable.position = positions.get(deliverable.period_id, 0)
                positions[deliverable.period_id] = deliverable.position + 1
                deliverables.append(deliverable)
                histories.append(history)
            deliverables = Deliverable.objects.bulk_create(deliverables, batch_size=BATCH)
            for deliverable, history in zip(deliverables, histories, strict=True):
                k = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
                owners = []
                for user in rng.sample(owner_pool, k):
                    if user.pk not in owners:
                        owners.append(user.pk)
                owner_rows += [(deliverable.pk, pk) for pk in owners]
                for change in history:
                    change.deliverable_id = deliverable.pk
                    if change.by_id is None and owners:
                        change.by_id = owners[0]
                    changes.append(change)
                self.deliverable_titles[deliverable.pk] = deliverable.title
            if roadmap.state == Roadmap.State.AGREED:
                # The plan as agreed: every item in the period it was first put in, planned.
                roadmap.baseline = [
                    {
                        "id": d.pk,
                        "title": d.title,
                        "period_id": history[0].to_period_id,
                        "status": Deliverable.Status.PLANNED,
                    }
                    for d, history in zip(deliverables, histories, strict=True)
                ]
                roadmap.save(update_fields=["baseline"])
            live = [d for d in deliverables if d.deleted_at is None]
            self.deliverables_by_year[year] = [d.pk for d in live]
            if year >= current_year - 1:
                bench_candidates += [d.pk for d in live]
            previous = roadmap
            previous_open = [d for d in live if not d.is_closed]
        for pk in rng.sample(bench_candidates, BENCH_OWNED_DELIVERABLES):
            owner_rows.append((pk, self.bench_developer.pk))
        through = Deliverable.owners.through
        through.objects.bulk_create(
            [through(deliverable_id=d, user_id=u) for d, u in owner_rows], batch_size=BATCH
        )
        DeliverableChange.objects.bulk_create(changes, batch_size=BATCH)

    @property
    def bench_users(self) -> tuple[User, User, User]:
        return (self.bench_convener, self.bench_developer, self.bench_manager)

    @staticmethod
    def period_dates(year: int):
        return (
            ("April", datetime.date(year, 4, 1), datetime.date(year, 4, 30)),
            ("May", datetime.date(year, 5, 1), datetime.date(year, 5, 31)),
            ("June", datetime.date(year, 6, 1), datetime.date(year, 6, 30)),
            ("Summer", datetime.date(year, 7, 1), datetime.date(year, 8, 31)),
            ("Fall", datetime.date(year, 9, 1), datetime.date(year, 12, 31)),
            ("Later", datetime.date(year + 1, 1, 1), None),
        )

    def make_deliverable(
        self, roadmap: Roadmap, periods: Sequence[Period], previous_open: Sequence[Deliverable]
    ) -> tuple[Deliverable, list[DeliverableChange]]:
        rng = self.rng
        today = self.today
        first_index = rng.choices(range(len(periods)), weights=(3, 3, 3, 4, 5, 2))[0]
        path = [first_index]
        while path[-1] < len(periods) - 1 and rng.random() < (0.2 if len(path) == 1 else 0.3):
            path.append(rng.randint(path[-1] + 1, len(periods) - 1))
        created_on = datetime.date(roadmap.year, 3, 1) + datetime.timedelta(days=rng.randint(0, 27))
        history = [
            DeliverableChange(
                kind=DeliverableChange.Kind.CREATED,
                at=aware(created_on),
                to_status=Deliverable.Status.PLANNED,
                to_period_id=periods[first_index].pk,
            )
        ]
        reached = first_index
        for before, after in itertools.pairwise(path):
            moved_on = periods[before].end - datetime.timedelta(days=rng.randint(0, 10))
            if moved_on > today:
                break  # that slip has not happened yet
            reached = after
            history.append(
                DeliverableChange(
                    kind=DeliverableChange.Kind.MOVE,
                    at=aware(moved_on, 11),
                    from_period_id=periods[before].pk,
                    to_period_id=periods[after].pk,
                    is_slip=True,
                    reason=rng.choice(
                        (
                            "Waiting for the new storage endpoint.",
                            "Person-power went to data taking.",
                            "Blocked by the middleware upgrade.",
                            "Scope grew after the workshop.",
                        )
                    ),
                )
            )
        period = periods[reached]
        ended = period.end is not None and period.end < today
        started = period.start <= today
        if ended:
            status = rng.choices(
                Deliverable.Status.values,
                weights=(4, 12, 9, 65, 10) if roadmap.year < today.year else (5, 15, 10, 65, 5),
            )[0]
        elif started:
            status = rng.choices(Deliverable.Status.values, weights=(35, 40, 15, 8, 2))[0]
        else:
            status = rng.choices(Deliverable.Status.values, weights=(80, 15, 3, 1, 1))[0]
        done_on = None
        if status != Deliverable.Status.PLANNED:
            start = max(period.start, created_on)
            end = min(period.end or today, today)
            changed_on = start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))
            changed_on = min(changed_on, today)
            if status == Deliverable.Status.DONE:
                done_on = changed_on
            history.append(
                DeliverableChange(
                    kind=DeliverableChange.Kind.STATUS,
                    at=aware(changed_on, 15),
                    from_status=Deliverable.Status.PLANNED,
                    to_status=status,
                )
            )
        deadline = lead = None
        if rng.random() < 0.15:
            deadline = (
                period.end or period.start + datetime.timedelta(days=120)
            ) + datetime.timedelta(days=rng.randint(-20, 20))
            if rng.random() < 0.6:
                lead = rng.choice((7, 14, 21, 30, 45, 60))
        carried_from = None
        if previous_open and rng.random() < 0.05:
            carried_from = rng.choice(previous_open)
            history.append(
                DeliverableChange(
                    kind=DeliverableChange.Kind.CARRIED,
                    at=aware(created_on, 12),
                    to_period_id=period.pk,
                    reason=f"Carried over from {roadmap.year - 1}.",
                )
            )
        title = f"{rng.choice(VERBS)} {rng.choice(THINGS)}"
        if rng.random() < 0.5:
            title += f" for {rng.choice(PROJECTS)}"
        deliverable = Deliverable(
            roadmap=roadmap,
            period=period,
            title=title,
            project=rng.choice(self.projects) if rng.random() < 0.9 else None,
            tentative=rng.random() < 0.1,
            status=status,
            done_on=done_on,
            deadline=deadline,
            lead_time_days=lead,
            task_force=rng.choice(self.task_forces) if rng.random() < 0.3 else None,
            notes="Depends on the site survey." if rng.random() < 0.2 else "",
            carried_from=carried_from,
            version=len(history),
            deleted_at=aware(today) if rng.random() < 0.01 else None,
        )
        # bulk_create skips save(), which is where start_by is derived.
        deliverable.start_by = deliverable.compute_start_by()
        return deliverable, history

    # --- meetings ---------------------------------------------------------------------------

    def make_meetings(self) -> None:
        sizes = self.sizes
        self.step(f"{sizes.weeks} meetings with 8-12 agenda items each, minutes, action items")
        rng = self.rng
        series = MeetingSeries.objects.create(
            name="ADC development meeting",
            slug=SERIES_SLUG,
            description="The weekly ATLAS Distributed Computing development meeting.",
            weekday=MeetingSeries.Weekday.WEDNESDAY,
            start_time=datetime.time(16, 0),
            mailing_list="atlas-adc-dev@example.org",
            location="CERN 40-R-C10",
            video_url="https://example.org/vidyo/adc-dev",
        )
        series.conveners.set([self.bench_convener, *self.conveners])
        first_ahead = series.next_dates(1, after=self.today)[0]
        first = first_ahead - datetime.timedelta(weeks=sizes.weeks - sizes.weeks_ahead)
        days = [first + datetime.timedelta(weeks=n) for n in range(sizes.weeks)]
        meetings = []
        for day in days:
            future = day >= first_ahead
            if future:
                state = (
                    Meeting.State.PUBLISHED
                    if day < first_ahead + datetime.timedelta(weeks=2)
                    else Meeting.State.DRAFT
                )
            elif (day.month == 12 and day.day > 20) or (day.month == 1 and day.day < 6):
                state = Meeting.State.CANCELLED
            else:
                state = Meeting.State.CANCELLED if rng.random() < 0.04 else Meeting.State.HELD
            revision = 0 if state == Meeting.State.DRAFT else rng.randint(1, 3)
            start = series.start_on(day)
            meetings.append(
                Meeting(
                    series=series,
                    start=start,
                    scheduled_for=day,
                    title="Joint session with WLCG operations" if rng.random() < 0.03 else "",
                    state=state,
                    revision=revision,
                    version=revision + rng.randint(1, 20),
                    # Everything published was announced, so the mailer has nothing to catch up.
                    announced_revision=revision,
                    minutes=(
                        "Attendance: about 30 people. The summary of each item is below."
                        if state == Meeting.State.HELD
                        else ""
                    ),
                    cancel_reason=(
                        "Software and computing week" if state == Meeting.State.CANCELLED else ""
                    ),
                    published_at=(start - datetime.timedelta(days=2)) if revision else None,
                )
            )
        meetings = Meeting.objects.bulk_create(meetings, batch_size=BATCH)
        active_tfs = [tf for tf in self.task_forces if tf.status != TaskForce.Status.CLOSED]
        last_focus: dict[int, datetime.date] = {}
        items: list[AgendaItem] = []
        item_meeting: list[int] = []  # the meeting (index) of each item, to attach actions
        for index, meeting in enumerate(meetings):
            day = meeting.scheduled_for
            held = meeting.state == Meeting.State.HELD
            # The next meeting, the agenda page the benchmark reads, gets the full 12.
            n_items = 12 if day == first_ahead else rng.randint(8, 12)
            n_hot = rng.randint(2, 4)
            n_tracking = rng.randint(2, 4)
            n_open = 1
            n_hot = min(n_hot, n_items - 1 - n_tracking - n_open)
            n_tracking = n_items - 1 - n_hot - n_open
            focus_tf = rng.choice(active_tfs)
            if day <= self.today:
                last_focus[focus_tf.pk] = day
            year_deliverables = self.deliverables_by_year.get(day.year) or []
            plan = [(AgendaItem.Section.FOCUS, f"Focus: {focus_tf.name}")]
            plan += [(AgendaItem.Section.HOT, rng.choice(HOT_TITLES)) for _ in range(n_hot)]
            tracked = []
            for _ in range(n_tracking):
                if year_deliverables:
                    pk = rng.choice(year_deliverables)
                    tracked.append(pk)
                    plan.append((AgendaItem.Section.TRACKING, self.deliverable_titles[pk]))
                else:
                    tracked.append(None)
                    plan.append((AgendaItem.Section.TRACKING, "Roadmap review"))
            plan.append((AgendaItem.Section.OPEN_FLOOR, "Open floor"))
            bench_presents = index % 10 == 0
            tracked_iter = iter(tracked)
            for position, (section, title) in enumerate(plan):
                presenter = None
                external = {}
                if section == AgendaItem.Section.FOCUS:
                    presenter_pk = self.tf_conveners.get(focus_tf.pk)
                elif section == AgendaItem.Section.OPEN_FLOOR:
                    presenter_pk = None
                elif rng.random() < 0.1:
                    presenter_pk = None
                    first_name, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    affiliation = rng.choice(EXTERNAL_AFFILIATIONS)
                    external = {
                        "presenter_name": f"{first_name} {last}",
                        "presenter_email": f"{first_name}.{last}@example.net".lower().replace(
                            " ", ""
                        ),
                        "presenter_affiliation": affiliation,
                    }
                else:
                    presenter = rng.choice(self.people)
                    presenter_pk = presenter.pk
                if bench_presents and position == 1:
                    presenter_pk, external = self.bench_developer.pk, {}
                duration = {
                    AgendaItem.Section.FOCUS: rng.choice((20, 25, 30)),
                    AgendaItem.Section.HOT: rng.choice((5, 10, 15)),
                    AgendaItem.Section.TRACKING: rng.choice((5, 5, 10)),
                    AgendaItem.Section.OPEN_FLOOR: 5,
                }[section]
                items.append(
                    AgendaItem(
                        meeting_id=meeting.pk,
                        section=section,
                        position=position,
                        title=title,
                        presenter_id=presenter_pk,
                        duration_minutes=duration,
                        task_force_id=focus_tf.pk if section == AgendaItem.Section.FOCUS else None,
                        deliverable_id=(
                            next(tracked_iter) if section == AgendaItem.Section.TRACKING else None
                        ),
                        notes="Slides on Indico." if rng.random() < 0.3 else "",
                        minutes=(
                            "Discussed; follow-up in two weeks."
                            if held and rng.random() < 0.6
                            else ""
                        ),
                        recurring=section == AgendaItem.Section.OPEN_FLOOR
                        or (section == AgendaItem.Section.HOT and rng.random() < 0.2),
                        **external,
                    )
                )
                item_meeting.append(index)
            if rng.random() < 0.05:
                # A removed item, kept soft-deleted as the builder does.
                items.append(
                    AgendaItem(
                        meeting_id=meeting.pk,
                        section=AgendaItem.Section.HOT,
                        position=len(plan),
                        title="Withdrawn talk",
                        deleted_at=meeting.start - datetime.timedelta(days=1),
                    )
                )
                item_meeting.append(index)
        items = AgendaItem.objects.bulk_create(items, batch_size=BATCH)
        actions = []
        by_meeting: dict[int, list[AgendaItem]] = {}
        for item, index in zip(items, item_meeting, strict=True):
            by_meeting.setdefault(index, []).append(item)
        for index, meeting in enumerate(meetings):
            if meeting.state != Meeting.State.HELD:
                continue
            for _ in range(rng.randint(0, 4)):
                item = rng.choice(by_meeting[index])
                due = meeting.scheduled_for + datetime.timedelta(days=rng.choice((7, 14, 28)))
                done = due < self.today - datetime.timedelta(days=30) and rng.random() < 0.9
                actions.append(
                    ActionItem(
                        meeting_id=meeting.pk,
                        agenda_item_id=item.pk,
                        text=f"{rng.choice(VERBS)} the {rng.choice(THINGS)} and report back",
                        owner_id=rng.choice(self.people).pk,
                        due=due,
                        done=done,
                        done_at=aware(due) if done else None,
                    )
                )
        ActionItem.objects.bulk_create(actions, batch_size=BATCH)
        for tf in self.task_forces:
            tf.last_focus_on = last_focus.get(tf.pk)
        TaskForce.objects.bulk_update(self.task_forces, ["last_focus_on"], batch_size=BATCH)


class Command(BaseCommand):
    help = "Fill the database with years of deterministic benchmark data (see bench/)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 = 15 years, 5,000 deliverables"
        )
        parser.add_argument("--seed", type=int, default=2011)
        parser.add_argument("--flush", action="store_true", help="Replace earlier generated data.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="With --flush, also wipe data this command did not generate.",
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="Lay the history out around this date (default: today).",
        )

    def handle(self, *args, scale: float, seed: int, flush: bool, force: bool, today, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        wanted = marker_name(seed, scale)
        marker = Heartbeat.objects.filter(name__startswith=MARKER_PREFIX).first()
        if marker is not None and marker.name == wanted and not flush:
            self.stdout.write(f"Already generated ({wanted}, on {marker.beat_at:%Y-%m-%d}).")
            return
        has_data = any(model.objects.exists() for model in CONTENT_MODELS)
        if has_data and not flush:
            what = f"generated data ({marker.name})" if marker else "data"
            raise CommandError(f"The database already holds {what}; pass --flush to replace it.")
        if has_data and marker is None and not force:
            raise CommandError(
                "The database holds data that generate_load_data did not make; refusing to "
                "delete it. Use another database, or add --force to wipe it."
            )
        started = time.monotonic()
        verbose = options.get("verbosity", 1) >= 1
        with transaction.atomic():
            if has_data or marker is not None:
                self.stdout.write("Flushing earlier data…")
                flush_generated_tables()
                Heartbeat.objects.filter(name__startswith=MARKER_PREFIX).delete()
            self.stdout.write(f"Generating {wanted}:")
            generator = Generator(
                seed=seed,
                scale=scale,
                today=today or timezone.localdate(),
                log=self.stdout.write if verbose else (lambda _msg: None),
            )
            counts = generator.run()
            Heartbeat.objects.create(name=wanted, beat_at=timezone.now())
            if connection.vendor == "postgresql":
                # Planner statistics for the fresh rows, as autovacuum would gather in time;
                # without them PostgreSQL guesses a handful of rows and picks poor plans.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s: {summary}.")
        )
