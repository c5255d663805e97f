"""Schemathesis over the committed schema (docs/api/openapi.yaml): every operation, run
in-process against the portal's WSGI application, answers as its schema says.

All of schemathesis's checks run (not_a_server_error, status_code_conformance,
content_type_conformance, response_headers_conformance, response_schema_conformance,
negative_data_rejection, positive_data_acceptance, missing_required_header,
unsupported_method, allow_header_conformance, use_after_free, ensure_resource_availability,
ignored_auth, object_level_authorization) on schema-valid and schema-violating requests,
MAX_EXAMPLES per operation, derandomized (a fixed seed), so that CI sends the same requests
every time. The back-office API is called with a verified
officer's session, the interop API with an API key of every scope (tests/security/conftest.py).

No NUL character is generated: OpenAPI cannot say "any text but NUL", and every operation
answers one with the documented 400 of portal.middleware.RefuseNulMiddleware (the page
fuzzer, tests/security/test_page_fuzz.py, sends NUL everywhere, the API included).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings as django_settings
from hypothesis import HealthCheck, settings

from tests.conftest import pdf_upload
from tests.security.conftest import API_KEY, SESSION_KEY
from tests.security.wsgi import InProcessApp

pytestmark = pytest.mark.django_db

SCHEMA_PATH = django_settings.BASE_DIR / "docs" / "api" / "openapi.yaml"
#: examples per operation (positive and negative together)
MAX_EXAMPLES = 50

schema = schemathesis.openapi.from_path(SCHEMA_PATH)
schema.app = InProcessApp()
schema.config.generation.update(allow_x00=False, deterministic=True)


@schema.auth(refresh_interval=None, retry_on=[])
class WorldAuth:
    """The credentials of each operation's security scheme: the officer's session cookie for
    cookieAuth, the API key for apiKeyAuth (schemathesis's ignored_auth check then also tries
    each operation without them and with wrong ones)."""

    def get(self, case, context):
        return {"session": SESSION_KEY, "api_key": API_KEY}

    def set(self, case, data, context):
        security = case.operation.definition.raw.get("security") or []
        schemes = {name for requirement in security for name in requirement}
        if "apiKeyAuth" in schemes:
            case.headers = {**(case.headers or {}), "Authorization": f"Api-Key {data['api_key']}"}
        if "cookieAuth" in schemes:
            case.cookies = {**(case.cookies or {}), "sessionid": data["session"]}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, api_world):
    case.call_and_validate()


def test_known_good_requests_answer_as_the_schema_says(api_world):
    """Generated values seldom name a real dossier: the success of each operation, with the
    world's own codes, is checked against its schema too."""
    dossier = api_world.dossier
    last4 = dossier.applicant_personal_id[-4:]

    def call(path: str, method: str, **kwargs):
        case = schema[path][method].Case(**kwargs)
        schema.auth.set(case, None)  # as on generated cases (the credentials are explicit)
        return case.call_and_validate()

    assert call("/api/procedures/", "GET", query={"q": "khai sinh"}).status_code == 200
    assert call("/api/procedures/", "GET", query={"level": 3, "page": 1}).status_code == 200
    assert call("/api/procedures/{code}/", "GET", path_parameters={"code": "1.001193"}).status_code == 200  # fmt: skip
    tracked = call(
        "/api/tracking/", "POST", body={"code": dossier.code, "id_last4": last4},
        media_type="application/json",
    )  # fmt: skip
    assert tracked.status_code == 200
    assert call("/api/backoffice/dossiers/", "GET").status_code == 200
    code = {"code": dossier.code}
    assert call("/api/backoffice/dossiers/{code}/", "GET", path_parameters=code).status_code == 200
    assert call("/api/interop/dossiers/", "GET", query={"status": 1}).status_code == 200
    detail = call("/api/interop/dossiers/{code}/", "GET", path_parameters=code)
    assert detail.status_code == 200
    link = detail.json()["attachments"][0]["download"]["url"]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    attachment = call("/api/interop/attachments/{token}", "GET", path_parameters={"token": token})
    assert attachment.status_code == 200
    for status in ("received", "processing"):
        pushed = call(
            "/api/interop/dossiers/{code}/status", "POST", path_parameters=code,
            body={"status": status}, media_type="application/json",
        )  # fmt: skip
        assert pushed.status_code == 200
    upload = call(
        "/api/interop/dossiers/{code}/result", "POST", path_parameters=code,
        body={"file": pdf_upload().read(), "result_number": "12/2026"},
        media_type="multipart/form-data",
    )  # fmt: skip
    assert upload.status_code == 200
    back = call(
        "/api/interop/dossiers/{code}/status", "POST", path_parameters=code,
        body={"status": "received"}, media_type="application/json",
    )  # fmt: skip
    assert back.status_code == 409  # the state machine refuses: the documented conflict
