"""What PostgreSQL refuses and SQLite accepts, refused on SQLite too while a fuzzer runs.

The suite runs on SQLite, which stores a NUL character, a text longer than its column and a
number beyond its column's range without a word; PostgreSQL raises instead (psycopg2's
ValueError "A string literal cannot contain NUL (0x00) characters.", DataError "value too
long for type character varying(N)", "integer out of range", "numeric field overflow",
jsonb's "unsupported Unicode escape sequence" for \\u0000), and the request ends in a 500.
`postgres_like()` makes the SQLite run fail the same way, so that the fuzzers find those 500s
without PostgreSQL.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import DataError, connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.signals import pre_save

#: PostgreSQL's ranges (Django's defaults, which the PostgreSQL backend keeps)
_RANGES = BaseDatabaseOperations.integer_field_ranges
_BIGINT = _RANGES["BigIntegerField"]
#: the escape \u0000 in JSON text (not an escaped backslash followed by "u0000")
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _check_param(value: object) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        if _JSON_NUL.search(value) and value.lstrip().startswith(("{", "[", '"')):
            raise DataError("unsupported Unicode escape sequence (\\u0000 in jsonb)")
    elif isinstance(value, bytes):
        return
    elif isinstance(value, bool):
        return
    elif isinstance(value, int) and not _BIGINT[0] <= value <= _BIGINT[1]:
        raise DataError("bigint out of range")
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_param(item)


def _execute(execute, sql, params, many, context):
    if params:
        rows = params if many else [params]
        for row in rows:
            _check_param(list(row.values()) if isinstance(row, dict) else row)
    return execute(sql, params, many, context)


def _check_instance(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    for model_field in instance._meta.concrete_fields:
        value = getattr(instance, model_field.attname, None)
        if value is None:
            continue
        if (
            isinstance(model_field, models.CharField)
            and model_field.max_length
            and isinstance(value, str)
            and len(value) > model_field.max_length
        ):
            raise DataError(
                f"value too long for type character varying({model_field.max_length}) "
                f"({sender.__name__}.{model_field.name})"
            )
        if isinstance(model_field, models.DecimalField) and isinstance(value, Decimal):
            try:
                DecimalValidator(model_field.max_digits, model_field.decimal_places)(value)
            except ValidationError:
                raise DataError(
                    f"numeric field overflow ({sender.__name__}.{model_field.name})"
                ) from None
        if isinstance(model_field, models.IntegerField) and isinstance(value, int):
            bounds = _RANGES.get(model_field.get_internal_type())
            if bounds and not bounds[0] <= value <= bounds[1]:
                raise DataError(f"integer out of range ({sender.__name__}.{model_field.name})")


@contextlib.contextmanager
def postgres_like() -> Iterator[None]:
    """Within: a query with a NUL or an out-of-range number, or a save of a text longer than
    its column or of a number beyond its column's range, raises as on PostgreSQL."""
    pre_save.connect(_check_instance, dispatch_uid="tests.security.postgres_like")
    try:
        with connection.execute_wrapper(_execute):
            yield
    finally:
        pre_save.disconnect(dispatch_uid="tests.security.postgres_like")


@contextlib.contextmanager
def own_transaction() -> Iterator[None]:
    """A request in a savepoint of the test's transaction, as a real request has a transaction
    of its own: a database error in one request (rolled back to the savepoint) does not break
    the requests that follow. The savepoint is marked as the test case's own, so that the
    services' durable atomic blocks may run within it as they do within a test."""
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]  # as TestCase marks its own
    with block:
        yield
