"""Contract tests of the mocked business, insurance, transport and e-document registries."""

import base64
import hashlib
import re
import uuid

import pytest
import requests

from national_mocks import synthetic
from request_signing import sign_headers
from tests.fixtures_mocks import start_national_mocks

LAN = "001190012345"
HUNG = "079085001122"
DEMO_ENTERPRISE = "0312345673"
UNKNOWN = "001099999999"
SERVICES = ("business", "insurance", "vehicles", "edocuments")

ENTERPRISE_FIELDS = {
    "enterprise_code", "tax_code", "name", "english_name", "legal_form", "address",
    "legal_representative", "status", "registered_capital_vnd", "business_lines",
    "registration_date",
}  # fmt: skip
INSURANCE_FIELDS = {
    "identification_number", "full_name", "social_insurance_number",
    "health_insurance_card_number", "card_valid_from", "card_valid_to", "benefit_level",
    "registered_hospital", "household_contribution",
}  # fmt: skip
VEHICLE_FIELDS = {"plate", "kind", "brand", "model", "registration_date"}
LICENCE_FIELDS = {"number", "classes", "issued_on", "expires_on", "issuing_authority"}
DOCUMENT_FIELDS = {
    "document_id", "result_code", "title", "issuing_agency", "issued_date", "dossier_code",
    "content_type", "size", "sha256", "verified",
    "revoked", "revoked_at", "revocation_reason", "replaced_by_dossier_code",
}  # fmt: skip


def _people(predicate, limit=10_000):
    return (p for p in map(synthetic.person_by_index, range(limit)) if predicate(p))


def synthetic_with_enterprise():
    return next(_people(lambda p: p["_unit"]["enterprise_codes"]))


def synthetic_driver_with_car():
    return next(
        _people(
            lambda p: any(
                v["kind"] == "car" for v in synthetic.vehicles(synthetic.population_record(p))
            )
        )
    )


def synthetic_family():
    return next(_people(lambda p: p["_unit"]["kind"] == "nuclear" and p["_index"] % 4 == 0))


def signed(services, method, path, body=b"", **kwargs):
    headers = sign_headers(
        client_id=services.data_client_id,
        secret=services.data_client_secret,
        method=method,
        path=path,
        body=body,
    )
    if body:
        headers["Content-Type"] = "application/json"
    return requests.request(
        method, services.url + path, headers=headers, data=body or None, timeout=10, **kwargs
    )


def get(services, path):
    return signed(services, "GET", path)


def endpoints(number, enterprise_code):
    return {
        "business": [
            f"/business/v1/enterprises/{enterprise_code}",
            f"/business/v1/representatives/{number}/enterprises",
        ],
        "insurance": [f"/insurance/v1/people/{number}"],
        "vehicles": [
            f"/transport/v1/people/{number}/vehicles",
            f"/transport/v1/people/{number}/driving-licences",
        ],
        "edocuments": [f"/documents/v1/owners/{number}/documents"],
    }


ALL_PATHS = [
    path for paths in endpoints(HUNG, DEMO_ENTERPRISE).values() for path in paths
]  # fmt: skip


# --- business ---------------------------------------------------------------------------------


def test_demo_enterprise_shape(national_services):
    response = get(national_services, f"/business/v1/enterprises/{DEMO_ENTERPRISE}")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == ENTERPRISE_FIELDS
    assert data["tax_code"] == data["enterprise_code"] == DEMO_ENTERPRISE
    assert set(data["address"]) == {"province_code", "commune_code", "detail"}
    assert data["legal_representative"] == {
        "full_name": "Lê Văn Hùng",
        "identification_number": HUNG,
        "title": "Giám đốc",
    }
    assert isinstance(data["registered_capital_vnd"], int)
    assert all(set(line) == {"vsic_code", "name", "main"} for line in data["business_lines"])
    assert all(re.fullmatch(r"\d{4}", line["vsic_code"]) for line in data["business_lines"])


def test_representative_lists_their_enterprises(national_services):
    data = get(national_services, f"/business/v1/representatives/{HUNG}/enterprises").json()
    assert [e["enterprise_code"] for e in data["enterprises"]] == [DEMO_ENTERPRISE]

    lan = get(national_services, f"/business/v1/representatives/{LAN}/enterprises")
    assert lan.status_code == 200
    assert lan.json()["enterprises"] == []


