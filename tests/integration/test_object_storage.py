"""Files in S3-compatible object storage, as production keeps them (issue 12, stateless nodes).

The default storage is made by `portal.object_storage.s3_storage`, the function production's
settings use, pointed at the S3 server of S3_ENDPOINT_URL (`.ci/run` starts moto's standalone
server; docker-compose.yml runs MinIO), under a prefix of its own per test. A person's upload
goes through the real wizard over the test client: it waits in the draft as an object, becomes
the dossier's attachment at submission (the draft's object removed), and is streamed back
through the access-checked download views, to the officer and not to another citizen. Nothing
is written under MEDIA_ROOT. Skipped, with the reason, when no S3 server is configured:

    uv run moto_server -H 127.0.0.1 -p 9390 &
    S3_ENDPOINT_URL=http://127.0.0.1:9390 S3_BUCKET=portal-test S3_REGION=ap-southeast-1 \
    S3_ACCESS_KEY_ID=test-key S3_SECRET_ACCESS_KEY=test-secret \
    DATABASE_URL=postgres://... REDIS_URL=redis://... \
    uv run pytest tests/integration/test_object_storage.py -m integration
"""

from __future__ import annotations

import functools
import os
import uuid

import environ
import pytest
from django.urls import reverse

from tests.conftest import PDF_BYTES, assert_safe_download
from tests.dossiers.test_wizard import (
    ATTACHMENT_FILE,
    DRAFT_FILE,
    _draft_files,
    _finish,
    _walk_to_documents,
)
from tests.dossiers.wizard_steps import post, start

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

S3_VARIABLES = ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")


@functools.cache
def s3_unavailable_reason() -> str | None:
    missing = [name for name in S3_VARIABLES if not os.environ.get(name)]
    if missing:
        return f"no S3 server configured ({', '.join(missing)} unset; .ci/run starts one)"
    try:
        _client().list_buckets()
    except Exception as exc:
        return f"the S3 server at S3_ENDPOINT_URL does not answer ({type(exc).__name__}: {exc})"
    return None


def _client():
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT_URL"],
        region_name=os.environ.get("S3_REGION") or "us-east-1",
        aws_access_key_id=os.environ["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["S3_SECRET_ACCESS_KEY"],
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}),
    )


class Bucket:
    """The objects under this test's prefix, read with a client of its own."""

    def __init__(self, name: str, prefix: str) -> None:
        self.name, self.prefix, self.client = name, prefix, _client()

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=f"{self.prefix}/")
        return sorted(
            item["Key"].removeprefix(f"{self.prefix}/") for item in listing.get("Contents", [])
        )

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=f"{self.prefix}/{key}")["Body"].read()

    def grants(self, key: str) -> list[dict]:
        return self.client.get_object_acl(Bucket=self.name, Key=f"{self.prefix}/{key}")["Grants"]


@pytest.fixture
def bucket(settings, monkeypatch) -> Bucket:
    """The default storage as in production, on the S3 server, under a fresh prefix."""
    reason = s3_unavailable_reason()
    if reason:
        pytest.skip(f"object storage: {reason}")
    from portal.object_storage import s3_storage

    name = os.environ["S3_BUCKET"]
    client = _client()
    try:
        client.head_bucket(Bucket=name)
    except client.exceptions.ClientError:
        region = os.environ.get("S3_REGION") or "us-east-1"
        extra = {} if region == "us-east-1" else {"LocationConstraint": region}
        client.create_bucket(Bucket=name, **({"CreateBucketConfiguration": extra} if extra else {}))
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("S3_PREFIX", prefix)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(environ.Env())}
    return Bucket(name, prefix)


