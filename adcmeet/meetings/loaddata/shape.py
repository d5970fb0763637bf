"""What is generated and how much: the version marker, the bench accounts, the sizes at a scale."""

import dataclasses
import datetime

from adcmeet.accounts.models import CONVENER, DEVELOPER, MANAGER

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


def marker_name(seed: int, scale: float) -> str:
    return f"{MARKER_PREFIX}v{GENERATOR_VERSION} seed={seed} scale={scale:g}"


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


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
