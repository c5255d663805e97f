"""The S3-compatible object storage of production, as one function of the environment.

portal/settings/production.py makes `STORAGES["default"]` with it, and the integration test
(tests/integration/test_object_storage.py) makes the same storage pointed at CI's S3 server,
so that what the test proves is what production runs. Objects are private (ACL `private`,
only signed URLs, short-lived), never overwritten (a clash gets another name), and a store
that does not answer fails a request in seconds, not minutes.
"""

from __future__ import annotations

from typing import Any

import environ

S3_BACKEND = "storages.backends.s3.S3Storage"
#: a signed URL, if one is ever made, lives this long (documents are streamed by the views)
SIGNED_URL_SECONDS = 60


def s3_storage(env: environ.Env) -> dict[str, Any]:
    """`{"BACKEND": ..., "OPTIONS": ...}` from S3_BUCKET, S3_ACCESS_KEY_ID and
    S3_SECRET_ACCESS_KEY (required: no default) and the optional S3_ENDPOINT_URL, S3_REGION,
    S3_PREFIX, S3_ADDRESSING_STYLE, S3_CONNECT_TIMEOUT, S3_READ_TIMEOUT."""
    from botocore.config import Config

    return {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID"),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY"),
            "location": env.str("S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": SIGNED_URL_SECONDS,
            "file_overwrite": False,
            "client_config": Config(
                s3={"addressing_style": env.str("S3_ADDRESSING_STYLE", default="path")},
                signature_version="s3v4",
                connect_timeout=env.float("S3_CONNECT_TIMEOUT", default=3.0),
                read_timeout=env.float("S3_READ_TIMEOUT", default=20.0),
                retries={"mode": "standard", "max_attempts": 3},
            ),
        },
    }


def storage_unavailable(error: BaseException) -> bool:
    """Whether `error` says the object store did not answer or failed on its side (connection
    refused, timeout, a 5xx): the person can only try again later. A refusal by the store
    (a 4xx: a missing object, a wrong key) is a defect, not an outage, and is not one."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return int(status) >= 500
    return isinstance(error, BotoCoreError)
