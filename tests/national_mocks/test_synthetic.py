"""The deterministic synthetic people (no server): numbers, families, the generator."""

import gzip
import json
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vietnam_provinces import Ward

from national_mocks import synthetic
from tests.fixtures_mocks import REPO_DIR

DEMO_AND_TEST_NUMBERS = [
    "001190012345", "001088004321", "079085001122", "079187003344", "048192005566",
    "037175008899", "001099999999", "001080000111",
]  # fmt: skip
FIRST = [synthetic.person_by_index(i) for i in range(2000)]


@given(
    province=st.sampled_from(sorted(synthetic.ID_PROVINCE_CODES)),
    gender=st.sampled_from(["male", "female"]),
    year=st.integers(1900, 2399),
    serial=st.integers(0, 999_999),
)
def test_format_and_parse_round_trip(province, gender, year, serial):
    number = synthetic.format_identification_number(province, gender, year, serial)

    assert len(number) == 12
    assert number.isdigit()
    assert synthetic.parse_identification_number(number) == synthetic.ParsedId(
        province, gender, year, serial
    )


@given(st.text(max_size=14))
def test_parse_rejects_anything_but_twelve_digits(text):
    if len(text) == 12 and text.isascii() and text.isdigit():
        return
    with pytest.raises(ValueError, match="12 digits"):
        synthetic.parse_identification_number(text)


@given(st.integers(0, 999).filter(lambda c: c not in synthetic.ID_PROVINCE_CODES))
def test_parse_rejects_unknown_province_codes(code):
    assert not synthetic.is_valid_identification_number(f"{code:03d}190012345")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, synthetic.MAX_PEOPLE - 1))
def test_every_index_has_a_valid_number_that_leads_back(index):
    person = synthetic.person_by_index(index)
    number = person["identification_number"]
    parsed = synthetic.parse_identification_number(number)

    assert synthetic.index_of(number) == index
    assert parsed.gender == person["gender"]
    assert parsed.year_of_birth == int(person["date_of_birth"][:4])
    assert parsed.province_code in synthetic.PROVINCE_WEIGHTS


@settings(max_examples=200)
@given(st.from_regex(r"\d{12}", fullmatch=True))
def test_index_of_any_number_is_none_or_consistent(number):
    index = synthetic.index_of(number)
    if index is not None:
        assert synthetic.person_by_index(index)["identification_number"] == number


def test_numbers_are_unique_and_demo_numbers_are_not_synthetic():
    numbers = [p["identification_number"] for p in FIRST]
    assert len(set(numbers)) == len(numbers)
    for number in DEMO_AND_TEST_NUMBERS:
        assert synthetic.index_of(number) is None


def test_same_serial_in_another_rotation_gets_another_number():
    for offset in (0, 1, 4, 777):
        numbers = {
            synthetic.person_by_index(r * synthetic.SERIALS + offset)["identification_number"]
            for r in range(synthetic.MAX_ROTATIONS)
        }
        assert len(numbers) == synthetic.MAX_ROTATIONS


def test_names_have_diacritics_and_frequent_family_names_first():
    families = [p["full_name"].split(" ")[0] for p in FIRST]
    assert families.count("Nguyễn") > len(families) * 0.25
    assert families.count("Nguyễn") > families.count("Trần") > families.count("Lý")
    assert all(len(p["full_name"].split(" ")) == 3 for p in FIRST)
    assert any("ễ" in name or "ầ" in name for name in families)


def test_addresses_use_real_communes():
    for person in FIRST[:300]:
        address = person["permanent_address"]
        ward = Ward.from_code(int(address["commune_code"]))
        assert f"{int(ward.province_code):02d}" == address["province_code"]


def _by_number():
    return {p["identification_number"]: p for p in FIRST}


def test_family_is_cross_consistent():
    everyone = _by_number()
    checked_children = 0
    for person in FIRST:
        spouse = person["spouse"]
        if spouse:
            other = everyone[spouse["identification_number"]]
            assert other["spouse"]["identification_number"] == person["identification_number"]
            assert other["marital_status"] == person["marital_status"] == "married"
            assert other["household_book_number"] == person["household_book_number"]
        for parent_key in ("father", "mother"):
            parent = person[parent_key]
            assert parent is not None
            if parent["identification_number"]:
                found = everyone[parent["identification_number"]]
                assert found["full_name"] == parent["full_name"]
                assert found["date_of_birth"] < person["date_of_birth"]
                assert found["gender"] == ("male" if parent_key == "father" else "female")
                checked_children += 1
        head = everyone[person["head_of_household"]["identification_number"]]
        assert head["household_book_number"] == person["household_book_number"]
        born = date.fromisoformat(person["date_of_birth"])
        assert born < synthetic.REFERENCE_DATE
        if synthetic.age_on(person["date_of_birth"]) < 18:
            assert person["representative"] == person["father"]
    assert checked_children > 500


def test_enterprise_representatives_exist_and_codes_resolve():
    everyone = _by_number()
    enterprises = {e["enterprise_code"]: e for p in FIRST for e in p["_unit"]["enterprises"]}
    assert len(enterprises) > 30
    for code, enterprise in enterprises.items():
        assert len(code) == 10
        assert int(code[9]) == synthetic.tax_check_digit(code[:9])
        representative = everyone[enterprise["legal_representative"]["identification_number"]]
        assert representative["full_name"] == enterprise["legal_representative"]["full_name"]
        assert synthetic.age_on(representative["date_of_birth"]) >= 22
        assert synthetic.enterprise_by_code(code, population=2000) == enterprise
    assert synthetic.enterprise_by_code(next(iter(enterprises)), population=0) is None


def test_population_size_limits_lookups():
    number = synthetic.person_by_index(1999)["identification_number"]
    assert synthetic.person_by_id(number, population=2000) is not None
    assert synthetic.person_by_id(number, population=1999) is None


def test_seeded_documents_are_pdfs_with_their_checksum():
    record = synthetic.population_record(FIRST[0])
    docs = synthetic.person_documents(record)
    assert docs[0]["result_code"] == "KQ-GKS"
    for doc in docs:
        assert doc["_content"].startswith(b"%PDF-")
        assert doc["_content"].rstrip().endswith(b"%%EOF")
    assert docs == synthetic.person_documents(record)


def test_iter_people_streams_exact_ranges():
    items = list(synthetic.iter_people(7, start=3))
    assert [i["index"] for i in items] == list(range(3, 10))
    assert items[0]["population"] == synthetic.population_record(FIRST[3])
    with pytest.raises(ValueError, match="indices"):
        list(synthetic.iter_people(2, start=synthetic.MAX_PEOPLE - 1))


def test_command_line_writes_gzipped_json_lines(tmp_path):
    out = tmp_path / "people.jsonl.gz"
    subprocess.run(
        [sys.executable, "-m", "national_mocks.synthetic", "--count", "25", "--out", str(out),
         "--quiet"],
        cwd=REPO_DIR,
        check=True,
        timeout=60,
    )  # fmt: skip
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    assert [line["index"] for line in lines] == list(range(25))
    assert lines[0]["population"]["identification_number"] == FIRST[0]["identification_number"]
    assert set(lines[0]) == {
        "index", "population", "insurance", "vehicles", "driving_licences", "documents",
        "enterprises",
    }  # fmt: skip
