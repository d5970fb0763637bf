"""What the users saw (latencies, statuses, errors) and what the server acknowledged."""

import collections
import threading


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.status: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.errors: list[str] = []

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[kind][status] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Acks:
    """What the server said it did; checked against the database afterwards."""

    def __init__(self):
        self.lock = threading.Lock()
        self.added_titles: list[str] = []
        self.renamed: dict[int, str] = {}  # item -> last acknowledged title
        self.status: dict[int, str] = {}  # deliverable -> last acknowledged status

    def add(self, title):
        with self.lock:
            self.added_titles.append(title)
