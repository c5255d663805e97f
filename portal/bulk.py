"""Inserting many rows of a model at once, cheaply (the ingest of connected systems writes
hundreds of dossiers and thousands of timeline entries a call).

Django's `bulk_create` builds a model instance per row and prepares every value of every
field in Python: at 500 dossiers of ~50 columns that was most of a batch's CPU. On PostgreSQL
`insert_rows` sends the rows with `COPY ... FROM STDIN` in its text format (written here, a
fraction of a microsecond a value, where psycopg2's adaptation into SQL costs 3-11 µs), the
new ids taken from the table's sequence first; a value of a type COPY's writer does not know
sends the rows as `INSERT ... VALUES` instead. Elsewhere (the demo's SQLite) it falls back to
`bulk_create`. Values are what the database stores: a foreign key as its `<name>_id`, a JSON
field as a Python object (sent as JSON), and a missing column gets the field's default, with
`auto_now`/`auto_now_add` set to `now`. A COPY runs the tables' constraints, foreign-key
checks and triggers as an INSERT does. No model signal is sent: the caller tells whoever
needs to know.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import io
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.fields import AutoFieldMixin


def _columns(model: type[models.Model]) -> list[models.Field]:
    """The columns an insert sends: all but an id the database numbers (declared or not)."""
    return [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and (f.auto_created or isinstance(f, AutoFieldMixin)))
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reader(
    field: models.Field, now: dt.datetime, *, json_as_text: bool = False
) -> Callable[[Mapping[str, Any]], Any]:
    """How to read `field`'s database value from a row: decided once per field and batch. A
    JSON field's value is psycopg2's `Json`, or with `json_as_text` its JSON text."""
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

        convert: Callable[[Any], Any] | None = (
            dumps if json_as_text else lambda value: Json(value, dumps=dumps)
        )
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
    returning: bool = True,
) -> list[int]:
    """Insert `rows` (column values by field name or attname) inside the caller's
    transaction and return their new ids, in order (none with `returning=False`)."""
    if not rows:
        return []
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        objects = [model(**dict(row)) for row in rows]
        model._default_manager.db_manager(alias).bulk_create(objects, batch_size=page_size)
        return [obj.pk for obj in objects] if returning else []
    fields = _columns(model)
    given = set().union(*rows)
    varying = [f for f in fields if f.attname in given or f.name in given or not _same_default(f)]
    # psycopg2's own cursor: its errors are Django's again (IntegrityError for a lost race)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # the psycopg2 cursor under Django's wrapper
        pk = model._meta.pk
        if isinstance(pk, AutoFieldMixin) and fields:
            try:
                columns, lines = _copy_lines(fields, varying, rows, now)
            except _NotCopyable:
                pass
            else:
                return _copy(raw, model, columns, lines, returning=returning)
        return _insert_values(raw, model, fields, varying, rows, now=now, page_size=page_size)


def _insert_values(
    cursor: Any,
    model: type[models.Model],
    fields: list[models.Field],
    varying: list[models.Field],
    rows: Sequence[Mapping[str, Any]],
    *,
    now: dt.datetime,
    page_size: int,
) -> list[int]:
    """`INSERT ... VALUES ... RETURNING id`, the values adapted by psycopg2 (3-11 µs a value):
    the rows `_copy_lines` cannot write."""
    names = ", ".join(_quote(str(f.column)) for f in fields)
    table = _quote(model._meta.db_table)
    readers = [_reader(f, now) for f in varying]
    constants = {
        position: _reader(f, now)({}) for position, f in enumerate(fields) if f not in varying
    }
    values = [tuple(read(row) for read in readers) for row in rows]
    row_template = _template(len(fields), constants, cursor)
    # names from the model's metadata, quoted; values adapted by psycopg2 (the constants once,
    # in the row's template), a page in one call (execute_values: one call a row)
    prefix = f"INSERT INTO {table} ({names}) VALUES ".encode()  # noqa: S608
    found: list[int] = []
    for start in range(0, len(values), page_size):
        page = values[start : start + page_size]
        rows_sql = cursor.mogrify(
            ",".join([row_template] * len(page)), [v for row in page for v in row]
        )
        cursor.execute(prefix + rows_sql + b" RETURNING id")
        found.extend(row[0] for row in cursor.fetchall())
    return found


# --- COPY: the rows as text, no SQL ---------------------------------------------------------


class _NotCopyable(Exception):
    """A value `_copy_text` does not know how to write: the rows go by `_insert_values`."""


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_str(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_bool(value: bool) -> str:
    return "t" if value else "f"


def _copy_null(value: None) -> str:
    return "\\N"


def _iso(value: dt.date | dt.time) -> str:
    return value.isoformat()


#: COPY's text format of a value, by its exact type (PostgreSQL's input functions read them)
_COPY_TEXT: dict[type, Callable[[Any], str]] = {
    str: _copy_str,
    int: str,
    bool: _copy_bool,
    type(None): _copy_null,
    float: repr,
    decimal.Decimal: str,
    dt.datetime: _iso,
    dt.date: _iso,
    dt.time: _iso,
    uuid.UUID: str,
}


def _copy_text(value: Any) -> str:
    write = _COPY_TEXT.get(value.__class__)
    if write is not None:
        return write(value)
    if isinstance(value, enum.Enum):
        return _copy_text(value.value)
    if isinstance(value, str):  # a subclass: its text
        return _copy_str(str.__str__(value))
    raise _NotCopyable(type(value).__name__)


def _copy_lines(
    fields: list[models.Field],
    varying: list[models.Field],
    rows: Sequence[Mapping[str, Any]],
    now: dt.datetime,
) -> tuple[list[models.Field], list[str]]:
    """The columns, and each row as a line of COPY's text format (a tab between columns,
    `\\N` for NULL): the `varying` columns first, then the others, one value for all the rows,
    written once."""
    writers = []
    for field in varying:
        read = _reader(field, now, json_as_text=True)
        if isinstance(field, models.JSONField):
            writers.append(lambda row, read=read: _copy_str(read(row)))
        else:
            writers.append(lambda row, read=read: _copy_text(read(row)))
    same = [f for f in fields if f not in varying]
    tail = "\t".join(
        (_copy_str if isinstance(f, models.JSONField) else _copy_text)(
            _reader(f, now, json_as_text=True)({})
        )
        for f in same
    )
    if not varying:
        lines = [tail] * len(rows)
    else:
        tail = "\t" + tail if same else ""
        lines = ["\t".join([write(row) for write in writers]) + tail for row in rows]
    return varying + same, lines


def _copy(
    cursor: Any,
    model: type[models.Model],
    fields: list[models.Field],
    lines: list[str],
    *,
    returning: bool,
) -> list[int]:
    """`COPY ... FROM STDIN`: no statement to parse and no value to adapt in SQL (a COPY
    runs the tables' triggers, foreign-key checks and constraints as an INSERT does). COPY
    returns nothing: the ids are taken from the table's sequence first, in one query."""
    meta = model._meta
    columns = [str(f.column) for f in fields]
    ids: list[int] = []
    if returning:
        pk_column = str(meta.pk.column)  # type: ignore[union-attr]
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [_quote(meta.db_table), pk_column, len(lines)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        columns.insert(0, pk_column)
        lines = [
            f"{pk}\t{line}" if columns[1:] else str(pk) for pk, line in zip(ids, lines, strict=True)
        ]
    text = "\n".join(lines) + "\n"
    cursor.copy_expert(
        f"COPY {_quote(meta.db_table)} ({', '.join(_quote(c) for c in columns)}) FROM STDIN",
        io.StringIO(text),
        size=1 << 20,
    )
    return ids


def _same_default(field: models.Field) -> bool:
    """Whether every row missing `field` gets one and the same value (not a fresh uuid)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return True  # `now`, the batch's
    if not field.has_default():
        return True  # None, or the empty text
    return not callable(field.default) or field.default in (dict, list)


def _template(width: int, constants: Mapping[int, Any], cursor: Any) -> str:
    """A row's template: `%s` for a value of each row, the constants inline (adapted and
    quoted by psycopg2 here, once)."""
    parts = []
    for position in range(width):
        if position in constants:
            literal = cursor.mogrify("%s", (constants[position],)).decode()
            parts.append(literal.replace("%", "%%"))
        else:
            parts.append("%s")
    return "(" + ", ".join(parts) + ")"


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
