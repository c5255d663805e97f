"""The portal's client methods for the other national registries, over real HTTP."""

import hashlib
import uuid

import pytest

from national_mocks import synthetic
from prefill.national_client import NationalDataClient, RecordNotFound, SourceUnavailable
from tests.fixtures_mocks import free_port

LAN = "001190012345"
HUNG = "079085001122"
DEMO_ENTERPRISE = "0312345673"
UNKNOWN = "001099999999"
PDF = b"%PDF-1.4\nclient test\n%%EOF\n"


@pytest.fixture
def client(national_settings):
    with NationalDataClient() as client:
        yield client


def test_enterprise_methods(client):
    enterprise = client.get_enterprise("0312-345-673")
    assert enterprise["enterprise_code"] == DEMO_ENTERPRISE
    assert client.get_enterprises_of_representative(HUNG)[0]["name"] == enterprise["name"]
    assert client.get_enterprises_of_representative(LAN) == []


def test_insurance_and_transport_methods(client):
    person = next(
        p
        for p in map(synthetic.person_by_index, range(1000))
        if synthetic.vehicles(synthetic.population_record(p))
    )
    number = person["identification_number"]
    assert client.get_insurance(number)["identification_number"] == number
    assert client.get_vehicles(number)
    assert client.get_driving_licences(number)[0]["classes"]


def test_document_methods(client):
    documents = client.list_documents(LAN)
    first = documents[0]
    assert client.get_document(LAN, first["document_id"])["download_url"].endswith("/content")
    content = client.get_document_content(LAN, first["document_id"])
    assert hashlib.sha256(content).hexdigest() == first["sha256"]

    key = f"client-{uuid.uuid4()}"
    document_id = client.store_document(
        LAN, content=PDF, title="Trích lục", result_code="KQ-GKS", issued_date="2026-01-05",
        idempotency_key=key,
    )  # fmt: skip
    assert client.store_document(
        LAN, content=PDF, title="Trích lục", result_code="KQ-GKS", issued_date="2026-01-05",
        idempotency_key=key,
    ) == document_id  # fmt: skip
    assert client.get_document_content(LAN, document_id) == PDF
    with pytest.raises(ValueError, match="idempotency_key_reused"):
        client.store_document(
            LAN, content=PDF, title="Other", issued_date="2026-01-05", idempotency_key=key
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_enterprise("0000000000"),
        lambda c: c.get_enterprises_of_representative(UNKNOWN),
        lambda c: c.get_insurance(UNKNOWN),
        lambda c: c.get_vehicles(UNKNOWN),
        lambda c: c.get_driving_licences(UNKNOWN),
        lambda c: c.list_documents(UNKNOWN),
        lambda c: c.get_document(LAN, "EDOC-00000000000000000000"),
        lambda c: c.get_document_content(LAN, "EDOC-00000000000000000000"),
        lambda c: c.store_document(
            UNKNOWN, content=PDF, title="x", issued_date="2026-01-05", idempotency_key="k" * 10
        ),
    ],
)
def test_unknown_records_raise_record_not_found_without_personal_data(client, call):
    with pytest.raises(RecordNotFound) as info:
        call(client)
    assert UNKNOWN not in str(info.value)
    assert "0000000000" not in str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_enterprise("12345"),
        lambda c: c.get_insurance("12345"),
        lambda c: c.get_vehicles("abc"),
        lambda c: c.list_documents("1"),
        lambda c: c.get_document(LAN, "../x"),
    ],
)
def test_malformed_input_raises_value_error_without_calling(settings, call):
    settings.NATIONAL_SERVICES_URL = f"http://127.0.0.1:{free_port()}"
    with NationalDataClient() as client, pytest.raises(ValueError, match=r"digit|malformed"):
        call(client)


def test_down_services_raise_source_unavailable(national_services_factory, settings):
    services = national_services_factory(
        NATIONAL_MOCKS_DOWN="business,insurance,vehicles,edocuments"
    )
    settings.NATIONAL_SERVICES_URL = services.url
    settings.PREFILL_CLIENT_ID = services.data_client_id
    settings.PREFILL_CLIENT_SECRET = services.data_client_secret
    with NationalDataClient() as client:
        for call, service in [
            (lambda: client.get_enterprise(DEMO_ENTERPRISE), "business"),
            (lambda: client.get_insurance(LAN), "insurance"),
            (lambda: client.get_vehicles(LAN), "vehicles"),
            (lambda: client.get_driving_licences(LAN), "vehicles"),
            (lambda: client.list_documents(LAN), "edocuments"),
        ]:
            with pytest.raises(SourceUnavailable, match=f"^{service}: unexpected answer HTTP 503"):
                call()
        assert client.get_citizen(LAN)["identification_number"] == LAN


def test_closed_port_and_refused_signature(settings, national_settings):
    with NationalDataClient(client_secret="wrong") as client:
        with pytest.raises(SourceUnavailable, match="refused") as info:
            client.get_insurance(LAN)
        assert LAN not in str(info.value)
    with NationalDataClient(base_url=f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(SourceUnavailable, match="connection failed"):
            client.list_documents(LAN)
