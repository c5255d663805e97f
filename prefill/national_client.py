"""The portal's client of the national data exchange platform.

Registries: population database, business registration, social/health insurance, vehicles
and driving licences, and the citizens' and businesses' e-document store (docs/national-mocks.md).

Every request is signed with the scheme of `request_signing` (HMAC-SHA256, client id,
timestamp, nonce): the one implementation both sides use. Errors never carry personal data:
messages name the service and the failure only, and the original exception (whose text can
contain the URL, hence the identification number) is not chained.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from request_signing import sign_headers

SERVICE = "population"
CITIZEN_PATH = "/population/v1/citizens/{identification_number}"
_ID_RE = re.compile(r"[0-9]{12}")
_ENTERPRISE_RE = re.compile(r"[0-9]{10}|[0-9]{13}")
_DOCUMENT_ID_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


_local = threading.local()


def thread_session() -> requests.Session:
    """This thread's HTTP session: its connections are kept open and reused (keep-alive), so a
    lookup does not pay a new TCP (and, in production, TLS) handshake. One per thread because a
    Session is not thread-safe; cookies are refused, so nothing an answer sets can travel to
    another person's lookup."""
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None or getattr(_local, "pid", None) != os.getpid():
        # (a new process, e.g. a forked Celery child, never shares its parent's sockets)
        session = requests.Session()
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        _local.session, _local.pid = session, os.getpid()
    return session


class NationalDataError(Exception):
    """Base class; the message is safe to log (no personal data)."""


class RecordNotFound(NationalDataError):
    """The registry answered that it holds no such record (404)."""


class SourceUnavailable(NationalDataError):
    """The registry could not answer: timeout, connection error, 5xx, refused signature."""


class NationalDataClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = (base_url or settings.NATIONAL_SERVICES_URL).rstrip("/")
        self.client_id = client_id or settings.PREFILL_CLIENT_ID
        self.client_secret = client_secret or settings.PREFILL_CLIENT_SECRET
        self.timeout = settings.PREFILL_TIMEOUT_SECONDS if timeout is None else timeout
        # Without a session of its own, the client uses its thread's (kept across clients).
        self._owns_session = session is not None
        self.session = session if session is not None else thread_session()

    def close(self) -> None:
        """Close a session given to the client; the thread's session stays open for reuse."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> NationalDataClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_citizen(self, identification_number: str) -> dict[str, Any]:
        """The population-database record of a 12-digit identification number.

        Spaces are ignored; anything else than 12 digits raises ValueError (validate first).
        """
        number = _identification_number(identification_number)
        path = CITIZEN_PATH.format(identification_number=quote(number, safe=""))
        record = self._get_json(path)
        if record.get("identification_number") != number:
            raise SourceUnavailable(f"{SERVICE}: the registry answered with another record")
        return record

    # --- business registration ----------------------------------------------------------------

    def get_enterprise(self, enterprise_code: str) -> dict[str, Any]:
        """An enterprise (10 digits) or a branch (13 digits, "-" allowed) by its tax code."""
        code = re.sub(r"[\s-]+", "", enterprise_code)
        if not _ENTERPRISE_RE.fullmatch(code):
            raise ValueError("an enterprise code has 10 or 13 digits")
        record = self._get_json(f"/business/v1/enterprises/{code}", service="business")
        if record.get("enterprise_code") != code:
            raise SourceUnavailable("business: the registry answered with another record")
        return record

    def get_enterprises_of_representative(self, identification_number: str) -> list[dict[str, Any]]:
        """The enterprises whose legal representative is this person (maybe none)."""
        number = _identification_number(identification_number)
        data = self._get_json(
            f"/business/v1/representatives/{number}/enterprises", service="business"
        )
        return _list_of(data, "enterprises", "business")

    # --- insurance, transport -----------------------------------------------------------------

    def get_insurance(self, identification_number: str) -> dict[str, Any]:
        """Social insurance number, health insurance card, registered hospital, household."""
        number = _identification_number(identification_number)
        record = self._get_json(f"/insurance/v1/people/{number}", service="insurance")
        if record.get("identification_number") != number:
            raise SourceUnavailable("insurance: the registry answered with another record")
        return record

    def get_vehicles(self, identification_number: str) -> list[dict[str, Any]]:
        number = _identification_number(identification_number)
        data = self._get_json(f"/transport/v1/people/{number}/vehicles", service="vehicles")
        return _list_of(data, "vehicles", "vehicles")

    def get_driving_licences(self, identification_number: str) -> list[dict[str, Any]]:
        number = _identification_number(identification_number)
        data = self._get_json(f"/transport/v1/people/{number}/driving-licences", service="vehicles")
        return _list_of(data, "driving_licences", "vehicles")

    # --- e-document store ---------------------------------------------------------------------

    def list_documents(self, owner: str) -> list[dict[str, Any]]:
        """Metadata of the documents in the store of a citizen (12 digits) or business."""
        data = self._get_json(_documents_path(owner), service="edocuments")
        return _list_of(data, "documents", "edocuments")

    def get_document(self, owner: str, document_id: str) -> dict[str, Any]:
        """One document's metadata, with its `download_url`."""
        return self._get_json(_document_path(owner, document_id), service="edocuments")

    def get_document_content(self, owner: str, document_id: str) -> bytes:
        """The document's bytes, checked against the SHA-256 the store announces."""
        response = self._send(
            "GET", _document_path(owner, document_id) + "/content", service="edocuments"
        )
        content = response.content
        announced = response.headers.get("X-Content-SHA256")
        if announced and announced != hashlib.sha256(content).hexdigest():
            raise SourceUnavailable("edocuments: the content does not match its checksum")
        return content

    def store_document(
        self,
        owner: str,
        *,
        content: bytes,
        title: str,
        idempotency_key: str,
        result_code: str = "",
        issuing_agency: str = "",
        issued_date: str = "",
        dossier_code: str = "",
        content_type: str = "application/pdf",
        verified: bool = False,
    ) -> str:
        """Store a document (e.g. a dossier's result); return its id.

        Idempotent: sending again with the same `idempotency_key` returns the same id; the
        same key with other metadata or content raises ValueError (HTTP 409).
        """
        body = json.dumps(
            {
                "idempotency_key": idempotency_key,
                "result_code": result_code,
                "title": title,
                "issuing_agency": issuing_agency,
                "issued_date": issued_date,
                "dossier_code": dossier_code,
                "content_type": content_type,
                "verified": verified,
                "content_base64": base64.b64encode(content).decode("ascii"),
            },
            ensure_ascii=False,
        ).encode()
        response = self._send(
            "POST", _documents_path(owner), service="edocuments", body=body, accept=(200, 201)
        )
        data = _json_object(response, "edocuments")
        document_id = data.get("document_id")
        if not isinstance(document_id, str) or not document_id:
            raise SourceUnavailable("edocuments: the answer has no document id")
        return document_id

    def revoke_document(
        self, owner: str, document_id: str, *, reason: str, replaced_by_dossier_code: str = ""
    ) -> dict[str, Any]:
        """Mark a document the portal stored as revoked by its issuer (the store keeps it,
        flagged, so it is no longer offered for reuse). Idempotent; only the client that
        stored a document may revoke it (403 otherwise)."""
        body = json.dumps(
            {"reason": reason, "replaced_by_dossier_code": replaced_by_dossier_code},
            ensure_ascii=False,
        ).encode()
        response = self._send(
            "POST",
            _document_path(owner, document_id) + "/revocation",
            service="edocuments",
            body=body,
        )
        return _json_object(response, "edocuments")

    # --- transport ------------------------------------------------------------------------------

    def _get_json(self, path: str, service: str = SERVICE) -> dict[str, Any]:
        return _json_object(self._send("GET", path, service=service), service)

    def _send(
        self,
        method: str,
        path: str,
        *,
        service: str,
        body: bytes = b"",
        accept: tuple[int, ...] = (200,),
    ) -> requests.Response:
        headers = {"Content-Type": "application/json"} if body else {}
        request = requests.Request(method, self.base_url + path, data=body or None, headers=headers)
        prepared = self.session.prepare_request(request)
        prepared.headers.update(
            sign_headers(
                client_id=self.client_id,
                secret=self.client_secret,
                method=method,
                path=prepared.path_url,
                body=body,
            )
        )
        try:
            response = self.session.send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise SourceUnavailable(f"{service}: timeout after {self.timeout:g} s") from None
        except requests.ConnectionError:
            raise SourceUnavailable(f"{service}: connection failed") from None
        except requests.RequestException as exc:
            raise SourceUnavailable(f"{service}: request failed ({type(exc).__name__})") from None

        if response.status_code == 404:
            raise RecordNotFound(f"{service}: no such record")
        if response.status_code in (401, 403):
            raise SourceUnavailable(
                f"{service}: request refused ({response.status_code} {_reason(response)})"
            )
        if response.status_code in (400, 409):
            raise ValueError(f"{service}: request rejected ({_error(response)})")
        if response.status_code not in accept:
            raise SourceUnavailable(f"{service}: unexpected answer HTTP {response.status_code}")
        return response


