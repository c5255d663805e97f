"""Deterministic synthetic people for the mocked national registries.

Nothing is stored: a person, their family, household, insurance, vehicles, driving licences,
earlier results in the e-document store and (for some) businesses are derived from an index
(0, 1, 2, ...) or, inversely, from an identification number. The same index gives the same
person in every process, on every machine, on every day (ages are counted at the fixed
`REFERENCE_DATE`).

People come in units of four consecutive indices (`UNIT_SIZE`), one unit being one or more
households:

- "nuclear" (55 %): husband (head of household), wife, two children;
- "three_generations" (25 %): widowed grandmother (head), her son, his wife, their child;
- "singles" (20 %): four unrelated single adults, each the head of their own household.

Cross-consistency: a spouse points back, children's father and mother are the unit's parents,
a grandmother's son has her as mother; parents outside the database have a name and
`identification_number: null`. About 15 % of the units have one or two enterprises whose
legal representative is an adult of the unit.

Identification numbers (12 digits) are province code of birth registration (3 digits) +
century/gender digit (0/1: 1900s male/female, 2/3: 2000s, ...) + year of birth (2 digits) +
a 6-digit serial. Index `i` has serial `(i mod 10**6) * A + B mod 10**6` and a birth province
rotated by `i // 10**6` (so numbers never repeat, up to `MAX_PEOPLE`), which makes the
number invertible without any table.

Command line (streams JSON lines, bounded memory):

    uv run python -m national_mocks.synthetic --count 10000000 --out people.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import random
import re
import sys
import time
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any, TextIO

from vietnam_provinces import Province, ProvinceCode, Ward

REFERENCE_DATE = date(2026, 1, 1)
UNIT_SIZE = 4
SERIALS = 1_000_000
SERIAL_A = 392_713  # coprime with 10: the serial permutation is a bijection
SERIAL_B = 271_828
SERIAL_A_INVERSE = pow(SERIAL_A, -1, SERIALS)
NATIONALITY = "Việt Nam"

# Province codes used in identification numbers (the 63 provinces before 2025; the 34 of
# today are a subset). A number with another code is malformed.
ID_PROVINCE_CODES = frozenset(
    (1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36,
     37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70,
     72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96)
)  # fmt: skip

# Population in hundreds of thousands (approximate, 2025) of the 34 provinces.
PROVINCE_WEIGHTS = {
    1: 87, 4: 6, 8: 19, 11: 7, 12: 5, 14: 13, 15: 18, 19: 18, 20: 8, 22: 14, 24: 36, 25: 40,
    31: 47, 33: 36, 37: 44, 38: 43, 40: 38, 42: 16, 44: 19, 46: 14, 48: 31, 51: 22, 52: 36,
    56: 22, 66: 33, 68: 39, 75: 45, 79: 140, 80: 33, 82: 44, 86: 43, 91: 49, 92: 42, 96: 26,
}  # fmt: skip
PLATE_CODES = {
    1: 29, 4: 11, 8: 22, 11: 27, 12: 25, 14: 26, 15: 24, 19: 20, 20: 12, 22: 14, 24: 99, 25: 19,
    31: 15, 33: 89, 37: 35, 38: 36, 40: 37, 42: 38, 44: 74, 46: 75, 48: 43, 51: 76, 52: 81,
    56: 79, 66: 47, 68: 49, 75: 60, 79: 51, 80: 70, 82: 66, 86: 64, 91: 67, 92: 65, 96: 69,
}  # fmt: skip
SOUTHERN_FROM = 44  # from Quảng Trị southwards Hoàng is mostly Huỳnh and Vũ mostly Võ

# Family names by approximate frequency (per mille).
FAMILY_NAMES = [
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 51), ("Phan", 45),
    ("Vũ", 39), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13),
    ("Dương", 10), ("Lý", 5),
]  # fmt: skip
MIDDLE_NAMES = {
    "male": ["Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công", "Xuân"],
    "female": ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Thúy", "Kim", "Hồng", "Phương"],
}
MODERN_MIDDLE_NAMES = {  # born 2000 or later
    "male": ["Minh", "Gia", "Bảo", "Đức", "Quang", "Anh", "Hoàng", "Văn"],
    "female": ["Ngọc", "Bảo", "Khánh", "Minh", "Thảo", "Gia", "Phương", "Thị"],
}
GIVEN_NAMES = {
    "male": (
        "Hùng Minh Tuấn Dũng Nam Hải Long Sơn Thắng Khoa Phúc Huy Quân Đức Bình Cường Trung "
        "Hiếu Kiên Thịnh Khánh Tùng Việt Hoàng An Bảo Đạt Lâm Phong Tâm"
    ).split(),
    "female": (
        "Lan Hương Mai Hạnh Hoa Linh Trang Ngọc Thảo Hà Hằng Nhung Yến Phương Anh Thu Vy Chi "
        "Nga Quỳnh Huyền Oanh Dung Loan Thủy Trâm My Châu Giang Hiền"
    ).split(),
}
ETHNICITIES = [
    ("Kinh", 853), ("Tày", 19), ("Thái", 18), ("Mường", 15), ("Khmer", 13), ("Hoa", 8),
    ("Nùng", 11), ("Mông", 13), ("Dao", 9), ("Ê Đê", 4),
]  # fmt: skip
RELIGIONS = [
    ("Không", 820), ("Phật giáo", 90), ("Công giáo", 60), ("Cao Đài", 12), ("Tin lành", 10),
    ("Phật giáo Hòa Hảo", 8),
]  # fmt: skip
STREETS = (
    "Lê Lợi|Trần Hưng Đạo|Nguyễn Trãi|Hai Bà Trưng|Lý Thường Kiệt|Quang Trung|Phan Chu Trinh|"
    "Hùng Vương|Điện Biên Phủ|Võ Thị Sáu|Lê Duẩn|Nguyễn Huệ|Trần Phú|Bạch Đằng"
).split("|")
MOTORCYCLES = [("Honda", "Wave Alpha"), ("Honda", "Vision"), ("Honda", "Air Blade"),
               ("Yamaha", "Sirius"), ("Yamaha", "Exciter"), ("Suzuki", "Raider"),
               ("VinFast", "Evo200"), ("Piaggio", "Liberty")]  # fmt: skip
CARS = [("Toyota", "Vios"), ("Hyundai", "Accent"), ("Kia", "Morning"), ("Mazda", "CX-5"),
        ("VinFast", "VF 5"), ("Ford", "Ranger"), ("Mitsubishi", "Xpander"),
        ("Honda", "City")]  # fmt: skip
BUSINESS_LINES = [
    ("0118", "Trồng rau, đậu các loại và trồng hoa"),
    ("1071", "Sản xuất các loại bánh từ bột"),
    ("4101", "Xây dựng nhà để ở"),
    ("4321", "Lắp đặt hệ thống điện"),
    ("4641", "Bán buôn vải, hàng may mặc, giày dép"),
    ("4711", "Bán lẻ lương thực, thực phẩm, đồ uống, thuốc lá, thuốc lào chiếm tỷ trọng lớn "
             "trong các cửa hàng kinh doanh tổng hợp"),
    ("4933", "Vận tải hàng hóa bằng đường bộ"),
    ("5510", "Dịch vụ lưu trú ngắn ngày"),
    ("5610", "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động"),
    ("6201", "Lập trình máy vi tính"),
    ("6202", "Tư vấn máy vi tính và quản trị hệ thống máy vi tính"),
    ("6810", "Kinh doanh bất động sản, quyền sử dụng đất thuộc chủ sở hữu, chủ sử dụng "
             "hoặc đi thuê"),
    ("7020", "Hoạt động tư vấn quản lý"),
    ("8559", "Giáo dục khác chưa được phân vào đâu"),
]  # fmt: skip
COMPANY_BRANDS = ["Hoàng Long", "Minh Phát", "An Khang", "Thành Công", "Phú Quý", "Đại Việt",
                  "Sao Mai", "Hưng Thịnh", "Tân Tiến", "Bình Minh", "Hồng Hà", "Trường Sơn"]  # fmt: skip
COMPANY_ACTIVITIES = [
    ("THƯƠNG MẠI VÀ DỊCH VỤ", "TRADING AND SERVICES"), ("XÂY DỰNG", "CONSTRUCTION"),
    ("CÔNG NGHỆ", "TECHNOLOGY"), ("ĐẦU TƯ", "INVESTMENT"), ("VẬN TẢI", "TRANSPORT"),
    ("THỰC PHẨM", "FOOD"),
]  # fmt: skip
LEGAL_FORMS = [
    ("limited_liability_one_member", "CÔNG TY TNHH", "COMPANY LIMITED"),
    ("limited_liability_multi_member", "CÔNG TY TNHH", "COMPANY LIMITED"),
    ("joint_stock", "CÔNG TY CỔ PHẦN", "JOINT STOCK COMPANY"),
]
ENTERPRISE_STATUSES = [("active", 88), ("temporarily_suspended", 7), ("dissolved", 5)]
TITLES = ["Giám đốc", "Tổng giám đốc", "Chủ tịch Hội đồng thành viên"]
BASE_SALARY_VND = 2_340_000  # monthly reference salary used for household health insurance

MAX_ROTATIONS = len(PROVINCE_WEIGHTS)
MAX_PEOPLE = SERIALS * MAX_ROTATIONS


# --- identification numbers -----------------------------------------------------------------


@dataclass(frozen=True)
class ParsedId:
    province_code: int
    gender: str  # "male" | "female"
    year_of_birth: int
    serial: int


def century_gender_digit(gender: str, year: int) -> int:
    if not 1900 <= year <= 2399:
        raise ValueError("year of birth out of range")
    return (year // 100 - 19) * 2 + (1 if gender == "female" else 0)


def format_identification_number(province_code: int, gender: str, year: int, serial: int) -> str:
    if province_code not in ID_PROVINCE_CODES:
        raise ValueError("unknown province code")
    if gender not in ("male", "female"):
        raise ValueError("gender is male or female")
    if not 0 <= serial < SERIALS:
        raise ValueError("serial has 6 digits")
    return f"{province_code:03d}{century_gender_digit(gender, year)}{year % 100:02d}{serial:06d}"


def parse_identification_number(number: str) -> ParsedId:
    """Split a 12-digit personal identification number; ValueError if it is malformed."""
    if re.fullmatch(r"[0-9]{12}", number) is None:
        raise ValueError("an identification number has 12 digits")
    province = int(number[:3])
    if province not in ID_PROVINCE_CODES:
        raise ValueError("unknown province code")
    digit = int(number[3])
    year = 1900 + (digit // 2) * 100 + int(number[4:6])
    return ParsedId(province, "female" if digit % 2 else "male", year, int(number[6:]))


def is_valid_identification_number(number: str) -> bool:
    try:
        parse_identification_number(number)
    except ValueError:
        return False
    return True


# --- random helpers ---------------------------------------------------------------------------


def _rng(*parts: object) -> random.Random:
    seed = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(seed, "big"))  # noqa: S311 - synthetic data, not security


def _weighted(items: list[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    values = [v for v, _ in items]
    cumulative = list(itertools.accumulate(w for _, w in items))
    return values, cumulative


def _pick(rng: random.Random, table: tuple[list[Any], list[int]]) -> Any:
    values, cumulative = table
    return values[bisect_right(cumulative, rng.random() * cumulative[-1])]


_FAMILY = _weighted(FAMILY_NAMES)
_ETHNICITY = _weighted(ETHNICITIES)
_RELIGION = _weighted(RELIGIONS)
_STATUS = _weighted(ENTERPRISE_STATUSES)
PROVINCE_ORDER = sorted(PROVINCE_WEIGHTS)
_PROVINCE = _weighted([(code, PROVINCE_WEIGHTS[code]) for code in PROVINCE_ORDER])


@cache
def province_name(code: int) -> str:
    return str(Province.from_code(ProvinceCode(code)).name)


@cache
def communes(code: int) -> tuple[tuple[int, str, bool], ...]:
    """(ward code, name, is a rural commune) of a province, in code order."""
    return tuple(
        (int(w.code), str(w.name), str(w.name).startswith("Xã"))
        for w in sorted(Ward.iter_by_province(ProvinceCode(code)), key=lambda w: int(w.code))
    )


def ascii_fold(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _day_in_year(rng: random.Random, year: int) -> date:
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    latest = (REFERENCE_DATE - timedelta(days=1) - start).days
    return start + timedelta(days=rng.randrange(max(1, min(days, latest + 1))))


def _name(rng: random.Random, gender: str, year: int, family: str | None, province: int) -> str:
    if family is None:
        family = _pick(rng, _FAMILY)
        if province >= SOUTHERN_FROM and rng.random() < 0.75:
            family = {"Hoàng": "Huỳnh", "Vũ": "Võ"}.get(family, family)
    middles = MODERN_MIDDLE_NAMES if year >= 2000 else MIDDLE_NAMES
    return f"{family} {rng.choice(middles[gender])} {rng.choice(GIVEN_NAMES[gender])}"


def age_on(born: str, on: date = REFERENCE_DATE) -> int:
    b = date.fromisoformat(born)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


# --- people -----------------------------------------------------------------------------------


def serial_of(index: int) -> int:
    return (index % SERIALS * SERIAL_A + SERIAL_B) % SERIALS


def _unit_base_province(unit_in_block: int) -> int:
    """Index in PROVINCE_ORDER of the birth province of a unit of rotation 0."""
    return PROVINCE_ORDER.index(_pick(_rng("province", unit_in_block), _PROVINCE))


def birth_province(index: int) -> int:
    rotation, offset = divmod(index, SERIALS)
    base = _unit_base_province(offset // UNIT_SIZE)
    return PROVINCE_ORDER[(base + rotation) % MAX_ROTATIONS]


def index_of(number: str) -> int | None:
    """The index whose synthetic person has this identification number, or None."""
    try:
        parsed = parse_identification_number(number)
    except ValueError:
        return None
    if parsed.province_code not in PROVINCE_WEIGHTS:
        return None
    offset = (parsed.serial - SERIAL_B) * SERIAL_A_INVERSE % SERIALS
    base = _unit_base_province(offset // UNIT_SIZE)
    rotation = (PROVINCE_ORDER.index(parsed.province_code) - base) % MAX_ROTATIONS
    index = rotation * SERIALS + offset
    person = unit(index // UNIT_SIZE)[index % UNIT_SIZE]
    return index if person["identification_number"] == number else None


def _relative(person: dict[str, Any] | None, name: str | None = None) -> dict[str, Any] | None:
    if person is None and name is None:
        return None
    if person is None:
        return {"full_name": name, "identification_number": None, "nationality": NATIONALITY}
    return {
        "full_name": person["full_name"],
        "identification_number": person["identification_number"],
        "nationality": NATIONALITY,
    }


def _address(rng: random.Random, province: int) -> dict[str, str]:
    code, _, rural = rng.choice(communes(province))
    if rural:
        detail = f"Thôn {rng.randint(1, 12)}"
    else:
        detail = f"Số {rng.randint(1, 300)} đường {rng.choice(STREETS)}"
    return {"province_code": f"{province:02d}", "commune_code": f"{code:05d}", "detail": detail}


@cache
def _commune_names(province: int) -> dict[int, str]:
    return {code: name for code, name, _ in communes(province)}


def _commune_label(address: dict[str, str]) -> str:
    province = int(address["province_code"])
    ward = _commune_names(province)[int(address["commune_code"])]
    return f"{ward}, {province_name(province)}"


@lru_cache(maxsize=8192)
def _unit_cached(unit_number: int) -> tuple[dict[str, Any], ...]:
    return tuple(_build_unit(unit_number))


def unit(unit_number: int) -> list[dict[str, Any]]:
    """The four people of a unit (population records plus a private "_unit" part)."""
    return json.loads(json.dumps(_unit_cached(unit_number)))


def _build_unit(unit_number: int) -> list[dict[str, Any]]:
    rng = _rng("unit", unit_number)
    first = unit_number * UNIT_SIZE
    province = birth_province(first)
    roll = rng.random()
    kind = "nuclear" if roll < 0.55 else "three_generations" if roll < 0.80 else "singles"

    def new(slot: int, gender: str, year: int, family: str | None = None) -> dict[str, Any]:
        index = first + slot
        born = _day_in_year(rng, year)
        return {
            "identification_number": format_identification_number(
                province, gender, born.year, serial_of(index)
            ),
            "old_id_number": f"{rng.randrange(10**9):09d}" if year < 2005 else None,
            "full_name": _name(rng, gender, year, family, province),
            "gender": gender,
            "ethnicity": _pick(rng, _ETHNICITY),
            "religion": _pick(rng, _RELIGION),
            "marital_status": "single",
            "date_of_birth": born.isoformat(),
            "nationality": NATIONALITY,
            "father": None,
            "mother": None,
            "spouse": None,
            "representative": None,
            "_index": index,
        }

    def family_of(person: dict[str, Any]) -> str:
        return str(person["full_name"]).split(" ")[0]

    def outside_parents(person: dict[str, Any]) -> None:
        year = int(person["date_of_birth"][:4]) - rng.randint(22, 35)
        person["father"] = _relative(None, _name(rng, "male", year, family_of(person), province))
        person["mother"] = _relative(None, _name(rng, "female", year + 2, None, province))

    def marry(a: dict[str, Any], b: dict[str, Any]) -> None:
        a["marital_status"] = b["marital_status"] = "married"
        a["spouse"], b["spouse"] = _relative(b), _relative(a)

    def child_of(slot: int, father: dict[str, Any], mother: dict[str, Any], year: int):
        gender = rng.choice(("male", "female"))
        child = new(slot, gender, min(year, REFERENCE_DATE.year - 1), family_of(father))
        child["father"], child["mother"] = _relative(father), _relative(mother)
        return child

    households: list[list[tuple[dict[str, Any], str]]] = []
    if kind == "nuclear":
        husband_year = rng.randint(1958, 1996)
        husband = new(0, "male", husband_year)
        wife = new(1, "female", husband_year + rng.randint(0, 5))
        outside_parents(husband)
        outside_parents(wife)
        marry(husband, wife)
        first_child = int(wife["date_of_birth"][:4]) + rng.randint(21, 30)
        c1 = child_of(2, husband, wife, first_child)
        c2 = child_of(3, husband, wife, first_child + rng.randint(2, 7))
        people = [husband, wife, c1, c2]
        households.append([(husband, "Chủ hộ"), (wife, "Vợ"), (c1, "Con"), (c2, "Con")])
    elif kind == "three_generations":
        grandmother = new(0, "female", rng.randint(1938, 1962))
        outside_parents(grandmother)
        grandmother["marital_status"] = "widowed"
        grandfather_name = _name(rng, "male", 1940, None, province)
        son = new(1, "male", int(grandmother["date_of_birth"][:4]) + rng.randint(20, 32),
                  grandfather_name.split(" ")[0])  # fmt: skip
        son["father"] = _relative(None, grandfather_name)
        son["mother"] = _relative(grandmother)
        wife = new(2, "female", int(son["date_of_birth"][:4]) + rng.randint(0, 5))
        outside_parents(wife)
        marry(son, wife)
        child = child_of(3, son, wife, int(wife["date_of_birth"][:4]) + rng.randint(20, 32))
        people = [grandmother, son, wife, child]
        households.append(
            [(grandmother, "Chủ hộ"), (son, "Con"), (wife, "Con dâu"), (child, "Cháu")]
        )
    else:
        people = []
        for slot in range(UNIT_SIZE):
            person = new(slot, rng.choice(("male", "female")), rng.randint(1975, 2005))
            outside_parents(person)
            people.append(person)
            households.append([(person, "Chủ hộ")])

    residence = province if rng.random() < 0.9 else _pick(rng, _PROVINCE)
    for number, members in enumerate(households):
        address = _address(rng, residence)
        book = f"{residence:02d}{((unit_number * 7 + number) * 7_919 + 104_729) % 10**7:07d}"
        head = members[0][0]
        for person, relationship in members:
            person["permanent_address"] = dict(address)
            person["current_address"] = dict(address)
            person["head_of_household"] = {
                "full_name": head["full_name"],
                "identification_number": head["identification_number"],
                "relationship": relationship,
            }
            person["household_book_number"] = book
            birth_place = _address(rng, province)
            person["place_of_birth_registration"] = _commune_label(birth_place)
            person["home_town"] = _commune_label(_address(rng, province))
    for person in people:
        if age_on(person["date_of_birth"]) < 18:
            person["representative"] = person["father"]

    enterprises = _unit_enterprises(rng, unit_number, people, residence)
    for person in people:
        person["_unit"] = {
            "number": unit_number,
            "kind": kind,
            "enterprise_codes": [
                e["enterprise_code"]
                for e in enterprises
                if e["legal_representative"]["identification_number"]
                == person["identification_number"]
            ],
            "enterprises": enterprises,
        }
    return people


# --- enterprises ------------------------------------------------------------------------------


def tax_check_digit(first_nine: str) -> int:
    """Check digit of a Vietnamese tax code (weights 31..3, mod 11); 10 means "not usable"."""
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    return 10 - sum(int(d) * w for d, w in zip(first_nine, weights, strict=True)) % 11


ENTERPRISE_A = 3_137_021  # coprime with 10
ENTERPRISE_SPACE = 10_000_000


def _enterprise_code(province: int, number: int) -> str | None:
    first_nine = f"{province:02d}{number * ENTERPRISE_A % ENTERPRISE_SPACE:07d}"
    check = tax_check_digit(first_nine)
    return None if check >= 10 else f"{first_nine}{check}"


def enterprise_number_of(code: str) -> int | None:
    if re.fullmatch(r"[0-9]{10}", code) is None:
        return None
    return int(code[2:9]) * pow(ENTERPRISE_A, -1, ENTERPRISE_SPACE) % ENTERPRISE_SPACE


def _unit_enterprises(
    rng: random.Random, unit_number: int, people: list[dict[str, Any]], province: int
) -> list[dict[str, Any]]:
    if rng.random() >= 0.15:
        return []
    adults = [p for p in people if age_on(p["date_of_birth"]) >= 22]
    if not adults:
        return []
    enterprises = []
    for k in range(2 if rng.random() < 0.3 else 1):
        code = _enterprise_code(province, unit_number * 2 + k)
        if code is None:
            continue
        representative = rng.choice(adults)
        form, prefix, suffix = rng.choice(LEGAL_FORMS)
        brand = rng.choice(COMPANY_BRANDS)
        activity, activity_en = rng.choice(COMPANY_ACTIVITIES)
        lines = rng.sample(BUSINESS_LINES, rng.randint(1, 4))
        earliest = date.fromisoformat(representative["date_of_birth"]).year + 22
        year = rng.randint(min(earliest, 2024), 2024)
        enterprises.append(
            {
                "enterprise_code": code,
                "tax_code": code,
                "name": f"{prefix} {activity} {brand.upper()}",
                "english_name": f"{ascii_fold(brand).upper()} {activity_en} {suffix}",
                "legal_form": form,
                "address": _address(rng, province),
                "legal_representative": {
                    "full_name": representative["full_name"],
                    "identification_number": representative["identification_number"],
                    "title": rng.choice(TITLES),
                },
                "status": _pick(rng, _STATUS),
                "registered_capital_vnd": rng.choice([1, 2, 5, 10, 20, 50, 100]) * 100_000_000,
                "business_lines": [
                    {"vsic_code": c, "name": n, "main": i == 0} for i, (c, n) in enumerate(lines)
                ],
                "registration_date": _day_in_year(rng, year).isoformat(),
            }
        )
    return enterprises


# --- public lookups ---------------------------------------------------------------------------


def population_size() -> int:
    from .config import CONFIG

    return min(CONFIG.synthetic_people, MAX_PEOPLE)


def person_by_index(index: int) -> dict[str, Any]:
    """The full synthetic person (population record and private "_unit" part)."""
    if not 0 <= index < MAX_PEOPLE:
        raise ValueError("index out of range")
    return unit(index // UNIT_SIZE)[index % UNIT_SIZE]


def population_record(person: dict[str, Any]) -> dict[str, Any]:
    record = {k: v for k, v in person.items() if not k.startswith("_")}
    record["verified"] = True
    return record


def person_by_id(number: str, population: int | None = None) -> dict[str, Any] | None:
    """The synthetic person with this number if its index is below `population`."""
    population = population_size() if population is None else population
    index = index_of(number)
    if index is None or index >= population:
        return None
    return person_by_index(index)


def enterprise_by_code(code: str, population: int | None = None) -> dict[str, Any] | None:
    population = population_size() if population is None else population
    number = enterprise_number_of(code)
    if number is None or number // 2 * UNIT_SIZE >= population:
        return None
    for enterprise in unit(number // 2)[0]["_unit"]["enterprises"]:
        if enterprise["enterprise_code"] == code:
            return enterprise
    return None


# --- other registries (for any person, demo or synthetic) ------------------------------------


def _digits(seed: str, n: int) -> str:
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    return f"{value % 10**n:0{n}d}"


def insurance(record: dict[str, Any]) -> dict[str, Any]:
    number = record["identification_number"]
    rng = _rng("insurance", number)
    province = int(record["permanent_address"]["province_code"])
    age = age_on(record["date_of_birth"])
    social = f"{province:02d}{_digits('bhxh' + number, 8)}"
    if age < 6:
        kind, level = "TE", 1
    elif age < 18:
        kind, level = "HS", 4
    elif age >= 60:
        kind, level = "HT", 2
    else:
        kind, level = ("DN", 4) if rng.random() < 0.6 else ("GD", 4)
    valid_from, valid_to = date(2026, 1, 1), date(2026, 12, 31)
    if kind == "TE":
        born = date.fromisoformat(record["date_of_birth"])
        valid_from = born
        valid_to = date(born.year + 6, born.month, min(born.day, 28)) - timedelta(days=1)
    commune_code, commune_name, _ = rng.choice(communes(province))
    if rng.random() < 0.5:
        hospital = {"code": f"{province:02d}{rng.randint(1, 40):03d}",
                    "name": f"Bệnh viện Đa khoa {province_name(province)}"}  # fmt: skip
    else:
        hospital = {"code": f"{province:02d}{500 + commune_code % 400:03d}",
                    "name": f"Trạm Y tế {commune_name}"}  # fmt: skip
    household = None
    if kind == "GD":
        order = rng.randint(1, 4)
        share = {1: 1.0, 2: 0.7, 3: 0.6, 4: 0.5}[order]
        household = {
            "household_book_number": record.get("household_book_number"),
            "contribution_order": order,
            "annual_contribution_vnd": round(BASE_SALARY_VND * 0.045 * 12 * share),
            "paid_until": valid_to.isoformat(),
        }
    return {
        "identification_number": number,
        "full_name": record["full_name"],
        "social_insurance_number": social,
        "health_insurance_card_number": f"{kind}{level}{province:02d}{social}",
        "card_valid_from": valid_from.isoformat(),
        "card_valid_to": valid_to.isoformat(),
        "benefit_level": level,
        "registered_hospital": hospital,
        "household_contribution": household,
    }


def vehicles(record: dict[str, Any]) -> list[dict[str, Any]]:
    number = record["identification_number"]
    rng = _rng("vehicles", number)
    age = age_on(record["date_of_birth"])
    province = int(record["permanent_address"]["province_code"])
    plate = PLATE_CODES.get(province, 29)
    found: list[dict[str, Any]] = []
    if age < 18:
        return found
    for _ in range(2 if rng.random() < 0.3 else 1 if rng.random() < 0.75 else 0):
        brand, model = rng.choice(MOTORCYCLES)
        found.append(
            {
                "plate": f"{plate}-{rng.choice('BCDEFGHKLMNPSTUVXYZ')}{rng.randint(1, 9)} "
                f"{rng.randint(100, 999)}.{rng.randint(0, 99):02d}",
                "kind": "motorcycle",
                "brand": brand,
                "model": model,
                "registration_date": _day_in_year(
                    rng, rng.randint(min(2026 - age + 18, 2025), 2025)
                ),
            }
        )
    if age >= 25 and rng.random() < 0.22:
        brand, model = rng.choice(CARS)
        found.append(
            {
                "plate": f"{plate}{rng.choice('ABCDEFGHKL')}-{rng.randint(100, 999)}."
                f"{rng.randint(0, 99):02d}",
                "kind": "car",
                "brand": brand,
                "model": model,
                "registration_date": _day_in_year(
                    rng, rng.randint(min(max(2026 - age + 25, 2005), 2025), 2025)
                ),
            }
        )
    for item in found:
        item["registration_date"] = item["registration_date"].isoformat()
    return found


def driving_licences(
    record: dict[str, Any], owned: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    owned = vehicles(record) if owned is None else owned
    if not owned:
        return []
    rng = _rng("licences", record["identification_number"])
    born = date.fromisoformat(record["date_of_birth"])
    classes = ["A1"] if any(v["kind"] == "motorcycle" for v in owned) else []
    issued = _day_in_year(rng, rng.randint(min(born.year + 18, 2025), 2025))
    expires = None
    if any(v["kind"] == "car" for v in owned):
        classes.append("B")
        issued = _day_in_year(rng, rng.randint(min(max(born.year + 18, 2016), 2025), 2025))
        expires = date(issued.year + 10, issued.month, min(issued.day, 28)).isoformat()
    return [
        {
            "number": f"{int(record['permanent_address']['province_code']):02d}"
            + _digits("gplx" + record["identification_number"], 10),
            "classes": classes,
            "issued_on": issued.isoformat(),
            "expires_on": expires,
            "issuing_authority": "Sở Xây dựng "
            + province_name(int(record["permanent_address"]["province_code"])),
        }
    ]


# --- seeded e-documents -------------------------------------------------------------------------


def document_id(owner: str, kind: str) -> str:
    return "EDOC-" + hashlib.sha256(f"{owner}|{kind}".encode()).hexdigest()[:20].upper()


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing the lines (ASCII-folded), deterministic."""
    text = "".join(
        f"({ascii_fold(line).replace(chr(92), '').replace('(', '').replace(')', '')}) Tj T* "
        for line in lines
    )
    stream = f"BT /F1 12 Tf 14 TL 72 770 Td {text}ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _seeded(owner: str, kind: str, meta: dict[str, Any], lines: list[str]) -> dict[str, Any]:
    content = minimal_pdf([meta["title"], *lines, f"So ho so: {meta['dossier_code']}"])
    return {
        "document_id": document_id(owner, kind),
        **meta,
        "content_type": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "verified": True,
        "_content": content,
    }


