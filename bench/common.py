"""What every step of the benchmark shares: where it runs, its default database, its log."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/adcmeet_bench"
HOST = "127.0.0.1"


def log(message: str) -> None:
    print(f"bench: {message}", flush=True)
