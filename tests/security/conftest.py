"""Fixtures of the security tests: the API fuzzer's credentials."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from dossiers.models import Dossier
from interop import services as interop_services
from interop.models import ApiKey, ApiScope
from interop.selectors import key_hash

# --- the API fuzzer's credentials ------------------------------------------------------------

#: Fixed credentials, so that schemathesis can put them on the cases it builds before any
#: fixture runs: each API fuzz test stores them (a session and a key) in its own database.
API_KEY = "f0221234." + "k" * 43
SESSION_KEY = "fuzzofficersession" + "0" * 14


@dataclass
class ApiWorld:
    dossier: Dossier


@pytest.fixture
def api_world(submit, citizen_a, officer_hk, agency_hk, officer_login) -> ApiWorld:
    """A dossier of citizen A routed to Hoan Kiem; SESSION_KEY is the session of Hoan Kiem's
    officer, signed in with both factors; API_KEY a key of Hoan Kiem with every scope."""
    dossier = submit(citizen_a)
    client = Client()
    officer_login(client, officer_hk)
    session = SessionStore()
    session.update(dict(client.session.items()))
    session._session_key = SESSION_KEY  # loading the data first: a new key would be drawn
    session.save(must_create=True)
    key, _raw = interop_services.api_key_create(
        agency=agency_hk, name="fuzzer", scopes=list(ApiScope.values)
    )
    prefix = API_KEY.partition(".")[0]
    ApiKey.objects.filter(pk=key.pk).update(prefix=prefix, key_hash=key_hash(API_KEY))
    return ApiWorld(dossier=dossier)
