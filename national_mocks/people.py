"""The demo people shared by the mocked population database and the mocked SSO."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from .config import CONFIG


@dataclass(frozen=True)
class Person:
    record: dict[str, Any]  # population-database record, without the SSO account
    sso: dict[str, Any]

    @property
    def identification_number(self) -> str:
        return str(self.record["identification_number"])

    @property
    def full_name(self) -> str:
        return str(self.record["full_name"])

    @property
    def sub(self) -> str:
        return str(self.sso["sub"])

    @property
    def date_of_birth_display(self) -> str:
        year, month, day = str(self.record["date_of_birth"]).split("-")
        return f"{day}/{month}/{year}"

    def population_record(self) -> dict[str, Any]:
        return {**copy.deepcopy(self.record), "verified": True}

    def sso_claims(self) -> dict[str, Any]:
        """The person's claims in the national SSO (docs/domain.md section 5)."""
        return {
            "sub": self.sub,
            "account_type": self.sso["account_type"],
            "personal_id": self.identification_number,
            "name": self.full_name,
            "birthdate": self.record["date_of_birth"],
            "tech_id": self.sso["tech_id"],
            "loa": self.sso["loa"],
            "email": self.sso["email"],
            "phone_number": self.sso["phone_number"],
        }


@cache
def _load() -> tuple[Person, ...]:
    with open(CONFIG.people_file, encoding="utf-8") as fh:
        document = json.load(fh)
    people = []
    for item in document["people"]:
        record = dict(item)
        sso = record.pop("sso")
        people.append(Person(record=record, sso=sso))
    return tuple(people)


def all_people() -> tuple[Person, ...]:
    return _load()


def by_identification_number(identification_number: str) -> Person | None:
    return next((p for p in _load() if p.identification_number == identification_number), None)


def by_sub(sub: str) -> Person | None:
    return next((p for p in _load() if p.sub == sub), None)
