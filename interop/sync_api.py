"""The ingest API of connected systems (issue 13): `POST /api/interop/sync/records` takes a
batch of up to 1,000 records and answers, per record, what was accepted and why the rest was
refused; `GET /api/interop/sync/records/{code}` looks one dossier up (the national
`TraCuuHoSo`). Every request is signed as on the national data exchange platform
(`request_signing`); a refused request is audited like a refused record."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import request_signing as signing
from dossiers.models import Dossier
from portal.otp import client_ip

from . import sync
from .models import ConnectedSystem


def max_body_bytes() -> int:
    return int(getattr(settings, "INTEROP_SYNC_MAX_BODY_BYTES", 10 * 1024 * 1024))


class CacheNonces:
    """The nonces seen, in the shared cache (Redis in production): a request replayed to
    another web node is refused there too."""

    def __init__(self, ttl_seconds: int) -> None:
        self.ttl = ttl_seconds

    def add(self, key: str, now: float | None = None) -> bool:
        return bool(cache.add(f"sync-nonce:{signing.body_digest(key.encode())}", 1, self.ttl))


class SignedSystemAuthentication(BaseAuthentication):
    """`X-Client-Id`, `X-Timestamp`, `X-Nonce`, `X-Signature` (request_signing)."""

    def authenticate(self, request: Request):
        client_id = request.headers.get(signing.HEADER_CLIENT_ID, "").strip()
        if not client_id:
            return None
        system = ConnectedSystem.objects.filter(code=client_id[:40], is_active=True).first()
        clients = {system.code: system.secret} if system is not None else {}
        try:
            signing.verify(
                method=request.method or "GET",
                path=request.get_full_path(),
                headers=request.headers,
                body=request.body,
                clients=clients,
                nonce_cache=CacheNonces(2 * signing.DEFAULT_MAX_SKEW_SECONDS),  # type: ignore[arg-type]
            )
        except signing.SignatureError as error:
            sync.audit_refused_request(
                system_code=client_id,
                reason=error.reason,
                ip_address=client_ip(request),
                details={"path": request.path},
            )
            raise exceptions.AuthenticationFailed(
                {"rule": error.reason, "detail": _("The request's signature is refused.")}
            ) from None
        return AnonymousUser(), system

    def authenticate_header(self, request: Request) -> str:
        return 'Signature realm="interop-sync"'


class IsConnectedSystem(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ConnectedSystem)


_error = inline_serializer(
    "SyncError",
    {
        "field": serializers.CharField(help_text="Where, e.g. records[3].steps[1].status"),
        "rule": serializers.CharField(help_text="The rule broken (docs/synchronisation.md)"),
        "message": serializers.CharField(),
    },
)
_result = inline_serializer(
    "SyncRecordResult",
    {
        "index": serializers.IntegerField(),
        "code": serializers.CharField(),
        "accepted": serializers.BooleanField(),
        "created": serializers.BooleanField(required=False),
        "steps_added": serializers.IntegerField(required=False),
        "steps_unchanged": serializers.IntegerField(required=False),
        "errors": _error.__class__(many=True, required=False),
    },
)
_batch_response = inline_serializer(
    "SyncBatchResponse",
    {
        "error_code": serializers.IntegerField(help_text="0: the batch was read (see results)"),
        "accepted": serializers.IntegerField(),
        "refused": serializers.IntegerField(),
        "results": _result.__class__(many=True),
    },
)
_refusal = inline_serializer(
    "SyncRequestRefused",
    {
        "error_code": serializers.IntegerField(),
        "rule": serializers.CharField(),
        "detail": serializers.CharField(),
    },
)


def _refuse(request, status: int, rule: str, detail: str, system_code: str = "") -> JsonResponse:
    sync.audit_refused_request(
        system_code=system_code,
        reason=rule,
        ip_address=client_ip(request),
        details={"path": request.path, "status_code": status},
    )
    return JsonResponse({"error_code": status, "rule": rule, "detail": detail}, status=status)


class SignedView(APIView):
    authentication_classes = [SignedSystemAuthentication]
    permission_classes = [IsConnectedSystem]

    def initial(self, request, *args, **kwargs):
        # a method the operation does not have is a 405 before the signature is looked at
        if not hasattr(self, (request.method or "").lower()):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


class SyncRecordsView(SignedView):
    def dispatch(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body_bytes():
            return _refuse(
                request,
                413,
                "body_too_large",
                _("At most %(n)s bytes a request: send smaller batches.") % {"n": max_body_bytes()},
                request.headers.get(signing.HEADER_CLIENT_ID, ""),
            )
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        operation_id="sync_records",
        summary="Synchronise dossiers and their processing steps (a batch)",
        request=inline_serializer(
            "SyncBatch",
            {"records": serializers.ListField(child=serializers.DictField(), max_length=1000)},
        ),
        responses={
            200: _batch_response,
            400: OpenApiResponse(_refusal, description="Not JSON, not UTF-8, or no records list"),
            401: OpenApiResponse(description="Signature missing, wrong, stale or replayed"),
            413: OpenApiResponse(
                _refusal, description="Body over the limit, or over 1,000 records"
            ),
        },
        tags=["interop"],
    )
    def post(self, request: Request) -> Any:
        system = cast(ConnectedSystem, request.auth)
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(request, 400, "encoding", _("The body must be UTF-8 JSON."), system.code)
        try:
            body, storable = sync.loads_batch(text)
        except (ValueError, RecursionError):
            return _refuse(request, 400, "json", _("The body is not JSON."), system.code)
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list):
            return _refuse(
                request,
                400,
                "records",
                _('Send {"records": [...]}, a list of records.'),
                system.code,
            )
        if len(records) > sync.MAX_RECORDS:
            return _refuse(
                request,
                413,
                "too_many_records",
                _("At most %(n)s records a request.") % {"n": sync.MAX_RECORDS},
                system.code,
            )
        outcomes = sync.ingest(
            records,
            system=system,
            now=timezone.now(),
            ip_address=client_ip(request),
            storable=storable,
        )
        accepted = sum(1 for o in outcomes if o.accepted)
        return Response(
            {
                "error_code": 0,
                "accepted": accepted,
                "refused": len(outcomes) - accepted,
                "results": [o.as_dict() for o in outcomes],
            }
        )


class SyncRecordView(SignedView):
    @extend_schema(
        operation_id="sync_record_lookup",
        summary="Look up a synchronised dossier (status and steps)",
        responses={
            200: inline_serializer(
                "SyncRecord",
                {
                    "code": serializers.CharField(),
                    "status": serializers.IntegerField(),
                    "sync_status": serializers.CharField(),
                    "received_at": serializers.CharField(allow_null=True),
                    "due_at": serializers.CharField(allow_null=True),
                    "steps": serializers.ListField(child=serializers.DictField()),
                },
            ),
            401: OpenApiResponse(description="Signature missing, wrong, stale or replayed"),
            404: OpenApiResponse(description="No dossier of this system has this code"),
        },
        tags=["interop"],
    )
    def get(self, request: Request, code: str) -> Any:
        system = cast(ConnectedSystem, request.auth)
        dossier = Dossier.objects.filter(
            code=code.strip().upper()[:40], source_system=system.code
        ).first()
        if dossier is None:
            return JsonResponse(
                {"detail": _("No dossier of this system has this code.")}, status=404
            )
        steps = dossier.events.exclude(external_id="").order_by("at", "id")
        return Response(
            {
                "code": dossier.code,
                "status": dossier.status,
                "sync_status": dossier.sync_status,
                "received_at": _national(dossier.received_at),
                "due_at": _national(dossier.due_at),
                "steps": [
                    {
                        "id": s.external_id,
                        "at": _national(s.at),
                        "status": s.to_status,
                        "arrived_at": _national(s.arrived_at),
                    }
                    for s in steps
                ],
            }
        )


def _national(value) -> str | None:
    return value.astimezone(sync.NATIONAL_TZ).strftime(sync.TIME_FORMAT) if value else None
