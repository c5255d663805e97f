from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from agencies.models import AgencyKind, AgencyLevel
from portal.api import PAGE_NOT_FOUND, error, field_errors, query_params
from portal.replica import reads_may_lag

from .models import (
    ApplicantType,
    Case,
    Channel,
    Component,
    Fee,
    LegalBasis,
    Procedure,
    ProcedureVersion,
    Step,
)
from .selectors import CatalogueFilters, procedure_search


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["code", "amount", "unit", "description", "description_en"]


class ChannelSerializer(serializers.ModelSerializer):
    fees = FeeSerializer(many=True, read_only=True)

    class Meta:
        model = Channel
        fields = ["kind", "time_limit", "time_unit", "time_note", "time_note_en", "fees"]


class ComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Component
        fields = [
            "code",
            "name",
            "name_en",
            "originals",
            "copies",
            "template",
            "replaceable_by_result_code",
            "required",
        ]


class CaseSerializer(serializers.ModelSerializer):
    components = ComponentSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["code", "name", "name_en", "components"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["order", "name", "name_en", "role", "duration_hours"]


class LegalBasisSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalBasis
        fields = [
            "number",
            "title",
            "title_en",
            "issuer",
            "issuer_en",
            "issue_date",
            "effective_date",
        ]


class VersionSerializer(serializers.ModelSerializer):
    channels = ChannelSerializer(many=True, read_only=True)
    cases = CaseSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    legal_bases = LegalBasisSerializer(many=True, read_only=True)
    levels = serializers.SerializerMethodField()

    class Meta:
        model = ProcedureVersion
        fields = [
            "number",
            "effective_from",
            "effective_to",
            "online_level",
            "eligible_full_process",
            "online_payment_required",
            "e_signed_result",
            "description",
            "description_en",
            "conditions",
            "conditions_en",
            "levels",
            "channels",
            "cases",
            "steps",
            "legal_bases",
        ]

    def get_levels(self, obj) -> list[int]:
        return [level.level for level in obj.levels.all()]


class ProcedureListSerializer(serializers.ModelSerializer):
    sector = serializers.CharField(source="sector.name")
    sector_code = serializers.CharField(source="sector.code")
    life_events: serializers.Field = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    ministry: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    online_level = serializers.CharField(
        read_only=True, allow_null=True, help_text="Online level of the version in force."
    )

    class Meta:
        model = Procedure
        fields = [
            "code",
            "name",
            "name_en",
            "sector",
            "sector_code",
            "applicant_types",
            "life_events",
            "essential_service",
            "ministry",
            "online_level",
        ]


class ProcedureDetailSerializer(ProcedureListSerializer):
    version = serializers.SerializerMethodField()

    class Meta(ProcedureListSerializer.Meta):
        fields = [*ProcedureListSerializer.Meta.fields, "keywords", "version"]

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_version(self, obj) -> dict | None:
        version = obj.version_in_force()
        return VersionSerializer(version).data if version else None


class CatalogueQuerySerializer(serializers.Serializer):
    """The catalogue's filters as the API reads them (the page reads the same ones through
    CatalogueForm). A closed list (level, agency, audience) takes one of its values, anything
    else is a 400; a code or slug of reference data (sector, ministry, life event) that matches
    no procedure gives no result."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Words to search for, in Vietnamese (with or without diacritics, typos "
        "tolerated) or English; results come best match first.",
    )
    level = serializers.ChoiceField(
        required=False,
        choices=[
            (level.value, level.label) for level in AgencyLevel if level != AgencyLevel.DISTRICT
        ],
        help_text="Implementing level of the version in force (2, the district level, no "
        "longer exists).",
    )
    sector = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="Sector code, e.g. HOTICH."
    )
    agency = serializers.ChoiceField(
        required=False, choices=AgencyKind.choices, help_text="Kind of competent agency."
    )
    ministry = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=24,
        help_text="Code of the managing ministry, e.g. 000.00.00.G15.",
    )
    audience = serializers.ChoiceField(
        required=False, choices=ApplicantType.choices, help_text="Applicant type."
    )
    life_event = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Life event slug, e.g. having_a_baby.",
    )
    essential = serializers.BooleanField(
        required=False, help_text="Only the 25 essential public services."
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[CatalogueQuerySerializer],
        responses={
            200: ProcedureListSerializer(many=True),
            400: field_errors("A filter outside its list of values, or a text too long."),
            404: PAGE_NOT_FOUND,
        },
    ),
    retrieve=extend_schema(
        responses={200: ProcedureDetailSerializer, 404: error("No such published procedure.")}
    ),
)
@method_decorator(reads_may_lag, name="dispatch")
class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    """The public procedure catalogue: search and filters as on the catalogue page."""

    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = r"[0-9]\.[0-9]{6}"

    def get_queryset(self):
        if self.action != "list":
            return procedure_search()
        params = query_params(self.request, CatalogueQuerySerializer)
        filters = CatalogueFilters(
            level=params.get("level"),
            sector=params.get("sector") or None,
            agency=params.get("agency") or None,
            ministry=(params.get("ministry") or "").strip() or None,
            audience=params.get("audience") or None,
            life_event=params.get("life_event") or None,
            essential=bool(params.get("essential")),
        )
        return (
            procedure_search(params.get("q") or "", filters)
            .prefetch_related("life_events")
            .select_related("ministry")
        )

    def get_serializer_class(self):
        return ProcedureDetailSerializer if self.action == "retrieve" else ProcedureListSerializer
