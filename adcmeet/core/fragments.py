"""Rendered page fragments kept in the cache under a validator (issue 7, issue 12).

Pages read far more often than their data changes (home, the roadmap board, the task forces,
an agenda, the personal feed) keep the expensive part of their output in the cache, keyed by
a *stamp* of the rows it shows plus everything else it depends on (the viewer's rights and
zone, the filters, today's date). A change of any shown row gives a new stamp, hence a new key:
nothing is ever invalidated by hand, old entries age out.

A page declares what it shows once, next to itself, in ORM terms:

    MEETING_PAGE = fragments.Sources(
        "meeting",
        Meeting.objects.filter(pk=Param("meeting")),
        AgendaItem.objects.filter(meeting=Param("meeting")),
        User,                                   # a whole table
        fragments.Newest(DeliverableChange),    # an append-only table: its newest id
    )
    html = fragments.cached(MEETING_PAGE.of(meeting=meeting.pk), (can_edit,), render)

The declaration is compiled to SQL once (per database vendor) with `Param`s as placeholders;
a view only binds the values, so a cache hit costs one query and no ORM compilation (which
took longer than the query itself). Views know no table names and write no SQL.

The stamp is that one query: for each source, how many rows there are and the sums of two
numbers PostgreSQL gives every row version: `xmin` (the transaction that wrote it) and `ctid`
(where it is stored; a row written twice in one transaction moves). Every write path changes
them, whatever it goes through: `save()`, a queryset `.update()` (which leaves auto_now
`updated_at` alone), a bulk insert, an M2M add, the admin, a data migration, plain SQL. Row
locks (`select_for_update`) and reads do not. A deleted row lowers the count; an inserted one
raises it. So a cached fragment never outlives a change of what it shows, which a validator
built from `updated_at` or `version` columns cannot promise (several shown tables have
neither: users, projects, periods, series, checkpoints, M2M links). A rewrite of a whole table
(VACUUM FULL, a restore) changes the stamps once: a miss, never a stale page.

On other databases (the embedded SQLite default) there is no row version: the stamp is None
and fragments are rendered every time (what a developer editing templates wants, too).

Fragments are rendered without the request (`render_fragment(template, context)`), so no
context processor runs and `{% csrf_token %}` renders nothing: what is cached holds no CSRF
token and nothing about the viewer beyond what its key says. A fragment that nonetheless
contains a token is not cached.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection, models
from django.db.models import Expression, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

log = logging.getLogger(__name__)
T = TypeVar("T")

# Keys change with the data, so entries only need to outlive a busy day's reads.
TIMEOUT = 6 * 3600
# Bump when a cached fragment's markup changes, so a deploy never serves the old one.
FORMAT = "2"


def enabled() -> bool:
    return connection.vendor == "postgresql"


# --- declaring sources ------------------------------------------------------------------------


class Param(Expression):
    """A value a page's sources are declared with and given on each view (`Sources.of`).

    It compiles to a placeholder. Arithmetic with plain values (`Param("now") - timedelta(…)`,
    as QuerySet methods such as `Meeting.objects.upcoming(now)` do) is applied when the value
    is bound, so such methods can be used in a declaration unchanged.
    """

    def __init__(self, name: str, *, then: tuple[Callable[[Any], Any], ...] = ()) -> None:
        super().__init__(output_field=models.Field())
        self.name, self.then = name, then

    def __repr__(self) -> str:
        return f"Param({self.name!r})"

    def as_sql(self, compiler, connection):
        return "%s", [self]

    def value(self, values: dict[str, Any]) -> Any:
        try:
            value = values[self.name]
        except KeyError:
            raise TypeError(f"no value given for Param({self.name!r})") from None
        for step in self.then:
            value = step(value)
        if isinstance(value, models.Model):
            return value.pk
        # What the ORM does for a plain value: datetimes as the backend stores them.
        if isinstance(value, datetime.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return connection.ops.adapt_datefield_value(value)
        return value

    def _then(self, step: Callable[[Any], Any]) -> Param:
        return Param(self.name, then=(*self.then, step))

    def __add__(self, other):
        if hasattr(other, "resolve_expression"):
            return super().__add__(other)
        return self._then(lambda value: value + other)

    def __sub__(self, other):
        if hasattr(other, "resolve_expression"):
            return super().__sub__(other)
        return self._then(lambda value: value - other)


class _ArrayOfSubquery:
    """`field__in_array=<queryset>`: `field = ANY(ARRAY(subquery))` on PostgreSQL, `IN` elsewhere.

    The planner answers `IN (subquery)` over a big table (the owners of one roadmap's
    deliverables) with a hashed sequential scan; an array of the subquery's few ids is
    computed first and looked up through the index."""

    lookup_name = "in_array"

    def get_rhs_op(self, connection, rhs):
        if connection.vendor == "postgresql" and not self.rhs_is_direct_value():
            return f"= ANY(ARRAY{rhs})"
        return super().get_rhs_op(connection, rhs)


@models.Field.register_lookup
class InArray(_ArrayOfSubquery, In):
    __doc__ = _ArrayOfSubquery.__doc__


@models.ForeignObject.register_lookup
class RelatedInArray(_ArrayOfSubquery, RelatedIn):
    __doc__ = _ArrayOfSubquery.__doc__


class Newest:
    """The newest id of an append-only table (rows are inserted, never updated): a new row
    changes it, at the price of an index lookup rather than a scan. Rows it loses can only go
    with rows another source counts (a deliverable's history goes with the deliverable)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model


Source = type[models.Model] | QuerySet | Newest


def _row_columns(table: str) -> str:
    """Two numbers that change whenever a row is written: the writing transaction (`xmin`),
    and the row version's place in the table (`ctid`), which also moves when one transaction
    writes a row twice (a test, or a command that renders between two writes)."""
    place = f"{table}.ctid::text::point"
    return (
        f"{table}.xmin::text::bigint AS _row_version, "
        f"(({place})[0] * 65536 + ({place})[1])::bigint AS _row_place"
    )


def _rows_sql(source: QuerySet) -> tuple[str, list]:
    """The rows a queryset selects, their columns replaced by the two numbers."""
    table = connection.ops.quote_name(source.model._meta.db_table)
    if not source.query.where:
        # A whole table: no need to have the ORM compile anything.
        return f"SELECT {_row_columns(table)} FROM {table}", []  # noqa: S608 - model's table
    sql, params = source.order_by().values_list("pk").query.sql_with_params()
    head, select_end = "SELECT ", sql.index(" FROM ")
    assert sql.startswith(head), sql
    return f"{head}{_row_columns(table)}{sql[select_end:]}", list(params)


def _part_sql(source: QuerySet | Newest) -> tuple[str, list]:
    if isinstance(source, Newest):
        meta = source.model._meta
        table, pk = connection.ops.quote_name(meta.db_table), meta.pk.column
        return f"(SELECT coalesce(max({pk}), 0)::text FROM {table})", []  # noqa: S608
    sql, params = _rows_sql(source)
    # Composed from the ORM's SQL and ours; values are parameters.
    count = (
        "(SELECT count(*)::text || '.' || coalesce(sum(_row_version), 0)::text"
        " || '.' || coalesce(sum(_row_place), 0)::text"
    )
    return f"{count} FROM ({sql}) AS stamp_rows)", params


class Sources:
    """What one cached page region shows, declared once in ORM terms: models (the whole
    table), querysets (the rows they select; filter with `Param`s for what varies per view)
    and `Newest(model)` for append-only tables.

    Querysets must select each row once (filter with `__in` / `__in_array` subqueries rather
    than joins that repeat rows); their ordering, select_related and annotations are ignored.
    Every declaration is kept in `PAGES` under its name, which is also its cache key prefix:
    the tests derive, page by page and table by table, that a change is seen.
    """

    def __init__(self, name: str, *sources: Source) -> None:
        if name in PAGES:
            raise ValueError(f"fragment sources {name!r} are declared twice")
        self.name = name
        self.sources: tuple[QuerySet | Newest, ...] = tuple(
            source._default_manager.all() if isinstance(source, type) else source
            for source in sources
        )
        self._compiled: dict[str, tuple[str, list]] = {}
        PAGES[name] = self

    def __repr__(self) -> str:
        return f"Sources({self.name!r}: {', '.join(m._meta.label for m in self.models())})"

    def models(self) -> list[type[models.Model]]:
        """The models whose rows the stamp counts (M2M links as their through models)."""
        return [source.model for source in self.sources]

    def is_append_only(self, model: type[models.Model]) -> bool:
        return any(isinstance(s, Newest) and s.model is model for s in self.sources)

    def sql(self) -> tuple[str, list]:
        """The stamp query, with `Param`s among its parameters: compiled once per vendor."""
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            parts, params = [], []
            for source in self.sources:
                sql, inner = _part_sql(source)
                parts.append(sql)
                params.extend(inner)
            compiled = self._compiled[connection.vendor] = (
                "SELECT " + " || ':' || ".join(parts),
                params,
            )
        return compiled

    def of(self, **values: Any) -> Bound:
        """These sources for one view: the values of their `Param`s (model instances stand
        for their primary key). The values are not part of the cache key (a moving `now`
        would make every view a miss): name what identifies the region in `cached`'s parts."""
        return Bound(self, values)


# Every declared page region, by name (see Sources).
PAGES: dict[str, Sources] = {}


class Bound:
    """Declared sources with their values: one view's stamp, asked at most once."""

    def __init__(self, sources: Sources, values: dict[str, Any]) -> None:
        self.sources, self.values = sources, values
        self._stamp: str | None = None

    @property
    def name(self) -> str:
        return self.sources.name

    def stamp(self) -> str | None:
        """In ONE query: for each source, its row count and the sum of its rows' versions."""
        if not enabled():
            return None
        if self._stamp is None:
            sql, params = self.sources.sql()
            with connection.cursor() as cursor:
                cursor.execute(sql, _bind(params, self.values))
                self._stamp = cursor.fetchone()[0]
        return self._stamp


def _bind(params: list, values: dict[str, Any]) -> list:
    return [p.value(values) if isinstance(p, Param) else p for p in params]


class Prepared:
    """A queryset declared once with `Param`s, compiled once per vendor and run as raw SQL
    with the values bound: for the few reads on a path so hot that compiling the ORM query
    costs more than running it (a calendar client revalidating its feed).

    With `stamp=` (on PostgreSQL) each row also carries `fragment_stamp`, the stamp of those
    sources, in the same query."""

    def __init__(self, queryset: QuerySet, *, stamp: Sources | None = None) -> None:
        self.queryset, self.stamp = queryset, stamp
        self._compiled: dict[str, tuple[str, list]] = {}

    def sql(self) -> tuple[str, list]:
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            queryset = self.queryset
            if self.stamp is not None and enabled():
                stamp_sql, stamp_params = self.stamp.sql()
                queryset = queryset.annotate(
                    fragment_stamp=RawSQL(  # noqa: S611 - our stamp SQL; values are parameters
                        f"({stamp_sql})", stamp_params, output_field=models.TextField()
                    )
                )
            sql, params = queryset.query.sql_with_params()
            compiled = self._compiled[connection.vendor] = (sql, list(params))
        return compiled

    def first(self, **values: Any) -> models.Model | None:
        sql, params = self.sql()
        rows = self.queryset.model._default_manager.raw(sql, _bind(params, values))
        row = next(iter(rows), None)
        if row is not None:
            # raw() converts model fields only; annotations as the ORM would (SQLite answers
            # a Max() of datetimes as text).
            for name, expression in self.queryset.query.annotations.items():
                value = getattr(row, name)
                for convert in connection.ops.get_db_converters(
                    expression
                ) + expression.get_db_converters(connection):
                    value = convert(value, expression, connection)
                setattr(row, name, value)
        return row


# --- the cache ------------------------------------------------------------------------------


def key(name: str, validator: str, *parts) -> str:
    digest = hashlib.sha256(
        "\x1f".join([FORMAT, validator, *map(str, parts)]).encode()
    ).hexdigest()[:40]
    return f"fragment:{name}:{digest}"


def cached(page: Bound, parts: tuple, render: Callable[[], T]) -> T:
    """The region `page` declares, for the key `parts` (what it depends on besides the rows
    it shows: the viewer's rights, today, filters), rendered by `render()` on a miss (HTML,
    or any picklable value such as a built feed with its ETag).

    With no stamp (not PostgreSQL) it is simply rendered. A cache that is down (Redis) costs a
    render, never the page.
    """
    return cached_under(page.name, page.stamp(), parts, render, source=page.name)


def cached_under(
    name: str,
    validator: str | None,
    parts: tuple,
    render: Callable[[], T],
    *,
    source: str | None = None,
) -> T:
    """The lower level of `cached`: a value kept under a validator the caller computed
    (a feed's ETag, which already digests everything the body is built from)."""
    if validator is None:
        return _render(source, render)
    cache_key = key(name, validator, *parts)
    try:
        value = cache.get(cache_key)
    except Exception:  # a cache outage must not take the page down
        log.warning("fragment cache unavailable", exc_info=True)
        return _render(source, render)
    if value is not None:
        return value
    value = _render(source, render)
    if isinstance(value, str) and "csrfmiddlewaretoken" in value:
        log.error("fragment %s contains a CSRF token: not cached", name)
        return value
    try:
        cache.set(cache_key, value, TIMEOUT)
    except Exception:
        log.warning("fragment cache unavailable", exc_info=True)
    return value


def _render(source: str | None, render: Callable[[], T]) -> T:
    """Every miss goes through here: tests/core/test_page_sources.py watches the queries a
    declared region runs while rendering, to prove its declaration covers every table read."""
    return render()


def render_fragment(template: str, context: dict) -> SafeString:
    """A template (or "template#partial") rendered without the request: no context
    processors, no CSRF token, nothing of the viewer but what `context` holds."""
    return render_to_string(template, context)