@pytest.fixture
def setup(
    client, settings, national_settings, hanoi, hoan_kiem, agency_hk, birth_version, citizen_a
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return citizen_a


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _local_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def test_an_upload_goes_through_the_bucket_and_downloads_only_through_the_checked_view(
    client,
    setup,
    bucket,
    settings,
    officer_hk,
    officer_login,
    citizen_b,
    django_capture_on_commit_callbacks,
):
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from storages.backends.s3 import S3Storage

    from dossiers.wizard import EFormWizard

    assert isinstance(default_storage, S3Storage)
    assert EFormWizard.file_storage is default_storage  # the draft uploads go there too
    content = PDF_BYTES + b"\n% " + uuid.uuid4().hex.encode()  # this test's own bytes
    client.force_login(setup)
    url = start(client)
    _walk_to_documents(client, url)
    upload = SimpleUploadedFile("Giấy chứng sinh.pdf", content, content_type="application/pdf")
    assert post(client, url, "documents", {}, {"gcs": upload}).status_code == 302

    # the draft's upload is an object, under a name the server made, private
    (stored,) = _draft_files().values()
    assert DRAFT_FILE.fullmatch(stored["tmp_name"])
    assert bucket.keys() == [stored["tmp_name"]]
    assert bucket.read(stored["tmp_name"]) == content
    assert [grant["Permission"] for grant in bucket.grants(stored["tmp_name"])] == ["FULL_CONTROL"]
    # the draft resumes from the bucket (another node would read it the same way)
    documents_page = client.get(url + "documents/").content.decode()
    assert "File already uploaded: <strong>Giấy chứng sinh.pdf</strong>" in documents_page

    with django_capture_on_commit_callbacks(execute=True):  # routing to the agency
        dossier = _finish(client, url, "Giấy chứng sinh.pdf")
    attachment = dossier.attachments.get()
    assert ATTACHMENT_FILE.fullmatch(attachment.file.name)
    # the draft's object is gone; beside the attachment, the signed receipt the submission's
    # e-mail carried is kept, once, for the downloads (portal.signed_documents)
    (receipt,) = [key for key in bucket.keys() if key != attachment.file.name]
    assert receipt.startswith(f"documents/{dossier.code}/")
    assert bucket.read(receipt).startswith(b"%PDF")
    assert sorted(bucket.keys()) == sorted([attachment.file.name, receipt])
    assert bucket.read(attachment.file.name) == content
    for key in (attachment.file.name, receipt):
        grants = bucket.grants(key)
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
        assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers, no group
    assert _local_files(settings) == []  # nothing on this node's disk

    download = reverse("backoffice:attachment", args=[dossier.code, attachment.pk])
    officer_login(client, officer_hk)
    response = client.get(download)
    assert_safe_download(response, "application/pdf", "Giấy chứng sinh.pdf")
    assert _body(response) == content
    # a citizen who is not the applicant learns nothing: not the file, not that it exists
    client.logout()
    client.force_login(citizen_b)
    assert client.get(download).status_code in (302, 403, 404)
    # a signed URL, were one made, expires within a minute
    assert default_storage.querystring_expire <= 60


def test_a_result_is_stored_in_the_bucket_and_streamed_to_the_applicant_only(
    client, bucket, settings, submit, citizen_a, citizen_b, officer_hk, agency_hk, agency_bd
):
    from dossiers.services import dossier_issue_result, dossier_receive, dossier_start_processing

    dossier = submit(citizen_a)
    dossier = dossier_receive(dossier=dossier, officer=officer_hk, agency=agency_hk)
    dossier = dossier_start_processing(dossier=dossier, officer=officer_hk, agency=agency_hk)
    issued = dossier_issue_result(dossier=dossier, officer=officer_hk, agency=agency_hk)
    assert issued.result_file.name in bucket.keys()
    stored = bucket.read(issued.result_file.name)
    assert stored.startswith(b"%PDF")

    client.force_login(citizen_a)
    response = client.get(reverse("dossiers:result", args=[issued.code]))
    assert_safe_download(response, "application/pdf", f"{issued.code}-result.pdf")
    assert _body(response) == stored
    client.logout()
    client.force_login(citizen_b)
    assert client.get(reverse("dossiers:result", args=[issued.code])).status_code == 404
