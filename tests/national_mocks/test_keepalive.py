"""The mocked services keep HTTP/1.1 connections open, as the real registries do: every
complete answer has its length, so the server does not close the connection after it."""

import pytest
import requests

from prefill.national_client import NationalDataClient
from request_signing import sign_headers

LAN = "001190012345"


def assert_kept_alive(response: requests.Response) -> None:
    assert response.headers["Content-Length"] == str(len(response.content))
    assert response.headers.get("Connection", "").lower() != "close"


def test_the_health_page_keeps_the_connection_open(national_services):
    with requests.Session() as session:
        for _ in range(2):
            response = session.get(f"{national_services.url}/health", timeout=5)
            assert response.status_code == 200
            assert_kept_alive(response)


@pytest.mark.parametrize(
    "path",
    [
        f"/population/v1/citizens/{LAN}",
        f"/insurance/v1/people/{LAN}",
        f"/transport/v1/people/{LAN}/driving-licences",
        "/population/v1/citizens/001099999999",  # a 404 too
    ],
)
def test_signed_registry_answers_keep_the_connection_open(national_services, path):
    client = NationalDataClient(
        base_url=national_services.url,
        client_id=national_services.data_client_id,
        client_secret=national_services.data_client_secret,
        session=requests.Session(),
    )
    with client:
        request = requests.Request("GET", national_services.url + path)
        prepared = client.session.prepare_request(request)
        prepared.headers.update(
            sign_headers(
                client_id=client.client_id,
                secret=client.client_secret,
                method="GET",
                path=prepared.path_url,
                body=b"",
            )
        )
        response = client.session.send(prepared, timeout=5)
    assert response.status_code in (200, 404)
    assert_kept_alive(response)