def test_synthetic_enterprise_and_its_representative_exist(national_services):
    person = synthetic_with_enterprise()
    number = person["identification_number"]
    codes = get(national_services, f"/business/v1/representatives/{number}/enterprises").json()
    assert [e["enterprise_code"] for e in codes["enterprises"]] == person["_unit"][
        "enterprise_codes"
    ]
    enterprise = get(national_services, f"/business/v1/enterprises/{codes['enterprises'][0]['enterprise_code']}").json()  # fmt: skip
    assert set(enterprise) == ENTERPRISE_FIELDS
    representative = enterprise["legal_representative"]["identification_number"]
    record = get(national_services, f"/population/v1/citizens/{representative}")
    assert record.status_code == 200
    assert record.json()["full_name"] == enterprise["legal_representative"]["full_name"]


def test_branch_codes_have_thirteen_digits(national_services):
    for branch in range(1, 4):
        response = get(national_services, f"/business/v1/enterprises/{DEMO_ENTERPRISE}{branch:03d}")
        if response.status_code == 404:
            break
        data = response.json()
        assert data["parent_enterprise_code"] == DEMO_ENTERPRISE
        assert data["legal_form"] == "branch"
    assert (
        get(national_services, f"/business/v1/enterprises/{DEMO_ENTERPRISE}009").status_code == 404
    )


@pytest.mark.parametrize("code", ["0000000000", "0312345674", "12345", "abcdefghij"])
def test_unknown_enterprise_is_404(national_services, code):
    assert get(national_services, f"/business/v1/enterprises/{code}").status_code == 404


# --- insurance, transport ---------------------------------------------------------------------


def test_insurance_shape(national_services):
    data = get(national_services, f"/insurance/v1/people/{LAN}").json()

    assert set(data) == INSURANCE_FIELDS
    assert re.fullmatch(r"\d{10}", data["social_insurance_number"])
    assert re.fullmatch(r"[A-Z]{2}\d{3}\d{10}", data["health_insurance_card_number"])
    assert data["health_insurance_card_number"].endswith(data["social_insurance_number"])
    assert data["card_valid_from"] <= data["card_valid_to"]
    assert set(data["registered_hospital"]) == {"code", "name"}
    if data["household_contribution"] is not None:
        assert set(data["household_contribution"]) == {
            "household_book_number", "contribution_order", "annual_contribution_vnd",
            "paid_until",
        }  # fmt: skip


def test_vehicles_and_licences_shape(national_services):
    person = synthetic_driver_with_car()
    number = person["identification_number"]
    vehicles = get(national_services, f"/transport/v1/people/{number}/vehicles").json()
    licences = get(national_services, f"/transport/v1/people/{number}/driving-licences").json()

    assert vehicles["identification_number"] == number
    assert vehicles["vehicles"]
    for vehicle in vehicles["vehicles"]:
        assert set(vehicle) == VEHICLE_FIELDS
        assert vehicle["kind"] in {"car", "motorcycle"}
    assert [set(item) for item in licences["driving_licences"]] == [LICENCE_FIELDS]
    assert "B" in licences["driving_licences"][0]["classes"]
    assert (
        licences["driving_licences"][0]["expires_on"] > licences["driving_licences"][0]["issued_on"]
    )


def test_a_child_has_no_vehicle(national_services):
    child = next(_people(lambda p: synthetic.age_on(p["date_of_birth"]) < 18))
    number = child["identification_number"]
    assert (
        get(national_services, f"/transport/v1/people/{number}/vehicles").json()["vehicles"] == []
    )
    response = get(national_services, f"/transport/v1/people/{number}/driving-licences")
    assert response.json()["driving_licences"] == []


# --- common contract --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_PATHS)
def test_every_endpoint_requires_a_signature(national_services, path):
    response = requests.get(national_services.url + path, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "reason": "missing_signature"}

    bad = sign_headers(client_id="national-portal", secret="wrong", method="GET", path=path)
    response = requests.get(national_services.url + path, headers=bad, timeout=5)
    assert response.status_code == 401
    assert response.json()["reason"] == "bad_signature"


@pytest.mark.parametrize(
    "path",
    [p for paths in endpoints(UNKNOWN, "0000000000").values() for p in paths]
    + [f"/documents/v1/owners/{LAN}/documents/EDOC-00000000000000000000"],
)
def test_unknown_records_are_404(national_services, path):
    response = get(national_services, path)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


