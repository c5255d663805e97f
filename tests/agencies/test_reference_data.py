"""The reference-data loader: provinces, communes and agencies with their electronic ids."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from agencies.models import Agency, AgencyKind, AgencyLevel, Commune, Province
from agencies.services import (
    ascii_fold,
    reference_data_load,
    unit_english_name,
    unit_full_name,
)

CODE_PATTERN = re.compile(r"^[0-9A-Z.]+$")

CENTRAL_NAMES = {
    "Bộ Quốc phòng",
    "Bộ Công an",
    "Bộ Ngoại giao",
    "Bộ Nội vụ",
    "Bộ Tư pháp",
    "Bộ Tài chính",
    "Bộ Công Thương",
    "Bộ Nông nghiệp và Môi trường",
    "Bộ Xây dựng",
    "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ Khoa học và Công nghệ",
    "Bộ Giáo dục và Đào tạo",
    "Bộ Y tế",
    "Bộ Dân tộc và Tôn giáo",
    "Văn phòng Chính phủ",
    "Thanh tra Chính phủ",
    "Ngân hàng Nhà nước Việt Nam",
}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load once for the module (committed), and remove everything afterwards."""
    with django_db_blocker.unblock():
        result = reference_data_load()
        yield result
        Agency.objects.update(parent=None, successor=None)
        Agency.objects.all().delete()
        Commune.objects.all().delete()
        Province.objects.all().delete()


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("loaded")]


# --- pure naming helpers --------------------------------------------------------------------------

FOLD = [
    pytest.param("Hoàn Kiếm", "Hoan Kiem", id="hoan-kiem"),
    pytest.param("Đà Nẵng", "Da Nang", id="d-stroke"),
    pytest.param("Thừa Thiên Huế", "Thua Thien Hue", id="hue"),
    pytest.param("Bạch Long Vĩ", "Bach Long Vi", id="bach-long-vi"),
]


@pytest.mark.parametrize(("text", "expected"), FOLD)
def test_ascii_fold(text, expected):
    assert ascii_fold(text) == expected


UNIT_NAMES = [
    pytest.param("Cao Bằng", "tỉnh", "Tỉnh Cao Bằng", "Cao Bang Province", id="province"),
    pytest.param(
        "Thành phố Hà Nội", "thành phố trung ương", "Thành phố Hà Nội", "Ha Noi City", id="city"
    ),
    pytest.param("Phường Hoàn Kiếm", "phường", "Phường Hoàn Kiếm", "Hoan Kiem Ward", id="ward"),
    pytest.param("Xã A Lưới 1", "xã", "Xã A Lưới 1", "A Luoi 1 Commune", id="commune-numbered"),
    pytest.param(
        "Đặc khu Phú Quốc", "đặc khu", "Đặc khu Phú Quốc", "Phu Quoc Special Zone", id="zone"
    ),
]


@pytest.mark.parametrize(("name", "division", "full", "english"), UNIT_NAMES)
def test_unit_names(name, division, full, english):
    assert unit_full_name(name, division) == full
    assert unit_english_name(name, division) == english


# --- counts -------------------------------------------------------------------------------------


def test_first_load_counts_and_speed(loaded):
    assert loaded.provinces.total == 34
    assert loaded.communes.total == 3321
    assert loaded.agencies.total == Agency.objects.count()
    assert loaded.seconds < 30


def test_provinces():
    assert Province.objects.count() == 34
    assert Counter(Province.objects.values_list("division_type", flat=True)) == {
        "thành phố trung ương": 6,
        "tỉnh": 28,
    }


def test_communes():
    assert Commune.objects.count() == 3321
    assert Counter(Commune.objects.values_list("division_type", flat=True)) == {
        "xã": 2621,
        "phường": 687,
        "đặc khu": 13,
    }
    assert not Commune.objects.exclude(code__regex=r"^[0-9]{5}$").exists()


def test_central_agencies():
    ministries = Agency.objects.filter(level=AgencyLevel.MINISTRY, kind=AgencyKind.MINISTRY)
    assert set(ministries.values_list("name", flat=True)) == CENTRAL_NAMES
    assert ministries.count() == 17
    vss = Agency.objects.get(name="Bảo hiểm xã hội Việt Nam")
    assert (vss.level, vss.kind, vss.name_en) == (
        AgencyLevel.MINISTRY,
        AgencyKind.SOCIAL_INSURANCE,
        "Vietnam Social Security",
    )
    assert vss.parent.name == "Bộ Tài chính"
    assert not Agency.objects.filter(level=AgencyLevel.MINISTRY, name_en="").exists()


PER_COMMUNE = [
    pytest.param(AgencyKind.COMMUNE_COMMITTEE, "Ủy ban nhân dân ", id="committee"),
    pytest.param(AgencyKind.COMMUNE_POLICE, "Công an ", id="police"),
]


@pytest.mark.parametrize(("kind", "prefix"), PER_COMMUNE)
def test_one_agency_of_each_kind_per_commune(kind, prefix):
    agencies = Agency.objects.filter(kind=kind)
    assert agencies.count() == 3321
    per_commune = agencies.values("commune").annotate(n=Count("pk"))
    assert {row["n"] for row in per_commune} == {1}
    assert not Commune.objects.exclude(agencies__kind=kind).exists()
    assert not agencies.exclude(level=AgencyLevel.COMMUNE).exists()
    assert not agencies.exclude(name__startswith=prefix).exists()
    assert not agencies.filter(valid_from__isnull=True).exists()


