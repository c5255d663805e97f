"""Contract tests of the mocked population database over real HTTP, and the portal client."""

import re
import time

import pytest
import requests
from vietnam_provinces import Province, Ward

from prefill.national_client import (
    NationalDataClient,
    RecordNotFound,
    SourceUnavailable,
)
from request_signing import sign_headers
from tests.fixtures_mocks import free_port, start_national_mocks

LAN = "001190012345"
UNKNOWN = "001099999999"

RECORD_FIELDS = {
    "identification_number",
    "old_id_number",
    "full_name",
    "gender",
    "ethnicity",
    "religion",
    "marital_status",
    "date_of_birth",
    "place_of_birth_registration",
    "home_town",
    "permanent_address",
    "current_address",
    "nationality",
    "father",
    "mother",
    "spouse",
    "representative",
    "head_of_household",
    "household_book_number",
    "verified",
}
ADDRESS_FIELDS = {"province_code", "commune_code", "detail"}
RELATIVE_FIELDS = {"full_name", "identification_number", "nationality"}
HEAD_FIELDS = {"full_name", "identification_number", "relationship"}

DEMO_PEOPLE = [
    # id, name, gender, date of birth, marital status, province of residence, spouse id
    (LAN, "Nguyễn Thị Lan", "female", "1990-03-12", "married", "Thành phố Hà Nội", "001088004321"),
    ("001088004321", "Trần Văn Minh", "male", "1988-07-02", "married", "Thành phố Hà Nội", LAN),
    ("079085001122", "Lê Văn Hùng", "male", "1985-11-20", "married", "Thành phố Hồ Chí Minh", "079187003344"),
    ("079187003344", "Võ Thị Hạnh", "female", None, "married", "Thành phố Hồ Chí Minh", "079085001122"),
    ("048192005566", "Phạm Thị Mai", "female", None, "single", "Thành phố Đà Nẵng", None),
]  # fmt: skip


def signed_get(services, path, *, client_id=None, secret=None, **sign_overrides):
    headers = sign_headers(
        client_id=client_id or services.data_client_id,
        secret=secret or services.data_client_secret,
        method="GET",
        path=path,
        **sign_overrides,
    )
    return requests.get(services.url + path, headers=headers, timeout=5)


def citizen_path(identification_number):
    return f"/population/v1/citizens/{identification_number}"


# --- The record -----------------------------------------------------------------------------


def test_signed_request_returns_the_full_record(national_services):
    response = signed_get(national_services, citizen_path(LAN))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    record = response.json()
    assert set(record) == RECORD_FIELDS
    assert set(record["permanent_address"]) == ADDRESS_FIELDS
    assert set(record["current_address"]) == ADDRESS_FIELDS
    for relative in ("father", "mother", "spouse"):
        assert set(record[relative]) == RELATIVE_FIELDS
    assert set(record["head_of_household"]) == HEAD_FIELDS
    assert record["verified"] is True
    assert record["identification_number"] == LAN
    assert re.fullmatch(r"\d{9}", record["old_id_number"])
    assert record["full_name"] == "Nguyễn Thị Lan"
    assert record["gender"] == "female"
    assert record["date_of_birth"] == "1990-03-12"
    assert record["permanent_address"]["province_code"] == "01"
    assert record["permanent_address"]["commune_code"] == "00070"
    assert Ward.from_code(70).name == "Phường Hoàn Kiếm"
    assert record["spouse"] == {
        "full_name": "Trần Văn Minh",
        "identification_number": "001088004321",
        "nationality": "Việt Nam",
    }
    assert record["representative"] is None
    assert record["head_of_household"]["identification_number"] == "001088004321"
    assert re.fullmatch(r"\d+", record["household_book_number"])


@pytest.mark.parametrize(
    ("identification_number", "name", "gender", "born", "marital", "province", "spouse"),
    DEMO_PEOPLE,
)
def test_demo_people(
    national_services, identification_number, name, gender, born, marital, province, spouse
):
    record = signed_get(national_services, citizen_path(identification_number)).json()

    assert record["full_name"] == name
    assert record["gender"] == gender
    if born:
        assert record["date_of_birth"] == born
    assert record["marital_status"] == marital
    assert (record["spouse"] or {}).get("identification_number") == spouse
    for key in ("permanent_address", "current_address"):
        address = record[key]
        ward = Ward.from_code(int(address["commune_code"]))
        assert int(ward.province_code) == int(address["province_code"])
        assert Province.from_code(int(address["province_code"])).name == province
        assert address["detail"]


def test_spouses_share_the_household(national_services):
    lan = signed_get(national_services, citizen_path(LAN)).json()
    minh = signed_get(national_services, citizen_path("001088004321")).json()
    assert lan["household_book_number"] == minh["household_book_number"]
    assert lan["permanent_address"] == minh["permanent_address"]
    assert minh["head_of_household"]["relationship"] == "Chủ hộ"


def test_unknown_identification_number_is_404(national_services):
    response = signed_get(national_services, citizen_path(UNKNOWN))
    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


# --- Signature checks -----------------------------------------------------------------------


def test_unsigned_request_is_401(national_services):
    response = requests.get(national_services.url + citizen_path(LAN), timeout=5)
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "reason": "missing_signature"}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"secret": "not-the-secret"}, "bad_signature"),
        ({"client_id": "someone-else"}, "unknown_client"),
        ({"timestamp": int(time.time()) - 301}, "stale_timestamp"),
        ({"timestamp": int(time.time()) + 3600}, "stale_timestamp"),
    ],
)
def test_badly_signed_request_is_401_with_reason(national_services, overrides, reason):
    response = signed_get(national_services, citizen_path(LAN), **overrides)
    assert response.status_code == 401
    assert response.json()["reason"] == reason
    assert "full_name" not in response.text


