"""portal.bulk on PostgreSQL: the rows written with COPY are the rows the INSERT ... VALUES
path writes, value for value, on a table of awkward values; a value COPY's writer does not
know sends the rows by INSERT; the ids returned are the rows' ids, in order."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from dashboards.models import RollupPending
from portal import bulk
from portal.models import AuditEvent

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

TEXTS = [
    "",
    "plain",
    "Nguyễn Văn Ánh",
    "it's a 'quote'",
    'a "double" quote',
    "back\\slash and \\N and \\t",
    "tab\there, line\nbreak, return\rcarriage",
    "percent %s %(x)s %%",
    "emoji 😀 and CJK 漢字",
    "\\",
    "trailing space ",
]
DETAILS = [
    {},
    {"a": "it's", "b": "back\\slash\n\ttab", "n": [1, 2.5, None, True, False]},
    {"nested": {"deep": ["😀", "\\u0041", "%s"]}, "amount": 10**12},
    ["a", "list", {"x": None}],
    "just a text",
]


def _rows() -> list[dict]:
    rows = []
    for i, text in enumerate(TEXTS):
        row = {
            "action": f"bench.copy.{i}",
            "actor_label": text,
            "reason": text[::-1],
            "object_id": str(i),
            "details": DETAILS[i % len(DETAILS)],
        }
        if i % 3 == 0:
            row["ip_address"] = f"10.0.0.{i}"
        if i % 2 == 0:
            row["at"] = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=HANOI)
        rows.append(row)
    return rows


def _stored(ids: list[int]) -> list[tuple]:
    found = {
        row["id"]: row
        for row in AuditEvent.objects.filter(pk__in=ids).values(
            "id",
            "at",
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "agency_code",
            "reason",
            "ip_address",
            "details",
        )
    }
    return [tuple(v for k, v in sorted(found[pk].items()) if k != "id") for pk in ids]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copy_writes_what_insert_values_writes():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    now = timezone.now()
    rows = _rows()
    with transaction.atomic():
        copied = bulk.insert_rows(AuditEvent, rows, now=now)
        with connection.cursor() as cursor:
            fields = bulk._columns(AuditEvent)
            given = set().union(*rows)
            varying = [
                f
                for f in fields
                if f.attname in given or f.name in given or not bulk._same_default(f)
            ]
            inserted = bulk._insert_values(
                cursor.cursor, AuditEvent, fields, varying, rows, now=now, page_size=4
            )
    assert len(copied) == len(inserted) == len(rows)
    assert copied == sorted(copied)
    assert _stored(copied) == _stored(inserted)
    first = AuditEvent.objects.get(pk=copied[1])
    assert first.actor_label == TEXTS[1]
    assert first.at == now  # auto_now_add: the batch's moment
    assert AuditEvent.objects.get(pk=copied[0]).at == rows[0]["at"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copy_without_ids_and_with_a_declared_id_field():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    before = RollupPending.objects.count()
    with transaction.atomic():
        assert (
            bulk.insert_rows(
                RollupPending,
                [{"dossier_id": n} for n in (7, 8, 9)],
                now=timezone.now(),
                returning=False,
            )
            == []
        )
        ids = bulk.insert_rows(RollupPending, [{"dossier_id": 10}], now=timezone.now())
    assert RollupPending.objects.count() == before + 4
    assert RollupPending.objects.get(pk=ids[0]).dossier_id == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_value_copy_does_not_know_goes_by_insert(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")

    def refuse(*args, **kwargs):
        raise bulk._NotCopyable("test")

    monkeypatch.setattr(bulk, "_copy_lines", refuse)
    with transaction.atomic():
        ids = bulk.insert_rows(AuditEvent, _rows()[:3], now=timezone.now())
    assert [e.action for e in AuditEvent.objects.filter(pk__in=ids).order_by("pk")] == [
        "bench.copy.0",
        "bench.copy.1",
        "bench.copy.2",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\\N"),
        (True, "t"),
        (False, "f"),
        (0, "0"),
        (-12, "-12"),
        (2.5, "2.5"),
        (decimal.Decimal("1.10"), "1.10"),
        ("a\tb\nc\rd\\e", "a\\tb\\nc\\rd\\\\e"),
        ("\\N", "\\\\N"),
        (dt.date(2026, 2, 3), "2026-02-03"),
        (
            dt.datetime(2026, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
            "2026-02-03T04:05:06+00:00",
        ),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ],
)
def test_copy_text_of_each_type(value, text):
    assert bulk._copy_text(value) == text


def test_copy_text_refuses_a_type_it_does_not_know():
    with pytest.raises(bulk._NotCopyable):
        bulk._copy_text(dt.timedelta(days=1))
