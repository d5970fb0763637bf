"""Real concurrent actors for optimistic-concurrency tests.

`race(a, b, …)` runs each callable in its own thread with its own database connection, releases
them together at a barrier and returns what each returned or raised. On PostgreSQL the claims
really interleave: one actor's conditional UPDATE waits on the other's row lock and then finds
the version gone. Tests using it need `@pytest.mark.django_db(transaction=True)` so the threads
see committed rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connection, transaction


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def race(*actors: Callable[[], Any], hold_seconds: float = 0.2) -> list[Outcome]:
    """Run `actors` at once; each runs in a transaction that stays open `hold_seconds` after
    the actor returns, so the others reach their claim while the first still holds the lock."""
    barrier = threading.Barrier(len(actors))
    outcomes = [Outcome() for _ in actors]

    def run(index: int, actor: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                outcomes[index].value = actor()
                threading.Event().wait(hold_seconds)
        except BaseException as error:  # handed back to the test to assert on
            outcomes[index].error = error
        finally:
            connection.close()
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def winners(outcomes: list[Outcome]) -> list[Any]:
    return [o.value for o in outcomes if o.error is None]


def errors(outcomes: list[Outcome]) -> list[BaseException]:
    return [o.error for o in outcomes if o.error is not None]