def test_population_answers_for_synthetic_people(national_services):
    person = synthetic.person_by_index(42)
    response = get(national_services, f"/population/v1/citizens/{person['identification_number']}")
    assert response.status_code == 200
    assert response.json() == synthetic.population_record(person)


def test_family_is_consistent_over_http(national_services):
    head = synthetic_family()
    record = get(
        national_services, f"/population/v1/citizens/{head['identification_number']}"
    ).json()
    spouse_number = record["spouse"]["identification_number"]
    spouse = get(national_services, f"/population/v1/citizens/{spouse_number}").json()
    assert spouse["spouse"]["identification_number"] == record["identification_number"]
    children = [synthetic.person_by_index(head["_index"] + k) for k in (2, 3)]
    for child in children:
        data = get(
            national_services, f"/population/v1/citizens/{child['identification_number']}"
        ).json()
        parents = {data["father"]["identification_number"], data["mother"]["identification_number"]}
        assert parents == {record["identification_number"], spouse_number}
        assert data["head_of_household"]["identification_number"] == record["identification_number"]
        assert data["household_book_number"] == record["household_book_number"]


def test_same_number_same_record_in_another_process(national_services, national_services_factory):
    other = national_services_factory()
    person = synthetic_with_enterprise()
    number = person["identification_number"]
    code = person["_unit"]["enterprise_codes"][0]
    paths = [
        f"/population/v1/citizens/{number}",
        f"/business/v1/enterprises/{code}",
        f"/insurance/v1/people/{number}",
        f"/transport/v1/people/{number}/vehicles",
        f"/transport/v1/people/{number}/driving-licences",
        f"/documents/v1/owners/{number}/documents",
        f"/documents/v1/owners/{code}/documents",
    ]
    for path in paths:
        first, second = get(national_services, path), get(other, path)
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()


def test_synthetic_population_size_is_configurable(national_services_factory):
    services = national_services_factory(NATIONAL_MOCKS_SYNTHETIC_PEOPLE="0")
    number = synthetic.person_by_index(0)["identification_number"]
    assert get(services, f"/population/v1/citizens/{number}").status_code == 404
    assert get(services, f"/insurance/v1/people/{LAN}").status_code == 200


@pytest.fixture(scope="module")
def registries_down(tmp_path_factory):
    with start_national_mocks(
        tmp_path_factory.mktemp("registries-down"), NATIONAL_MOCKS_DOWN=",".join(SERVICES)
    ) as services:
        yield services


@pytest.mark.parametrize("service", SERVICES)
def test_down_service_answers_503(registries_down, service):
    for path in endpoints(HUNG, DEMO_ENTERPRISE)[service]:
        response = get(registries_down, path)
        assert response.status_code == 503
        assert response.json() == {"error": "service_unavailable", "service": service}
        assert response.headers["Retry-After"] == "30"
    health = requests.get(f"{registries_down.url}/health", timeout=5).json()
    assert health["services"][service] == "down"
    assert health["services"]["population"] == "up"
    assert get(registries_down, f"/population/v1/citizens/{LAN}").status_code == 200


def test_error_rate_applies_to_the_new_services(national_services_factory):
    services = national_services_factory(NATIONAL_MOCKS_ERROR_RATE="1")
    for path in ALL_PATHS:
        assert get(services, path).status_code == 503


# --- e-document store ---------------------------------------------------------------------------


def test_documents_list_and_metadata_and_content(national_services):
    listing = get(national_services, f"/documents/v1/owners/{LAN}/documents").json()
    assert listing["owner"] == LAN
    assert listing["count"] == len(listing["documents"]) >= 2
    codes = {d["result_code"] for d in listing["documents"]}
    assert {"KQ-GKS", "KQ-GKH"} <= codes
    for item in listing["documents"]:
        assert set(item) == DOCUMENT_FIELDS
    first = listing["documents"][0]
    path = f"/documents/v1/owners/{LAN}/documents/{first['document_id']}"
    metadata = get(national_services, path).json()
    assert metadata == {**first, "download_url": f"{national_services.url}{path}/content"}
    content = get(national_services, path + "/content")
    assert content.status_code == 200
    assert content.headers["Content-Type"] == "application/pdf"
    assert content.content.startswith(b"%PDF-")
    assert hashlib.sha256(content.content).hexdigest() == first["sha256"]
    assert requests.get(metadata["download_url"], timeout=5).status_code == 401