def test_signature_for_another_path_is_refused(national_services):
    headers = sign_headers(
        client_id=national_services.data_client_id,
        secret=national_services.data_client_secret,
        method="GET",
        path=citizen_path("001088004321"),
    )
    response = requests.get(national_services.url + citizen_path(LAN), headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["reason"] == "bad_signature"


def test_query_string_is_part_of_the_signature(national_services):
    path = citizen_path(LAN) + "?purpose=birth-registration"
    assert signed_get(national_services, path).status_code == 200
    headers = sign_headers(
        client_id=national_services.data_client_id,
        secret=national_services.data_client_secret,
        method="GET",
        path=citizen_path(LAN),
    )
    response = requests.get(national_services.url + path, headers=headers, timeout=5)
    assert response.json()["reason"] == "bad_signature"


def test_replayed_nonce_is_401(national_services):
    path = citizen_path(LAN)
    headers = sign_headers(
        client_id=national_services.data_client_id,
        secret=national_services.data_client_secret,
        method="GET",
        path=path,
    )
    first = requests.get(national_services.url + path, headers=headers, timeout=5)
    second = requests.get(national_services.url + path, headers=headers, timeout=5)
    assert first.status_code == 200
    assert second.status_code == 401
    assert second.json()["reason"] == "replayed_nonce"


def test_only_get_is_allowed(national_services):
    path = citizen_path(LAN)
    headers = sign_headers(
        client_id=national_services.data_client_id,
        secret=national_services.data_client_secret,
        method="POST",
        path=path,
    )
    response = requests.post(national_services.url + path, headers=headers, timeout=5)
    assert response.status_code == 405


# --- Fault injection ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def population_down(tmp_path_factory):
    with start_national_mocks(
        tmp_path_factory.mktemp("mocks-down"), NATIONAL_MOCKS_DOWN="population"
    ) as services:
        yield services


def test_down_service_answers_503_and_health_says_so(population_down):
    response = signed_get(population_down, citizen_path(LAN))
    assert response.status_code == 503
    assert response.json() == {"error": "service_unavailable", "service": "population"}
    health = requests.get(f"{population_down.url}/health", timeout=5)
    assert health.status_code == 200
    assert health.json()["services"] == {
        "population": "down",
        "sso": "up",
        "ministry": "up",
        "business": "up",
        "insurance": "up",
        "vehicles": "up",
        "edocuments": "up",
        "payment": "up",
        "pki": "up",
    }


def test_error_rate_one_always_fails(national_services_factory):
    services = national_services_factory(NATIONAL_MOCKS_ERROR_RATE="1")
    assert signed_get(services, citizen_path(LAN)).status_code == 503


def test_delay_is_applied(national_services_factory):
    services = national_services_factory(NATIONAL_MOCKS_DELAY_MS="400")
    started = time.monotonic()
    assert signed_get(services, citizen_path(LAN)).status_code == 200
    assert time.monotonic() - started >= 0.4


# --- The portal's client --------------------------------------------------------------------


def test_client_returns_the_record(national_settings):
    record = NationalDataClient().get_citizen(LAN)
    assert record["full_name"] == "Nguyễn Thị Lan"
    assert record["verified"] is True


def test_client_ignores_spaces_in_the_number(national_settings):
    with NationalDataClient() as client:
        assert client.get_citizen(" 001 190 012 345 ")["identification_number"] == LAN


def test_client_signs_each_request_afresh(national_settings):
    client = NationalDataClient()
    assert client.get_citizen(LAN) == client.get_citizen(LAN)


def test_client_rejects_a_malformed_number_without_calling(national_settings):
    with pytest.raises(ValueError, match="12 digits"):
        NationalDataClient().get_citizen("00119001234")


def test_client_raises_record_not_found(national_settings):
    with pytest.raises(RecordNotFound):
        NationalDataClient().get_citizen(UNKNOWN)


def _assert_no_personal_data(exc: Exception) -> None:
    assert LAN not in str(exc)
    assert exc.__cause__ is None
    assert exc.__suppress_context__ or exc.__context__ is None


def test_client_raises_source_unavailable_when_the_service_is_down(population_down):
    client = NationalDataClient(base_url=population_down.url)
    with pytest.raises(SourceUnavailable, match="HTTP 503") as excinfo:
        client.get_citizen(LAN)
    _assert_no_personal_data(excinfo.value)


def test_client_raises_source_unavailable_on_a_closed_port(settings):
    client = NationalDataClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(SourceUnavailable, match="connection failed") as excinfo:
        client.get_citizen(LAN)
    _assert_no_personal_data(excinfo.value)


def test_client_raises_source_unavailable_on_timeout(national_services_factory, settings):
    services = national_services_factory(NATIONAL_MOCKS_DELAY_MS="1500")
    client = NationalDataClient(base_url=services.url, timeout=0.3)
    with pytest.raises(SourceUnavailable, match="timeout") as excinfo:
        client.get_citizen(LAN)
    _assert_no_personal_data(excinfo.value)


def test_client_raises_source_unavailable_when_the_signature_is_refused(national_settings):
    client = NationalDataClient(client_secret="not-the-secret")
    with pytest.raises(SourceUnavailable, match="401 bad_signature") as excinfo:
        client.get_citizen(LAN)
    _assert_no_personal_data(excinfo.value)
