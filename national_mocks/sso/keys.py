"""The SSO's RSA signing key: one PEM file shared by restarts and workers."""

from __future__ import annotations

import contextlib
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

from ..config import CONFIG

ALGORITHM = "RS256"
KEY_SIZE = 2048


def _create(path: Path) -> None:
    """Write a new key unless another process did first; readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = RSAKey.generate_key(KEY_SIZE, private=True).as_pem(private=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mock-sso-key-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another worker won the race
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


@cache
def signing_key() -> RSAKey:
    path = Path(CONFIG.sso_key_file)
    if not path.exists():
        _create(path)
    key = RSAKey.import_key(path.read_bytes())
    if not key.is_private:
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def kid() -> str:
    return signing_key().thumbprint()


def public_jwk() -> dict[str, Any]:
    return {
        **signing_key().as_dict(private=False),
        "kid": kid(),
        "alg": ALGORITHM,
        "use": "sig",
    }


def jwks() -> dict[str, Any]:
    return {"keys": [public_jwk()]}