PER_PROVINCE = [
    pytest.param(AgencyKind.PROVINCE_COMMITTEE, 1, id="committee"),
    pytest.param(AgencyKind.PROVINCE_DEPARTMENT, 11, id="departments-and-police"),
    pytest.param(AgencyKind.SERVICE_CENTRE, 1, id="service-centre"),
    pytest.param(AgencyKind.SOCIAL_INSURANCE, 1, id="social-insurance"),
]


@pytest.mark.parametrize(("kind", "expected"), PER_PROVINCE)
def test_agencies_per_province(kind, expected):
    per_province = Agency.objects.filter(kind=kind, level=AgencyLevel.PROVINCE).values("province")
    counts = Counter(row["province"] for row in per_province)
    assert len(counts) == 34
    assert set(counts.values()) == {expected}


def test_every_province_has_the_named_departments():
    for name in ("Sở Tư pháp", "Công an", "Sở Y tế", "Sở Tài chính"):
        provincial = Agency.objects.filter(level=AgencyLevel.PROVINCE, name__startswith=name + " ")
        assert provincial.count() == 34, name
    departments = Agency.objects.filter(kind=AgencyKind.PROVINCE_DEPARTMENT)
    assert not departments.exclude(parent__kind=AgencyKind.PROVINCE_COMMITTEE).exists()
    assert not departments.exclude(parent__province=F("province")).exists()


def test_codes_are_unique_short_and_well_formed():
    codes = list(Agency.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    assert all(CODE_PATTERN.match(code) and len(code) <= 24 for code in codes)


# --- known rows ---------------------------------------------------------------------------------

KNOWN_AGENCIES = [
    pytest.param(
        "000.00.00.G15", "Bộ Tư pháp", "Ministry of Justice", None, id="ministry-of-justice"
    ),
    pytest.param(
        "000.00.00.H01",
        "Ủy ban nhân dân Thành phố Hà Nội",
        "People's Committee of Ha Noi City",
        None,
        id="ha-noi-committee",
    ),
    pytest.param(
        "000.00.02.H04",
        "Sở Tư pháp Tỉnh Cao Bằng",
        "Department of Justice of Cao Bang Province",
        "000.00.00.H04",
        id="cao-bang-justice",
    ),
    pytest.param(
        "000.00.21.H79",
        "Bảo hiểm xã hội Thành phố Hồ Chí Minh",
        "Social Security of Ho Chi Minh City",
        "000.00.00.G23",
        id="hcmc-social-security",
    ),
    pytest.param(
        "00070.00.H01",
        "Ủy ban nhân dân Phường Hoàn Kiếm",
        "People's Committee of Hoan Kiem Ward",
        "000.00.00.H01",
        id="hoan-kiem-committee",
    ),
    pytest.param(
        "00070.01.H01",
        "Công an Phường Hoàn Kiếm",
        "Hoan Kiem Ward Police",
        "000.00.11.H01",
        id="hoan-kiem-police",
    ),
]


@pytest.mark.parametrize(("code", "name", "name_en", "parent"), KNOWN_AGENCIES)
def test_known_agencies(code, name, name_en, parent):
    agency = Agency.objects.select_related("parent").get(code=code)
    assert (agency.name, agency.name_en) == (name, name_en)
    assert (agency.parent.code if agency.parent else None) == parent


def test_hoan_kiem_ward_and_its_committee():
    ward = Commune.objects.get(name="Phường Hoàn Kiếm", province__name="Thành phố Hà Nội")
    assert (ward.code, ward.division_type, ward.province.code) == ("00070", "phường", "01")
    committee = Agency.objects.get(kind=AgencyKind.COMMUNE_COMMITTEE, commune=ward)
    assert committee.code == "00070.00.H01"
    assert committee.level == AgencyLevel.COMMUNE
    assert committee.province == ward.province
    assert committee.valid_from == dt.date(2025, 7, 1)
    assert committee.parent.kind == AgencyKind.PROVINCE_COMMITTEE
    assert committee.parent.province == ward.province


# --- idempotence ----------------------------------------------------------------------------------


def test_second_run_changes_nothing():
    before = (Province.objects.count(), Commune.objects.count(), Agency.objects.count())
    result = reference_data_load()
    assert not result.changed
    assert (result.provinces.unchanged, result.communes.unchanged) == (34, 3321)
    assert result.agencies.unchanged == before[2]
    assert (Province.objects.count(), Commune.objects.count(), Agency.objects.count()) == before


def test_rerun_repairs_changed_rows_and_keeps_administrator_fields():
    Commune.objects.filter(code="00070").update(name="Phường Cũ")
    Agency.objects.filter(code="00070.00.H01").update(
        name="Tên cũ", address="48 Hàng Bài", email="ubnd@example.vn"
    )
    historic = Agency.objects.create(
        code="000.01.00.H01",
        name="Ủy ban nhân dân quận Hoàn Kiếm",
        level=AgencyLevel.DISTRICT,
        kind=AgencyKind.PROVINCE_DEPARTMENT,
        valid_to=dt.date(2025, 6, 30),
    )
    result = reference_data_load()
    assert (result.communes.updated, result.agencies.updated) == (1, 1)
    committee = Agency.objects.get(code="00070.00.H01")
    assert committee.name == "Ủy ban nhân dân Phường Hoàn Kiếm"
    assert (committee.address, committee.email) == ("48 Hàng Bài", "ubnd@example.vn")
    assert Commune.objects.get(code="00070").name == "Phường Hoàn Kiếm"
    assert Agency.objects.filter(pk=historic.pk).exists()


def test_management_command_prints_counts():
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    text = out.getvalue()
    assert "Provinces: 34 (0 created, 0 updated, 34 unchanged)" in text
    assert "Communes:  3321 (0 created, 0 updated, 3321 unchanged)" in text
    assert "already up to date" in text
