"""The object store down (production's S3 bucket not answering) while a person uploads: a
clear page in their language, a 503, and the draft keeps what they entered (issue 12)."""

from __future__ import annotations

import socket

import environ
import pytest
from django.urls import reverse

from dossiers.models import FormDraft
from tests.conftest import pdf_upload
from tests.dossiers.test_wizard import _walk_to_documents
from tests.dossiers.wizard_steps import CHILD, post, start

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def store_down(settings, monkeypatch):
    """The default storage as in production, on an S3 endpoint where nothing listens."""
    from portal.object_storage import s3_storage

    for name, value in {
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}",
        "S3_BUCKET": "portal-documents",
        "S3_REGION": "ap-southeast-1",
        "S3_ACCESS_KEY_ID": "portal",
        "S3_SECRET_ACCESS_KEY": "not-used-nothing-answers",
        "S3_CONNECT_TIMEOUT": "0.5",
    }.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(environ.Env())}


@pytest.fixture
def setup(
    client, settings, national_settings, hanoi, hoan_kiem, agency_hk, birth_version, citizen_a
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    return citizen_a


def test_an_upload_while_the_store_is_down_says_so_in_vietnamese_and_keeps_the_draft(
    client, setup, store_down
):
    client.force_login(setup)
    url = start(client)
    _walk_to_documents(client, url)
    response = post(client, url, "documents", {}, {"gcs": pdf_upload()})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Chưa lưu được giấy tờ của bạn" in page
    assert "bản nháp của bạn đã được lưu" in page
    assert "Traceback" not in page
    draft = FormDraft.objects.get()
    # every answer given before the upload is kept, the file is not (nothing was stored)
    assert draft.storage["step_data"]["child"]["child-full_name"] == [CHILD["full_name"]]
    assert "commune" in draft.storage["step_data"]
    assert not draft.storage["step_files"].get("documents")
    # the person comes back to the documents step, the earlier answers still there
    again = client.get(url, follow=True)
    assert again.status_code == 200
    assert 'name="documents-gcs"' in again.content.decode()
    review_of_child = client.get(url + "child/").content.decode()
    assert "Trần" in review_of_child


def test_a_store_that_refuses_is_a_defect_not_an_outage():
    from botocore.exceptions import ClientError, EndpointConnectionError

    from portal.object_storage import storage_unavailable

    def client_error(status: int) -> ClientError:
        return ClientError(
            {"Error": {"Code": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject"
        )

    assert storage_unavailable(EndpointConnectionError(endpoint_url="http://s3"))
    assert storage_unavailable(client_error(503))
    assert not storage_unavailable(client_error(403))
    assert not storage_unavailable(client_error(404))
    assert not storage_unavailable(ValueError("x"))


def test_the_api_gets_json(rf):
    from botocore.exceptions import EndpointConnectionError

    from portal.middleware import StorageUnavailableMiddleware

    middleware = StorageUnavailableMiddleware(lambda request: None)
    request = rf.post("/api/v1/anything")
    response = middleware.process_exception(request, EndpointConnectionError(endpoint_url="x"))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert middleware.process_exception(request, ValueError("x")) is None
    assert reverse("portal:home")  # the urls load with the middleware installed
