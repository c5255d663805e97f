"""Mocks of the other national registries behind the data exchange platform.

Every endpoint needs a signed request (`@require_signature`) and has its own fault-injection
service name (faults.SERVICES):

- "business": `GET /business/v1/enterprises/<10 or 13 digits>`,
  `GET /business/v1/representatives/<identification number>/enterprises`
- "insurance": `GET /insurance/v1/people/<identification number>`
- "vehicles": `GET /transport/v1/people/<id>/vehicles`, `.../driving-licences`
- "edocuments": `GET|POST /documents/v1/owners/<id>/documents`,
  `GET .../documents/<document id>`, `GET .../documents/<document id>/content`

People are the demo people (people.json, first) and the synthetic ones
(national_mocks.synthetic). Documents stored by POST live in this process's memory only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
from datetime import date
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import people, synthetic
from .config import CONFIG
from .exchange import require_signature
from .faults import national_service

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_STORED_DOCUMENTS = 10_000
CONTENT_TYPES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG",
}
_RESULT_CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,39}")
_KEY_RE = re.compile(r"[A-Za-z0-9_.:\-]{8,128}")
_DOC_ID_RE = re.compile(r"EDOC-[0-9A-F]{20}")


def _json(data: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    return response


def _not_found() -> JsonResponse:
    return _json({"error": "not_found"}, status=404)


def _bad_request(reason: str) -> JsonResponse:
    return _json({"error": "invalid_request", "reason": reason}, status=400)


# --- lookups ----------------------------------------------------------------------------------


def find_person(identification_number: str) -> dict[str, Any] | None:
    """The population record (with "verified"), demo people first, then synthetic ones."""
    person = people.by_identification_number(identification_number)
    if person is not None:
        return person.population_record()
    found = synthetic.person_by_id(identification_number)
    return synthetic.population_record(found) if found else None


@cache
def demo_enterprises() -> tuple[dict[str, Any], ...]:
    try:
        with open(CONFIG.enterprises_file, encoding="utf-8") as fh:
            return tuple(json.load(fh)["enterprises"])
    except FileNotFoundError:
        return ()


def find_enterprise(code: str) -> dict[str, Any] | None:
    """A 10-digit enterprise, or a 13-digit branch ("<parent>" + "001".."00n")."""
    for enterprise in demo_enterprises():
        if enterprise["enterprise_code"] == code:
            return json.loads(json.dumps(enterprise))
    if len(code) == 13:
        parent = find_enterprise(code[:10])
        branch = int(code[10:])
        if parent is None or not 1 <= branch <= _branch_count(parent):
            return None
        return {
            **parent,
            "enterprise_code": code,
            "tax_code": code,
            "name": f"CHI NHÁNH {branch} - {parent['name']}",
            "english_name": f"BRANCH {branch} - {parent['english_name']}",
            "legal_form": "branch",
            "parent_enterprise_code": parent["enterprise_code"],
        }
    return synthetic.enterprise_by_code(code)


def _branch_count(enterprise: dict[str, Any]) -> int:
    return int(hashlib.sha256(enterprise["enterprise_code"].encode()).digest()[0]) % 3


def enterprises_of(identification_number: str) -> list[dict[str, Any]] | None:
    """Enterprises whose legal representative is this person; None if the person is unknown."""
    if people.by_identification_number(identification_number) is not None:
        return [
            json.loads(json.dumps(e))
            for e in demo_enterprises()
            if e["legal_representative"]["identification_number"] == identification_number
        ]
    person = synthetic.person_by_id(identification_number)
    if person is None:
        return None
    unit = person["_unit"]
    return [e for e in unit["enterprises"] if e["enterprise_code"] in unit["enterprise_codes"]]


# --- business registration --------------------------------------------------------------------


@require_GET
@national_service("business")
@require_signature
def enterprise(request: HttpRequest, code: str) -> JsonResponse:
    if not re.fullmatch(r"[0-9]{10}|[0-9]{13}", code):
        return _not_found()
    found = find_enterprise(code)
    return _json(found) if found else _not_found()


@require_GET
@national_service("business")
@require_signature
def representative_enterprises(request: HttpRequest, identification_number: str) -> JsonResponse:
    found = enterprises_of(identification_number)
    if found is None:
        return _not_found()
    return _json({"identification_number": identification_number, "enterprises": found})


# --- insurance, transport ---------------------------------------------------------------------


@require_GET
@national_service("insurance")
@require_signature
def insurance(request: HttpRequest, identification_number: str) -> JsonResponse:
    person = find_person(identification_number)
    return _json(synthetic.insurance(person)) if person else _not_found()


@require_GET
@national_service("vehicles")
@require_signature
def vehicles(request: HttpRequest, identification_number: str) -> JsonResponse:
    person = find_person(identification_number)
    if person is None:
        return _not_found()
    return _json(
        {"identification_number": identification_number, "vehicles": synthetic.vehicles(person)}
    )


@require_GET
@national_service("vehicles")
@require_signature
def driving_licences(request: HttpRequest, identification_number: str) -> JsonResponse:
    person = find_person(identification_number)
    if person is None:
        return _not_found()
    return _json(
        {
            "identification_number": identification_number,
            "driving_licences": synthetic.driving_licences(person),
        }
    )


# --- e-document store -------------------------------------------------------------------------


class DocumentStore:
    """Documents stored by POST, in this process's memory (a mock limitation)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[str, dict[str, dict[str, Any]]] = {}
        self._keys: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._count = 0

    def add(
        self, client_id: str, owner: str, key: str, fingerprint: str, document: dict[str, Any]
    ) -> tuple[str, bool] | None:
        """(document id, created); None if the key was used for another document."""
        with self._lock:
            seen = self._keys.get((client_id, owner, key))
            if seen is not None:
                return (seen[0], False) if seen[1] == fingerprint else None
            if self._count >= MAX_STORED_DOCUMENTS:
                raise OverflowError
            self._documents.setdefault(owner, {})[document["document_id"]] = document
            self._keys[(client_id, owner, key)] = (document["document_id"], fingerprint)
            self._count += 1
            return document["document_id"], True

    def list(self, owner: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._documents.get(owner, {}).values())

    def revoke(
        self, client_id: str, owner: str, document_id: str, revocation: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Flag a stored document as revoked by its issuer; None when this client did not
        store it. Revoking again keeps the first revocation (idempotent)."""
        with self._lock:
            document = self._documents.get(owner, {}).get(document_id)
            if document is None or document.get("_client_id") != client_id:
                return None
            if not document.get("revoked"):
                document.update(revoked=True, **revocation)
            return document


STORE = DocumentStore()


def owner_exists(owner: str) -> bool:
    if re.fullmatch(r"[0-9]{12}", owner):
        return find_person(owner) is not None
    if re.fullmatch(r"[0-9]{10}|[0-9]{13}", owner):
        return find_enterprise(owner) is not None
    return False


def _seeded_documents(owner: str) -> list[dict[str, Any]]:
    if len(owner) == 12:
        person = find_person(owner)
        return synthetic.person_documents(person) if person else []
    found = find_enterprise(owner)
    return synthetic.enterprise_documents(found) if found else []


def owner_documents(owner: str) -> list[dict[str, Any]]:
    return _seeded_documents(owner) + STORE.list(owner)


#: what every document says of its revocation, seeded or stored (the issuer may revoke it)
NOT_REVOKED = {
    "revoked": False,
    "revoked_at": None,
    "revocation_reason": "",
    "replaced_by_dossier_code": "",
}


def _public(owner: str, document: dict[str, Any], with_url: bool = False) -> dict[str, Any]:
    data = {**NOT_REVOKED, **{k: v for k, v in document.items() if not k.startswith("_")}}
    if with_url:
        data["download_url"] = (
            f"{CONFIG.base_url}/documents/v1/owners/{owner}/documents/"
            f"{document['document_id']}/content"
        )
    return data


@csrf_exempt
@require_http_methods(["GET", "POST"])
@national_service("edocuments")
@require_signature
def documents(request: HttpRequest, owner: str) -> JsonResponse:
    if not owner_exists(owner):
        return _not_found()
    if request.method == "POST":
        return _store(request, owner)
    items = [_public(owner, d) for d in owner_documents(owner)]
    return _json({"owner": owner, "count": len(items), "documents": items})


def _store(request: HttpRequest, owner: str) -> JsonResponse:
    try:
        body = json.loads(request.body)
    except ValueError:
        return _bad_request("not_json")
    if not isinstance(body, dict):
        return _bad_request("not_an_object")
    key = body.get("idempotency_key")
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        return _bad_request("idempotency_key")
    texts = {}
    for name in ("result_code", "title", "issuing_agency", "issued_date", "dossier_code"):
        value = body.get(name, "")
        if not isinstance(value, str) or len(value) > 300:
            return _bad_request(name)
        texts[name] = value.strip()
    if not texts["title"]:
        return _bad_request("title")
    if texts["result_code"] and not _RESULT_CODE_RE.fullmatch(texts["result_code"]):
        return _bad_request("result_code")
    try:
        date.fromisoformat(texts["issued_date"])
    except ValueError:
        return _bad_request("issued_date")
    content_type = body.get("content_type", "application/pdf")
    if content_type not in CONTENT_TYPES:
        return _bad_request("content_type")
    try:
        content = base64.b64decode(str(body.get("content_base64", "")), validate=True)
    except (binascii.Error, ValueError):
        return _bad_request("content_base64")
    if not content or len(content) > MAX_DOCUMENT_BYTES:
        return _bad_request("content_size")
    if not content.startswith(CONTENT_TYPES[content_type]):
        return _bad_request("content_does_not_match_type")
    verified = body.get("verified", False)
    if not isinstance(verified, bool):
        return _bad_request("verified")
    digest = hashlib.sha256(content).hexdigest()
    client_id = request.national_client_id  # type: ignore[attr-defined]
    fingerprint = hashlib.sha256(
        json.dumps([texts, content_type, digest, verified], sort_keys=True).encode()
    ).hexdigest()
    document = {
        "document_id": synthetic.document_id(owner, f"{client_id}|{key}"),
        **texts,
        "content_type": content_type,
        "size": len(content),
        "sha256": digest,
        "verified": verified,
        "_content": content,
        "_client_id": client_id,
    }
    try:
        outcome = STORE.add(client_id, owner, key, fingerprint, document)
    except OverflowError:
        return _json({"error": "store_full"}, status=507)
    if outcome is None:
        return _json({"error": "idempotency_key_reused"}, status=409)
    document_id, created = outcome
    return _json(
        {"document_id": document_id, "sha256": digest, "created": created},
        status=201 if created else 200,
    )


def _find_document(owner: str, document_id: str) -> dict[str, Any] | None:
    if not _DOC_ID_RE.fullmatch(document_id) or not owner_exists(owner):
        return None
    return next((d for d in owner_documents(owner) if d["document_id"] == document_id), None)


@require_GET
@national_service("edocuments")
@require_signature
def document(request: HttpRequest, owner: str, document_id: str) -> JsonResponse:
    found = _find_document(owner, document_id)
    return _json(_public(owner, found, with_url=True)) if found else _not_found()


@csrf_exempt
@require_http_methods(["POST"])
@national_service("edocuments")
@require_signature
def document_revocation(request: HttpRequest, owner: str, document_id: str) -> JsonResponse:
    """The issuer withdraws a document it stored (a revoked or replaced result): the store
    keeps it, flagged `revoked`, with the reason and the replacing dossier's code."""
    found = _find_document(owner, document_id)
    if found is None:
        return _not_found()
    try:
        body = json.loads(request.body)
    except ValueError:
        return _bad_request("not_json")
    if not isinstance(body, dict):
        return _bad_request("not_an_object")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        return _bad_request("reason")
    replaced_by = body.get("replaced_by_dossier_code", "")
    if not isinstance(replaced_by, str) or len(replaced_by) > 40:
        return _bad_request("replaced_by_dossier_code")
    revocation = {
        "revoked_at": timezone.now().isoformat(),
        "revocation_reason": reason.strip(),
        "replaced_by_dossier_code": replaced_by.strip(),
    }
    client_id = request.national_client_id  # type: ignore[attr-defined]
    revoked = STORE.revoke(client_id, owner, document_id, revocation)
    if revoked is None:
        return _json({"error": "not_the_issuer"}, status=403)
    return _json(_public(owner, revoked))


@require_GET
@national_service("edocuments")
@require_signature
def document_content(request: HttpRequest, owner: str, document_id: str) -> HttpResponse:
    found = _find_document(owner, document_id)
    if found is None:
        return _not_found()
    response = HttpResponse(found["_content"], content_type=found["content_type"])
    response["Content-Disposition"] = f'attachment; filename="{document_id}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-SHA256"] = found["sha256"]
    return response
