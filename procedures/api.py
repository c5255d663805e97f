from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from agencies.models import AgencyKind, AgencyLevel

from .forms import CatalogueForm
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
from .selectors import procedure_search


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


def _choices(values) -> str:
    return ", ".join(str(value) for value in values)


CATALOGUE_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Words to search for, in Vietnamese (with or without diacritics, typos "
        "tolerated) or English; results come best match first.",
    ),
    OpenApiParameter(
        "level",
        OpenApiTypes.INT,
        description=f"Implementing level of the version in force: {_choices(AgencyLevel.values)}.",
    ),
    OpenApiParameter("sector", OpenApiTypes.STR, description="Sector code, e.g. HOTICH."),
    OpenApiParameter(
        "agency",
        OpenApiTypes.STR,
        description=f"Kind of competent agency: {_choices(AgencyKind.values)}.",
    ),
    OpenApiParameter(
        "ministry",
        OpenApiTypes.STR,
        description="Code of the managing ministry, e.g. 000.00.00.G15.",
    ),
    OpenApiParameter(
        "audience",
        OpenApiTypes.STR,
        description=f"Applicant type: {_choices(ApplicantType.values)}.",
    ),
    OpenApiParameter(
        "life_event", OpenApiTypes.STR, description="Life event slug, e.g. having_a_baby."
    ),
    OpenApiParameter(
        "essential", OpenApiTypes.BOOL, description="Only the 25 essential public services."
    ),
]


@extend_schema_view(list=extend_schema(parameters=CATALOGUE_PARAMETERS))
class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    """The public procedure catalogue: search and filters as on the catalogue page."""

    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = r"[0-9]\.[0-9]{6}"

    def get_queryset(self):
        if self.action != "list":
            return procedure_search()
        form = CatalogueForm(self.request.query_params)
        query, filters = form.query_and_filters()
        if form.errors:
            raise ValidationError(form.errors.get_json_data())
        return (
            procedure_search(query, filters)
            .prefetch_related("life_events")
            .select_related("ministry")
        )

    def get_serializer_class(self):
        return ProcedureDetailSerializer if self.action == "retrieve" else ProcedureListSerializer
