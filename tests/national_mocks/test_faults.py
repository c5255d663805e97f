"""Fault injection of the mocked national services: a delay per service."""

import time

import pytest

from national_mocks.config import Config, parse_service_delays
from prefill.national_client import NationalDataClient

LAN = "001190012345"


def test_without_service_delays_every_service_has_the_global_delay():
    config = Config.from_env({"NATIONAL_MOCKS_DELAY_MS": "40"})
    assert config.service_delays == {}
    assert [config.delay_for(s) for s in ("population", "insurance", "sso")] == [40, 40, 40]


def test_service_delays_replace_the_global_delay_for_the_services_named():
    config = Config.from_env(
        {
            "NATIONAL_MOCKS_DELAY_MS": "5",
            "NATIONAL_MOCKS_SERVICE_DELAYS": " population:150 , vehicles:0,insurance:150,",
        }
    )
    assert config.service_delays == {"population": 150, "vehicles": 0, "insurance": 150}
    assert config.delay_for("population") == 150
    assert config.delay_for("vehicles") == 0
    assert config.delay_for("business") == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("populaton:150", "unknown service 'populaton'"),
        ("population", "not service:milliseconds"),
        ("population:fast", "not service:milliseconds"),
        ("population:-5", "not service:milliseconds"),
        ("population:1.5", "not service:milliseconds"),
    ],
)
def test_a_malformed_service_delay_is_refused_with_the_reason(text, message):
    with pytest.raises(ValueError, match=message):
        parse_service_delays(text)


def test_each_service_sleeps_its_own_delay_over_http(national_services_factory):
    services = national_services_factory(NATIONAL_MOCKS_SERVICE_DELAYS="population:800")
    client = NationalDataClient(
        base_url=services.url,
        client_id=services.data_client_id,
        client_secret=services.data_client_secret,
        timeout=5,
    )
    started = time.monotonic()
    assert client.get_citizen(LAN)["identification_number"] == LAN
    population_seconds = time.monotonic() - started
    started = time.monotonic()
    assert client.get_insurance(LAN)["identification_number"] == LAN
    insurance_seconds = time.monotonic() - started
    assert population_seconds >= 0.8  # a lower bound: true however loaded the machine is
    # the insurance service did not sleep the population's 800 ms (compared with the delayed
    # call, not with a fixed bound: on a loaded machine an undelayed call can take 0.8 s)
    assert insurance_seconds < population_seconds
