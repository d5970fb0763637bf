"""Optimistic concurrency: one mechanism for every editable object.

Every editable model has a `version` column. A form or htmx request carries the version it was
built from; the action that applies the change first *claims* that version with one statement,

    UPDATE table SET version = version + 1 [, updated_at = now] WHERE id = %s AND version = %s
    RETURNING <every column>

No row means somebody else changed (or deleted) the object in between: the change is refused
with `Conflict`, which carries the fresh object so the page can show it, never applied over the
other person's work. A row means the claim holds the row lock until the transaction ends, so the
rest of the action reads a stable state; the returned columns refresh the instance in the same
round trip.

Rules the domain refuses raise `Refused` with a message written for the person who tried. The
view layer answers both in one place (`answers_refusals`): 409 for a conflict, 422 for a
refusal, with the page the caller chose and the user's own input kept.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from adcmeet.core.params import parse_int

M = TypeVar("M", bound=models.Model)


class Refused(Exception):
    """A change the domain's rules refuse; `message` is shown to the user as it is.

    `field` names the form field the message belongs to, when there is one."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(Refused):
    """The change was based on an older version of `current` than the one stored.

    `current` is the object as it is now (None when it was deleted meanwhile)."""

    status = 409
    DEFAULT_MESSAGE = (
        "Someone else changed this while you were editing it. Your change was not applied; "
        "what you see now is the current state, please redo your change on it."
    )

    def __init__(self, current: Any, message: str | None = None):
        super().__init__(message or self.DEFAULT_MESSAGE)
        self.current = current


_claim_sql: dict[tuple[type[models.Model], str, str], str] = {}


def _sql(model: type[models.Model], field: str) -> str:
    key = (model, field, connection.vendor)
    if key not in _claim_sql:
        quote = connection.ops.quote_name
        meta = model._meta
        columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
        version = quote(meta.get_field(field).column)
        sets = [f"{version} = {version} + 1"]
        if any(f.name == "updated_at" for f in meta.concrete_fields):
            sets.append(f"{quote('updated_at')} = %s")
        # Identifiers come from the model's metadata, quoted; every value is a parameter.
        _claim_sql[key] = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "  # noqa: S608
            f"WHERE {quote(meta.pk.column)} = %s AND {version} = %s RETURNING {columns}"
        )
    return _claim_sql[key]


def _converted(model: type[models.Model], row) -> list:
    """The database's values as the fields hold them (SQLite returns datetimes as text)."""
    values = []
    for field, value in zip(model._meta.concrete_fields, row, strict=True):
        col = field.get_col(model._meta.db_table)
        for converter in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            value = converter(value, col, connection)
        values.append(value)
    return values


def claim(
    obj: M,
    version: int | None,
    *,
    fresh: Callable[[Any], Any] | None = None,
    field: str = "version",
) -> M:
    """Bump `obj`'s version iff it is still `version`; refresh `obj` from the claimed row.

    Call inside `transaction.atomic()`: the row stays locked until the transaction ends.
    `fresh(pk)` loads what a `Conflict` carries (default: the plain row, or None if deleted).
    `field` names the version column claimed when one row holds parts edited independently,
    each with its own version (a meeting's agenda and its minutes).
    Related objects already loaded on `obj` stay; a claim changes no foreign key."""
    model = type(obj)
    if version is None:
        raise Conflict(_load(model, obj.pk, fresh))
    params: list[Any] = []
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        params.append(timezone.now())
    params += [obj.pk, version]
    with connection.cursor() as cursor:
        cursor.execute(_sql(model, field), params)
        row = cursor.fetchone()
    if row is None:
        raise Conflict(_load(model, obj.pk, fresh))
    fields = model._meta.concrete_fields
    claimed = model.from_db(connection.alias, [f.attname for f in fields], _converted(model, row))
    for field in fields:
        setattr(obj, field.attname, getattr(claimed, field.attname))
    obj._state.adding = False
    return obj


@contextlib.contextmanager
def claimed(obj: M, version: int | None, *, field: str = "version") -> Iterator[M]:
    """One transaction that first claims `version` of `obj`: a stale version is a `Conflict`
    carrying the fresh row, and the block then runs on the claimed, locked row. Refused inside,
    the claim is rolled back and so is `obj`'s version, so the caller may try again with the
    same instance."""
    with transaction.atomic():
        claim(obj, version, field=field)
        try:
            yield obj
        except BaseException:
            setattr(obj, field, version)
            raise


def _load(model: type[models.Model], pk: Any, fresh: Callable[[Any], Any] | None) -> Any:
    if fresh is not None:
        return fresh(pk)
    return model._default_manager.filter(pk=pk).first()


def parse_version(value: Any) -> int | None:
    """A version as a form or the address bar sends it: a plain ASCII number, else None
    (which `claim` answers with a `Conflict`, never a crash)."""
    return parse_int(value)


Renderer = Callable[..., HttpResponse]


def answers_refusals(render: Renderer) -> Callable[[Callable[..., HttpResponse]], Any]:
    """The one place a refusal becomes an HTTP answer.

    `render(request, refusal, *args, **kwargs)` builds the page (or fragment) that shows the
    refusal's message, the current state (`refusal.current` for a conflict) and the user's own
    input (from `request.POST`); its status becomes 409 for a `Conflict`, 422 otherwise."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except Refused as refusal:
                response = render(request, refusal, *args, **kwargs)
                response.status_code = refusal.status
                return response

        return wrapper

    return decorator