def _identification_number(value: str) -> str:
    number = re.sub(r"\s+", "", value)
    if not _ID_RE.fullmatch(number):
        raise ValueError("an identification number has 12 digits")
    return number


def _owner(value: str) -> str:
    owner = re.sub(r"[\s-]+", "", value)
    if not (_ID_RE.fullmatch(owner) or _ENTERPRISE_RE.fullmatch(owner)):
        raise ValueError("an owner is a 12-digit identification number or a 10/13-digit tax code")
    return owner


def _documents_path(owner: str) -> str:
    return f"/documents/v1/owners/{_owner(owner)}/documents"


def _document_path(owner: str, document_id: str) -> str:
    if not _DOCUMENT_ID_RE.fullmatch(document_id):
        raise ValueError("malformed document id")
    return f"{_documents_path(owner)}/{quote(document_id, safe='')}"


def _json_object(response: requests.Response, service: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise SourceUnavailable(f"{service}: the answer is not JSON") from None
    if not isinstance(data, dict):
        raise SourceUnavailable(f"{service}: the answer is not a JSON object")
    return data


def _list_of(data: dict[str, Any], key: str, service: str) -> list[dict[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SourceUnavailable(f"{service}: the answer has no list of {key}")
    return items


def _error(response: requests.Response) -> str:
    """The service's short error code (never echoed personal data)."""
    try:
        data = response.json()
        code = data.get("reason") or data.get("error") or ""
    except (ValueError, AttributeError):
        return "no reason given"
    return code if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,40}", code) else "?"


def _reason(response: requests.Response) -> str:
    """The platform's refusal reason, if it is one of its short codes."""
    try:
        reason = response.json().get("reason", "")
    except (ValueError, AttributeError):
        return "no reason given"
    return reason if isinstance(reason, str) and re.fullmatch(r"[a-z_]{1,40}", reason) else "?"
