"""interop.sync.loads_batch: a batch's text is read once for the values no database stores;
a text it calls free of them holds none (the records are then not walked one by one), and
every text with one is walked (`_unstorable` then names the field)."""

from __future__ import annotations

import json

import pytest

from interop import sync


def _records(body) -> list:
    return body["records"] if isinstance(body, dict) else []


def _walk(body) -> list:
    return [
        problem
        for i, raw in enumerate(_records(body))
        for problem in sync._unstorable(raw, f"records[{i}]")
    ]


CLEAN = [
    json.dumps({"records": [{"code": "A1", "note": "Nguyễn Văn Ánh"}]}),
    json.dumps({"records": [{"code": "A1", "note": "Nguyễn"}]}, ensure_ascii=False),
    '{"records": [{"code": "A1", "x": "NaN", "y": "Infinity", "z": 1.5e300}]}',
    '{"records": [{"code": "A1", "u": "\\u0041\\u1ec5\\u00e9"}]}',
    '{"records": [{"fees": [{"amount": 8000}], "n": -0.0, "m": 12345678901234567890}]}',
]
UNSTORABLE = [
    ('{"records": [{"note": "a\\u0000b"}]}', "records[0].note"),
    ('{"records": [{"a\\u0000": 1}]}', "records[0]"),
    ('{"records": [{"note": "\\ud800"}]}', "records[0].note"),
    ('{"records": [{"note": "\\uDC00x"}]}', "records[0].note"),
    ('{"records": [{"x": NaN}]}', "records[0].x"),
    ('{"records": [{"x": Infinity}]}', "records[0].x"),
    ('{"records": [{"x": -Infinity}]}', "records[0].x"),
    ('{"records": [{"x": 1e999}]}', "records[0].x"),
    ('{"records": [{"x": 1' + "0" * 400 + ".0}]}", "records[0].x"),
]
# flagged by the text but harmless: the records are walked, and pass
WALKED_CLEAN = [
    '{"records": [{"note": "\\ud83d\\ude00"}]}',  # a whole pair: an emoji
    '{"records": [{"note": "\\\\u0000"}]}',  # a backslash, then the letters u0000
]


@pytest.mark.parametrize("text", CLEAN)
def test_a_clean_text_is_read_as_json_and_holds_nothing_unstorable(text):
    body, storable = sync.loads_batch(text)
    assert body == json.loads(text)
    assert storable is True
    assert _walk(body) == []


@pytest.mark.parametrize(("text", "field"), UNSTORABLE)
def test_a_text_with_an_unstorable_value_is_walked_and_the_walk_names_it(text, field):
    body, storable = sync.loads_batch(text)
    assert storable is False
    assert field in {p.field for p in _walk(body)}


@pytest.mark.parametrize("text", WALKED_CLEAN)
def test_a_text_that_only_looks_unstorable_is_walked_and_passes(text):
    body, storable = sync.loads_batch(text)
    assert storable is False
    assert _walk(body) == []


@pytest.mark.parametrize("text", ["{", '{"records": [1,]}', "[" * 100_000])
def test_a_text_that_is_not_json_is_refused_as_json_loads_refuses_it(text):
    with pytest.raises((ValueError, RecursionError)):
        sync.loads_batch(text)
