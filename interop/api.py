"""The inbound API of agencies' own systems, under /api/interop/ (see docs/interop.md).

Every call is audited (who, which key, what, the answer's status code), including refused
ones. Another agency's dossier is a 404, a missing scope a 403, a revoked key a 401.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers.models import Dossier
from dossiers.permissions import ActionNotPermitted
from dossiers.states import TransitionNotAllowed
from dossiers.states.business import Status
from portal.api import PAGE_NOT_FOUND, error, field_errors, query_params
from portal.audit import audit_record
from portal.downloads import UNKNOWN_TYPE, document_download
from portal.otp import client_ip
from portal.validators import ALLOWED_UPLOAD_TYPES

from . import selectors, services
from .authentication import ApiKeyAuthentication, HasScope, raw_key_from
from .links import attachment_token_read
from .models import ApiKey, ApiScope
from .serializers import (
    DossierStateSerializer,
    InteropConflictSerializer,
    InteropDossierSerializer,
    ResultUploadSerializer,
    StatusPushSerializer,
)

TAG = "interop"
UNAUTHORIZED = error("No API key, an unknown key or a revoked key.")
FORBIDDEN = error(
    "The key does not have the scope of this operation (or the agency's system user lost the "
    "role it needs)."
)
NOT_FOUND = error("No such dossier among the key's agency's dossiers.")
WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    str,
    location=OpenApiParameter.HEADER,
    response=[401],
    required=True,
    description='The scheme to use: `Api-Key realm="interop"`.',
)


class DossierListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Status.choices,
        required=False,
        help_text="Only dossiers in this business status (one of the codes of `status`).",
    )


def _client_ip(request) -> str | None:
    """The calling system's address, read as every other address (behind a proxy too)."""
    return client_ip(request)


