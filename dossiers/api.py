from django.conf import settings
from django.db.models import Prefetch
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import PAGE_NOT_FOUND, RETRY_AFTER, error
from portal.audit import audit_record
from portal.otp import IsVerifiedOfficer

from . import selectors, tracking
from .labels import event_label
from .models import Dossier, DossierEvent
from .states.business import Status


class TrackingRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    id_last4 = serializers.RegexField(r"^[0-9]{4}$")


class PublicEventSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()  # type: ignore[assignment]
    agency = serializers.CharField(source="agency.name", default="")
    to_status = serializers.ChoiceField(choices=Status.choices, allow_null=True)

    class Meta:
        model = DossierEvent
        fields = ["at", "action", "label", "agency", "to_status", "step_due_at"]

    def get_label(self, obj) -> str:
        return event_label(obj)


class PublicDossierSerializer(serializers.ModelSerializer):
    procedure_code = serializers.CharField(source="procedure_version.procedure.code")
    procedure_name = serializers.CharField(source="procedure_version.procedure.name")
    agency = serializers.CharField(source="competent_agency.name", default="")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure_code",
            "procedure_name",
            "agency",
            "status",
            "status_label",
            "submitted_at",
            "received_at",
            "due_at",
            "processed_at",
            "returned_at",
            "timeline",
        ]

    def get_timeline(self, obj) -> list[dict]:
        events = (
            obj.events.all()
            if "events" in getattr(obj, "_prefetched_objects_cache", {})
            else selectors.timeline(dossier=obj)
        )
        return list(PublicEventSerializer(events, many=True).data)


class TrackingView(APIView):
    """Public tracking: the dossier code and the last four digits of the applicant's
    identification number. A wrong code and wrong digits give the same 404."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=TrackingRequestSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: PublicDossierSerializer,
            400: error("A body that is not JSON, a form or multipart data it says it is."),
            404: error(
                "No dossier with this code and these digits; a code or digits of the wrong "
                "form are the same 404."
            ),
            429: error(
                "Too many lookups from this address, or too many wrong answers for this code; "
                "`Retry-After` says when to try again."
            ),
        },
    )
    @method_decorator(
        ratelimit(
            group="public-tracking",
            key="ip",
            rate=lambda g, r: settings.PUBLIC_TRACKING_RATE,
            method="POST",
            block=True,
        )
    )
    def post(self, request):
        serializer = TrackingRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"detail": "not found"}, status=status.HTTP_404_NOT_FOUND)
        lookup = tracking.public_lookup(
            request,
            code=serializer.validated_data["code"],
            id_last4=serializer.validated_data["id_last4"],
        )
        if lookup.locked:
            return Response(
                {"detail": "too many wrong answers for this code"},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(lookup.retry_after)},
            )
        dossier = lookup.dossier
        if dossier is None:
            return Response({"detail": "not found"}, status=status.HTTP_404_NOT_FOUND)
        return Response(PublicDossierSerializer(dossier).data)


class OfficerDossierSerializer(PublicDossierSerializer):
    class Meta(PublicDossierSerializer.Meta):
        fields = [*PublicDossierSerializer.Meta.fields, "applicant_name", "subject_name"]


NOT_SIGNED_IN = error(
    "Not signed in to the back-office with a password and an authenticator code (the session "
    "cookie of /backoffice/login/)."
)


@extend_schema_view(
    list=extend_schema(
        responses={
            200: OfficerDossierSerializer(many=True),
            403: NOT_SIGNED_IN,
            404: PAGE_NOT_FOUND,
        }
    ),
    retrieve=extend_schema(
        responses={
            200: OfficerDossierSerializer,
            403: NOT_SIGNED_IN,
            404: error("No such dossier among those of the officer's agencies."),
        }
    ),
)
class BackofficeDossierViewSet(viewsets.ReadOnlyModelViewSet):
    """Dossiers of the officer's agencies; another agency's dossier is a 404."""

    permission_classes = [IsAuthenticated, IsVerifiedOfficer]
    serializer_class = OfficerDossierSerializer
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return selectors.dossiers_for_officer(user=self.request.user).prefetch_related(  # type: ignore[arg-type]
            Prefetch("events", DossierEvent.objects.select_related("agency").order_by("at", "id"))
        )

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        audit_record(
            actor=request.user,
            action="dossier.view",
            object_type="dossiers.dossier",
            object_id=response.data["code"],
            reason="back-office API",
        )
        return response
