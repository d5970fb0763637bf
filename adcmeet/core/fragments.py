"""Rendered page fragments kept in the cache under a validator (issue 7).

Pages read far more often than their data changes (home, the roadmap board, the task forces,
an agenda, the personal feed) keep the expensive part of their output in the cache, keyed by
a *stamp* of the rows it shows plus everything else it depends on (the viewer's rights and
zone, the filters, today's date). A change of any shown row gives a new stamp, hence a new key:
nothing is ever invalidated by hand, old entries age out.

The stamp is one query: for each set of rows, how many there are and the sums of two numbers
PostgreSQL gives every row version: `xmin` (the transaction that wrote it) and `ctid` (where
it is stored; a row written twice in one transaction moves). Every write path changes them,
whatever it goes through: `save()`, a queryset `.update()` (which leaves auto_now `updated_at`
alone), a bulk insert, an M2M add, the admin, a data migration, plain SQL. Row locks
(`select_for_update`) and reads do not. A deleted row lowers the count; an inserted one raises
it. So a cached fragment never outlives a change of what it shows, which a validator built
from `updated_at` or `version` columns cannot promise (several shown tables have neither:
users, projects, periods, series, checkpoints, M2M links). A rewrite of a whole table
(VACUUM FULL, a restore) changes the stamps once: a miss, never a stale page.

On other databases (the embedded SQLite default) there is no row version: `stamp()` answers
None and fragments are rendered every time.

Fragments are rendered without the request (`render_to_string(template, context)`), so no
context processor runs and `{% csrf_token %}` renders nothing: what is cached holds no CSRF
token and nothing about the viewer beyond what its key says. A fragment that nonetheless
contains a token is not cached.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

log = logging.getLogger(__name__)
T = TypeVar("T")

# Keys change with the data, so entries only need to outlive a busy day's reads.
TIMEOUT = 6 * 3600
# Bump when a cached fragment's markup changes, so a deploy never serves the old one.
FORMAT = "1"


def enabled() -> bool:
    return connection.vendor == "postgresql"


def _row_columns(table: str) -> str:
    """Two numbers that change whenever a row is written: the writing transaction (`xmin`),
    and the row version's place in the table (`ctid`), which also moves when one transaction
    writes a row twice (a test, or a command that renders between two writes)."""
    place = f"{table}.ctid::text::point"
    return (
        f"{table}.xmin::text::bigint AS _row_version, "
        f"(({place})[0] * 65536 + ({place})[1])::bigint AS _row_place"
    )


class Rows:
    """Rows named in SQL: `Rows("table", "where clause with %s", [params])`, for sets a queryset
    would only reach through a join the planner answers with a sequential scan (rows of the
    deliverables of one roadmap: `deliverable_id = ANY(ARRAY(SELECT ...))` uses the index)."""

    def __init__(self, table: str, where: str = "TRUE", params=()) -> None:
        self.table, self.where, self.params = table, where, list(params)

    def sql(self) -> tuple[str, list]:
        table = connection.ops.quote_name(self.table)
        # Table and clause are written in our code; values only ever travel as parameters.
        sql = f"SELECT {_row_columns(table)} FROM {table} WHERE {self.where}"  # noqa: S608
        return sql, self.params


class Newest:
    """The newest id of an append-only table (rows are inserted, never updated): a new row
    changes it, at the price of an index lookup rather than a scan. Rows it loses can only go
    with rows another source counts (a deliverable's history goes with the deliverable)."""

    def __init__(self, model) -> None:
        self.model = model


def _part(source: QuerySet | Rows | Newest) -> tuple[str, list]:
    if isinstance(source, Newest):
        meta = source.model._meta
        table, pk = connection.ops.quote_name(meta.db_table), meta.pk.column
        return f"(SELECT coalesce(max({pk}), 0)::text FROM {table})", []  # noqa: S608 - model's
    sql, params = _versions_sql(source)
    # Composed from our own SQL; values are parameters.
    count = (
        "(SELECT count(*)::text || '.' || coalesce(sum(_row_version), 0)::text"
        " || '.' || coalesce(sum(_row_place), 0)::text"
    )
    return f"{count} FROM ({sql}) AS stamp_rows)", params


def _versions_sql(source: QuerySet | Rows) -> tuple[str, list]:
    if isinstance(source, Rows):
        return source.sql()
    if not source.query.where:
        # A whole table: no need to have the ORM compile anything.
        return Rows(source.model._meta.db_table).sql()
    table = connection.ops.quote_name(source.model._meta.db_table)
    # The queryset decides which rows; their columns are replaced by the two numbers.
    sql, params = source.order_by().values_list("pk").query.sql_with_params()
    head = "SELECT "
    select_end = sql.index(" FROM ")
    assert sql.startswith(head), sql
    return f"{head}{_row_columns(table)}{sql[select_end:]}", list(params)


def stamp(*sources: QuerySet | Rows | Newest) -> str | None:
    """In ONE query: for each source, its row count and the sum of its rows' versions.

    Sources must select each row once (filter with `pk__in=` subqueries rather than joins
    that repeat rows); a queryset's ordering, select_related and annotations are ignored.
    """
    if not enabled():
        return None
    parts, params = [], []
    for source in sources:
        sql, inner = _part(source)
        parts.append(sql)
        params.extend(inner)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + " || ':' || ".join(parts), params)
        return cursor.fetchone()[0]


def key(name: str, validator: str, *parts) -> str:
    digest = hashlib.sha256(
        "\x1f".join([FORMAT, validator, *map(str, parts)]).encode()
    ).hexdigest()[:40]
    return f"fragment:{name}:{digest}"


def cached(name: str, validator: str | None, parts: tuple, render: Callable[[], T]) -> T:
    """The fragment for (validator, parts), rendered by `render()` on a miss (HTML, or any
    picklable value such as a built feed with its ETag).

    With no validator it is simply rendered. A cache that is down (Redis) costs a render,
    never the page.
    """
    if validator is None:
        return render()
    cache_key = key(name, validator, *parts)
    try:
        html = cache.get(cache_key)
    except Exception:  # a cache outage must not take the page down
        log.warning("fragment cache unavailable", exc_info=True)
        return render()
    if html is not None:
        return html
    html = render()
    if isinstance(html, str) and "csrfmiddlewaretoken" in html:
        log.error("fragment %s contains a CSRF token: not cached", name)
        return html
    try:
        cache.set(cache_key, html, TIMEOUT)
    except Exception:
        log.warning("fragment cache unavailable", exc_info=True)
    return html


def render_fragment(template: str, context: dict) -> SafeString:
    """A template (or "template#partial") rendered without the request: no context
    processors, no CSRF token, nothing of the viewer but what `context` holds."""
    return render_to_string(template, context)
