"""Inserting many rows of a model at once, cheaply (the ingest of connected systems writes
hundreds of dossiers and thousands of timeline entries a call).

Django's `bulk_create` builds a model instance per row and prepares every value of every
field in Python: at 500 dossiers of ~50 columns that was most of a batch's CPU. On PostgreSQL
`insert_rows` sends plain values with psycopg2's `execute_values` (one statement per page,
adapted in C) and returns the new ids; elsewhere (the demo's SQLite) it falls back to
`bulk_create`. Values are what the database stores: a foreign key as its `<name>_id`, a JSON
field as a Python object (sent as JSON), and a missing column gets the field's default, with
`auto_now`/`auto_now_add` set to `now`. No model signal is sent: the caller tells whoever
needs to know.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connections, models, router


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key or not f.auto_created]


def _reader(field: models.Field, now: dt.datetime) -> Callable[[Mapping[str, Any]], Any]:
    """How to read `field`'s database value from a row: decided once per field and batch."""
    attname, name = field.attname, field.name
    missing = object()
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        default: Callable[[], Any] = lambda: now  # noqa: E731
    else:
        default = field.get_default
    if isinstance(field, models.JSONField):
        from psycopg2.extras import Json

        encoder = field.encoder

        def dumps(value: Any) -> str:
            return json.dumps(value, cls=encoder)

        convert: Callable[[Any], Any] | None = lambda value: Json(value, dumps=dumps)  # noqa: E731
    elif isinstance(field, models.FileField):
        convert = lambda value: str(value or "")  # noqa: E731
    else:
        convert = None

    def read(row: Mapping[str, Any]) -> Any:
        value = row.get(attname, missing)
        if value is missing:
            value = row.get(name, missing)
            if value is missing:
                value = default()
            elif isinstance(value, models.Model):
                value = value.pk
        if isinstance(value, enum.Enum):
            value = value.value
        return convert(value) if convert is not None else value

    return read


def insert_rows(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    now: dt.datetime,
    page_size: int = 500,
) -> list[int]:
    """Insert `rows` (column values by field name or attname) and return their new ids, in
    order, inside the caller's transaction."""
    if not rows:
        return []
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        objects = [model(**dict(row)) for row in rows]
        model._default_manager.db_manager(alias).bulk_create(objects, batch_size=page_size)
        return [obj.pk for obj in objects]
    from psycopg2.extras import execute_values

    fields = _columns(model)
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    readers = [_reader(f, now) for f in fields]
    values = [tuple(read(row) for read in readers) for row in rows]
    # psycopg2's own cursor: its errors are Django's again (IntegrityError for a lost race)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        found = execute_values(
            cursor.cursor,  # the psycopg2 cursor under Django's wrapper
            # names from the model's metadata, quoted; values sent as parameters
            f"INSERT INTO {table} ({names}) VALUES %s RETURNING id",  # noqa: S608
            values,
            page_size=page_size,
            fetch=True,
        )
    return [row[0] for row in found]


def update_rows(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    fields: Sequence[str],
    *,
    now: dt.datetime,
    page_size: int = 500,
) -> None:
    """Set `fields` of the rows with these ids (each row has `id` and every field), in the
    caller's transaction: on PostgreSQL one `UPDATE ... FROM (VALUES ...)` per page."""
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    targets = [concrete_field(model, name) for name in fields]
    if connection.vendor != "postgresql":
        objects = [
            model(pk=row["id"], **{f.attname: _plain(f, row) for f in targets}) for row in rows
        ]
        model._default_manager.db_manager(alias).bulk_update(
            objects, [f.name for f in targets], batch_size=page_size
        )
        return
    from psycopg2.extras import execute_values

    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    sets = ", ".join(
        f"{quote(str(f.column))} = v.{quote(str(f.column))}::{f.db_type(connection) or 'text'}"
        for f in targets
    )
    columns = ", ".join(["id", *(quote(str(f.column)) for f in targets)])
    readers = [_reader(f, now) for f in targets]
    values = [(row["id"], *(read(row) for read in readers)) for row in rows]
    with connection.cursor() as cursor, connection.wrap_database_errors:
        execute_values(
            cursor.cursor,
            f"UPDATE {table} AS d SET {sets} FROM (VALUES %s) AS v({columns}) "  # noqa: S608
            "WHERE d.id = v.id",
            values,
            page_size=page_size,
        )


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """The column field of `model` named `name` (its name or attname)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def _plain(field: models.Field, row: Mapping[str, Any]) -> Any:
    return row[field.attname] if field.attname in row else row[field.name]