def test_enterprise_has_a_store_too(national_services):
    data = get(national_services, f"/documents/v1/owners/{DEMO_ENTERPRISE}/documents").json()
    assert [d["result_code"] for d in data["documents"]] == ["KQ-GCNDKDN"]


def _post(services, owner, **fields):
    import json

    content = fields.pop("content", b"%PDF-1.4\nresult\n%%EOF\n")
    body = {
        "idempotency_key": fields.pop("idempotency_key", f"test-{uuid.uuid4()}"),
        "result_code": "KQ-GKS",
        "title": "Trích lục khai sinh",
        "issuing_agency": "UBND Phường Hoàn Kiếm",
        "issued_date": "2026-01-05",
        "dossier_code": "H01.260105-0001",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode(),
        **fields,
    }
    return signed(
        services, "POST", f"/documents/v1/owners/{owner}/documents", json.dumps(body).encode()
    )


def test_post_stores_a_document_idempotently(national_services):
    key = f"dossier-{uuid.uuid4()}"
    content = b"%PDF-1.4\nunique " + key.encode() + b"\n%%EOF\n"
    first = _post(national_services, LAN, idempotency_key=key, content=content)
    assert first.status_code == 201
    document_id = first.json()["document_id"]
    assert first.json()["sha256"] == hashlib.sha256(content).hexdigest()

    again = _post(national_services, LAN, idempotency_key=key, content=content)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": False}

    listing = get(national_services, f"/documents/v1/owners/{LAN}/documents").json()
    assert [d["document_id"] for d in listing["documents"]].count(document_id) == 1
    stored = get(national_services, f"/documents/v1/owners/{LAN}/documents/{document_id}/content")
    assert stored.content == content

    conflict = _post(national_services, LAN, idempotency_key=key, title="Another title")
    assert conflict.status_code == 409


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"idempotency_key": "short"}, "idempotency_key"),
        ({"title": ""}, "title"),
        ({"issued_date": "05/01/2026"}, "issued_date"),
        ({"content_type": "text/plain"}, "content_type"),
        ({"content": b"not a pdf"}, "content_does_not_match_type"),
        ({"content_base64": "***"}, "content_base64"),
    ],
)
def test_post_validates(national_services, fields, reason):
    response = _post(national_services, LAN, **fields)
    assert response.status_code == 400
    assert response.json()["reason"] == reason


def test_post_needs_a_signature_and_a_known_owner(national_services):
    response = requests.post(
        f"{national_services.url}/documents/v1/owners/{LAN}/documents", json={}, timeout=5
    )
    assert response.status_code == 401
    assert _post(national_services, UNKNOWN).status_code == 404


def test_the_issuer_revokes_a_stored_document_once(national_services):
    import json

    stored = _post(national_services, LAN)
    document_id = stored.json()["document_id"]
    path = f"/documents/v1/owners/{LAN}/documents/{document_id}/revocation"
    body = {"reason": "Cấp sai ngày sinh", "replaced_by_dossier_code": "H01.260312-0002"}
    revoked = signed(national_services, "POST", path, json.dumps(body).encode())
    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is True
    assert revoked.json()["revocation_reason"] == "Cấp sai ngày sinh"
    assert revoked.json()["replaced_by_dossier_code"] == "H01.260312-0002"
    again = signed(national_services, "POST", path, json.dumps({"reason": "other"}).encode())
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # the first one stays
    assert again.json()["revocation_reason"] == "Cấp sai ngày sinh"
    listed = get(national_services, f"/documents/v1/owners/{LAN}/documents").json()
    assert [d["revoked"] for d in listed["documents"] if d["document_id"] == document_id] == [True]
    blank = signed(national_services, "POST", path, json.dumps({"reason": " "}).encode())
    assert blank.status_code == 400
    assert blank.json()["reason"] == "reason"
    # a document the client did not store (a seeded one) is not its to revoke
    seeded = next(d for d in listed["documents"] if d["document_id"] != document_id)
    seeded_path = f"/documents/v1/owners/{LAN}/documents/{seeded['document_id']}/revocation"
    refused = signed(national_services, "POST", seeded_path, json.dumps(body).encode())
    assert refused.status_code == 403
    assert refused.json() == {"error": "not_the_issuer"}