class InteropView(APIView):
    """Base: API-key authentication, one scope per view, every call audited."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    required_scope: str = ""
    audit_action: str = ""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        self._audit(request, response, kwargs)
        return response

    def _audit(self, request, response, kwargs: dict[str, Any]) -> None:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        details: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "status_code": response.status_code,
        }
        if key is not None:
            details["api_key"] = key.prefix
        else:
            try:
                raw = raw_key_from(request)
            except Exception:
                raw = None
            if raw:
                details["api_key_prefix_tried"] = raw.partition(".")[0][:16]
        if "code" in kwargs:
            details["dossier"] = kwargs["code"]
        user = request.user if key is not None else None
        audit_record(
            actor=user,
            action=f"interop.api.{self.audit_action}",
            object_type="dossiers.dossier" if "code" in kwargs else "",
            object_id=str(getattr(self, "audited_dossier_id", "") or ""),
            agency_code=key.agency.code if key is not None else "",
            reason="external system",
            ip_address=_client_ip(request),
            details=details,
        )

    @property
    def api_key(self) -> ApiKey:
        key = self.request.auth
        if not isinstance(key, ApiKey):  # HasScope lets no other request through
            raise NotAuthenticated
        return key

    def get_dossier(self, code: str) -> Dossier:
        dossier = selectors.dossier_for_api_key(api_key=self.api_key, code=code)
        if dossier is None:
            raise Http404
        self.audited_dossier_id = dossier.pk
        return dossier


def _state(dossier: Dossier, *, changed: bool) -> dict[str, Any]:
    return dict(
        DossierStateSerializer(
            {
                "code": dossier.code,
                "status": dossier.status,
                "status_label": dossier.status_label,
                "changed": changed,
                "result_number": dossier.result_number,
                "result_sha256": dossier.result_sha256,
            }
        ).data
    )


@extend_schema(tags=[TAG])
class DossierListView(InteropView, generics.ListAPIView):
    """The dossiers routed to the key's agency, newest first."""

    required_scope = ApiScope.DOSSIERS_READ
    audit_action = "dossiers.list"
    serializer_class = InteropDossierSerializer

    def get_queryset(self):
        rows = selectors.dossiers_for_api_key(api_key=self.api_key)
        params = query_params(self.request, DossierListQuerySerializer)
        if "status" in params:
            rows = rows.filter(status=params["status"])
        return rows

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "agency": self.api_key.agency}

    @extend_schema(
        parameters=[DossierListQuerySerializer, WWW_AUTHENTICATE],
        responses={
            200: InteropDossierSerializer(many=True),
            400: field_errors("`status` is not one of the codes of a dossier's status."),
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=[TAG])
class DossierDetailView(InteropView):
    """One dossier of the key's agency, with fresh signed download links of its attachments."""

    required_scope = ApiScope.DOSSIERS_READ
    audit_action = "dossiers.read"

    @extend_schema(
        parameters=[WWW_AUTHENTICATE],
        responses={
            200: InteropDossierSerializer,
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, code: str) -> Response:
        dossier = self.get_dossier(code)
        data = InteropDossierSerializer(dossier, context={"agency": self.api_key.agency}).data
        return Response(data)


@extend_schema(tags=[TAG])
class DossierStatusView(InteropView):
    """Push a status change of the agency's system; it goes through the portal's dossier
    services (timeline entry, applicant notified, audit). Pushing the current status again
    changes nothing (200, "changed": false); a change the dossier's state machine refuses
    is a 409."""

    required_scope = ApiScope.DOSSIERS_STATUS
    audit_action = "dossiers.status"
    parser_classes = [JSONParser]

    @extend_schema(
        request=StatusPushSerializer,
        parameters=[WWW_AUTHENTICATE],
        responses={
            200: DossierStateSerializer,
            400: field_errors(
                "Unknown status, a refusal without a reason, or a body that is not JSON."
            ),
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: InteropConflictSerializer,
        },
    )
    def post(self, request: Request, code: str) -> Response:
        dossier = self.get_dossier(code)
        serializer = StatusPushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            dossier, changed = services.dossier_status_from_external(
                dossier=dossier,
                api_key=self.api_key,
                status=serializer.validated_data["status"],
                reason=serializer.validated_data.get("reason", ""),
            )
        except TransitionNotAllowed:
            dossier.refresh_from_db()
            return _conflict(dossier)
        except ActionNotPermitted:
            return _not_permitted()
        return Response(_state(dossier, changed=changed))


@extend_schema(tags=[TAG])
class DossierResultView(InteropView):
    """Upload the result produced by the agency's system (a PDF, checked by its content): the
    dossier becomes "processed, result ready" (status 9) and the applicant can download it."""

    required_scope = ApiScope.DOSSIERS_RESULT
    audit_action = "dossiers.result"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ResultUploadSerializer},
        parameters=[WWW_AUTHENTICATE],
        responses={
            200: DossierStateSerializer,
            400: field_errors("No file, not a PDF by its content, or a malformed body."),
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: InteropConflictSerializer,
        },
    )
    def post(self, request: Request, code: str) -> Response:
        dossier = self.get_dossier(code)
        serializer = ResultUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            dossier = services.dossier_result_from_external(
                dossier=dossier,
                api_key=self.api_key,
                file=serializer.validated_data["file"],
                result_number=serializer.validated_data.get("result_number", ""),
                note=serializer.validated_data.get("note", ""),
            )
        except DjangoValidationError as exc:
            return Response({"file": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        except TransitionNotAllowed:
            dossier.refresh_from_db()
            return _conflict(dossier)
        except ActionNotPermitted:
            return _not_permitted()
        return Response(_state(dossier, changed=True))


def _conflict(dossier: Dossier) -> Response:
    return Response(
        InteropConflictSerializer(
            {
                "detail": "This change is not possible in the dossier's current status.",
                "status": dossier.status,
            }
        ).data,
        status=status.HTTP_409_CONFLICT,
    )


def _not_permitted() -> Response:
    """The agency's system user lost the officer role this action needs (an administrator
    removed its membership)."""
    return Response(
        {"detail": "The agency's system user does not have the role this action needs."},
        status=status.HTTP_403_FORBIDDEN,
    )


@extend_schema(tags=[TAG])
class AttachmentDownloadView(APIView):
    """Download an attachment through a signed, time-limited link of a webhook or of the
    dossier endpoint. The link is the credential: no API key is needed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        responses={
            # the type read from the content (portal.downloads.document_download): one of the
            # types an upload may have, else application/octet-stream
            **{
                (200, mime): OpenApiTypes.BINARY
                for mime in [*sorted(ALLOWED_UPLOAD_TYPES), UNKNOWN_TYPE]
            },
            404: error("Unknown, tampered or expired link."),
        },
    )
    def get(self, request: Request, token: str):
        found = attachment_token_read(token)
        item = None
        if found is not None:
            attachment_id, agency_id = found
            item = selectors.attachment_for_agency(attachment_id=attachment_id, agency_id=agency_id)
        if item is None:
            raise Http404
        audit_record(
            actor=None,
            action="interop.api.attachment.download",
            obj=item,
            agency_code=item.dossier.competent_agency.code if item.dossier.competent_agency else "",
            reason="external system",
            ip_address=_client_ip(request),
            details={"dossier": item.dossier.code},
        )
        return document_download(item.file.open("rb"), name=item.original_name)
