"""In-process: the SQL queries of one request (test client, rolled back), and EXPLAIN."""

import re

from bench.common import HOST
from bench.endpoints import Endpoint

_SAVEPOINTS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


def count_queries(endpoint: Endpoint, users: dict) -> dict:
    """One request through Django's test client, in a transaction that is rolled back."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    if endpoint.user:
        client.force_login(users[endpoint.user])
    variant = endpoint.variants()[0] if endpoint.variants else {}
    path = endpoint.path.format(**variant) if variant else endpoint.path
    data = {k: v.format(**variant) for k, v in (endpoint.form or [{}])[0].items()}

    def request():
        if endpoint.method == "GET":
            return client.get(path, headers=endpoint.headers)
        return client.post(path, data, headers=endpoint.headers)

    with transaction.atomic():
        request()  # warm: first-use caches (content types, templates) are not per request
        transaction.set_rollback(True)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            response = request()
        transaction.set_rollback(True)
    queries = [q for q in captured.captured_queries if not _SAVEPOINTS.match(q["sql"])]
    body = b"" if getattr(response, "streaming", False) else response.content
    return {
        "queries": len(queries),
        "status": response.status_code,
        "bytes": len(body),
        "captured": queries,
    }


def explain(queries: list[dict], limit: int = 3) -> list[dict]:
    """EXPLAIN ANALYZE of the slowest SELECTs of one request."""
    from django.db import connection

    slowest = sorted(
        (q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")),
        key=lambda q: float(q["time"]),
        reverse=True,
    )[:limit]
    plans = []
    with connection.cursor() as cursor:
        for query in slowest:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append(
                {
                    "ms": round(float(query["time"]) * 1000, 2),
                    "sql": query["sql"],
                    "plan": "\n".join(row[0] for row in cursor.fetchall()),
                }
            )
    return plans
