"""Fixtures of the interop tests: agency_hk marked external, pointed at the mock ministry."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.utils import timezone

from interop import services
from interop.models import ApiScope, Delivery

MINISTRY_SECRET = "demo-ministry-webhook-secret"  # the mock's default
SCHEDULE = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600]


def make_external(agency, *, url: str, secret: str = MINISTRY_SECRET):
    agency.is_external = True
    agency.webhook_url = url
    agency.webhook_secret = secret
    agency.email = "ministry-it@example.vn"
    agency.save()
    return agency


@pytest.fixture(autouse=True)
def _no_jitter(settings):
    """Exact delays; the jitter itself has its own test."""
    settings.INTEROP_WEBHOOK_JITTER = 0
    settings.INTEROP_WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def ministry_url(national_services) -> str:
    return f"{national_services.url}/ministry/v1/dossiers"


@pytest.fixture
def dossier(submit, citizen_a, agency_hk):
    """A birth registration routed to agency_hk (made external only afterwards, so that the
    routing hook, once there, does not deliver it by itself)."""
    return submit(citizen_a)


@pytest.fixture
def external_hk(agency_hk, ministry_url):
    return make_external(agency_hk, url=ministry_url)


@pytest.fixture
def delivery(dossier, external_hk) -> Delivery:
    """A delivery created now; its first attempt is left to the test (no on_commit run)."""
    return services.delivery_create(dossier=dossier, agency=external_hk)


def ministry_received(national_services, delivery_id) -> dict:
    response = requests.get(
        f"{national_services.url}/ministry/v1/received",
        params={"delivery": str(delivery_id)},
        timeout=5,
    )
    response.raise_for_status()
    return response.json()


def later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


@pytest.fixture
def api_key_factory(agency_hk):
    def make(*scopes: str, agency=None):
        key, raw = services.api_key_create(
            agency=agency or agency_hk, name="ministry system", scopes=list(scopes)
        )
        return key, raw

    return make


ALL_SCOPES = tuple(ApiScope.values)