def _dossier_code(owner: str, issued: date, province: str) -> str:
    return f"H{province}.{issued:%y%m%d}-{_digits('dossier' + owner + str(issued), 4)}"


def person_documents(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Earlier results in a citizen's e-document store (with private "_content")."""
    number = record["identification_number"]
    born = date.fromisoformat(record["date_of_birth"])
    province = record["permanent_address"]["province_code"]
    agency = "Ủy ban nhân dân " + record.get("place_of_birth_registration", "").split(",")[0]
    issued = min(born + timedelta(days=20), REFERENCE_DATE - timedelta(days=1))
    docs = [
        _seeded(
            number,
            "KQ-GKS",
            {
                "result_code": "KQ-GKS",
                "title": "Giấy khai sinh",
                "issuing_agency": agency,
                "issued_date": issued.isoformat(),
                "dossier_code": _dossier_code(number, issued, province),
            },
            [record["full_name"], f"Ngay sinh: {record['date_of_birth']}"],
        )
    ]
    if record.get("marital_status") == "married" and record.get("spouse"):
        rng = _rng("marriage", *sorted([number, record["spouse"]["identification_number"] or ""]))
        year = min(max(born.year + 20, 1980) + rng.randint(0, 6), 2025)
        married = _day_in_year(rng, year)
        docs.append(
            _seeded(
                number,
                "KQ-GKH",
                {
                    "result_code": "KQ-GKH",
                    "title": "Giấy chứng nhận kết hôn",
                    "issuing_agency": agency,
                    "issued_date": married.isoformat(),
                    "dossier_code": _dossier_code(number, married, province),
                },
                [record["full_name"], record["spouse"]["full_name"]],
            )
        )
    return docs


def enterprise_documents(enterprise: dict[str, Any]) -> list[dict[str, Any]]:
    code = enterprise["enterprise_code"]
    issued = date.fromisoformat(enterprise["registration_date"])
    province = enterprise["address"]["province_code"]
    return [
        _seeded(
            code,
            "KQ-GCNDKDN",
            {
                "result_code": "KQ-GCNDKDN",
                "title": "Giấy chứng nhận đăng ký doanh nghiệp",
                "issuing_agency": "Sở Tài chính " + province_name(int(province)),
                "issued_date": issued.isoformat(),
                "dossier_code": _dossier_code(code, issued, province),
            },
            [enterprise["name"], f"Ma so doanh nghiep: {code}"],
        )
    ]


# --- command line -----------------------------------------------------------------------------


def bundle(person: dict[str, Any]) -> dict[str, Any]:
    """Everything the mocks would answer about a person, as one JSON-able dict."""
    record = population_record(person)
    owned = vehicles(record)
    return {
        "index": person["_index"],
        "population": record,
        "insurance": insurance(record),
        "vehicles": owned,
        "driving_licences": driving_licences(record, owned),
        "documents": [
            {k: v for k, v in d.items() if not k.startswith("_")} for d in person_documents(record)
        ],
        "enterprises": [
            e
            for e in person["_unit"]["enterprises"]
            if e["enterprise_code"] in person["_unit"]["enterprise_codes"]
        ],
    }


def iter_people(count: int, start: int = 0) -> Iterator[dict[str, Any]]:
    """Bundles of people start..start+count-1, one unit built at a time (bounded memory)."""
    if start < 0 or count < 0 or start + count > MAX_PEOPLE:
        raise ValueError(f"indices must lie in 0..{MAX_PEOPLE - 1}")
    end = start + count
    for unit_number in range(start // UNIT_SIZE, (end + UNIT_SIZE - 1) // UNIT_SIZE):
        for person in _build_unit(unit_number):
            if start <= person["_index"] < end:
                yield bundle(person)


def write_jsonl(out: TextIO, count: int, start: int = 0, progress: bool = False) -> int:
    started = time.monotonic()
    written = 0
    for written, item in enumerate(iter_people(count, start), start=1):
        out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        if progress and written % 100_000 == 0:
            rate = written / (time.monotonic() - started)
            print(f"{written:,} people, {rate:,.0f}/s", file=sys.stderr, flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m national_mocks.synthetic",
        description="Stream deterministic synthetic people as JSON lines (gzip if .gz).",
    )
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--out", required=True, help="output file; '-' for stdout")
    parser.add_argument("--level", type=int, default=6, help="gzip level (1 fastest)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.out == "-":
        written = write_jsonl(sys.stdout, args.count, args.start)
    elif args.out.endswith(".gz"):
        with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=args.level) as fh:
            written = write_jsonl(fh, args.count, args.start, progress=not args.quiet)
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            written = write_jsonl(fh, args.count, args.start, progress=not args.quiet)
    elapsed = time.monotonic() - started
    if not args.quiet:
        print(
            f"wrote {written:,} people in {elapsed:.1f} s ({written / max(elapsed, 1e-9):,.0f}/s)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
