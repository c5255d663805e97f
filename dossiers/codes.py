"""Dossier codes `{agency electronic id}-{yyMMdd}-{NNNN}`, unique and race-free.

The daily per-agency counter is advanced with one INSERT ... ON CONFLICT DO UPDATE ...
RETURNING statement (PostgreSQL and SQLite >= 3.35 both support it), so two concurrent
submissions never get the same number. The counter row stays locked until the transaction
that advanced it ends: callers take the number in a short transaction of its own.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from .models import DossierCounter


def next_number(*, agency_code: str, day: dt.date) -> int:
    table = connection.ops.quote_name(DossierCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (agency_code, day, last_number) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (agency_code, day) DO UPDATE SET last_number = {table}.last_number + 1 "
        "RETURNING last_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [agency_code, day])
        (number,) = cursor.fetchone()
    return int(number)


def format_code(*, agency_code: str, day: dt.date, number: int) -> str:
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


def dossier_code_next(*, agency_code: str, day: dt.date) -> str:
    return format_code(
        agency_code=agency_code, day=day, number=next_number(agency_code=agency_code, day=day)
    )
