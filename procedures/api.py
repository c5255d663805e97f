from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from .models import Case, Channel, Component, Fee, LegalBasis, Procedure, ProcedureVersion, Step
from .selectors import procedures_search


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["code", "amount", "unit", "description", "description_en"]


class ChannelSerializer(serializers.ModelSerializer):
    fees = FeeSerializer(many=True, read_only=True)

    class Meta:
        model = Channel
        fields = ["kind", "time_limit", "time_unit", "time_note", "fees"]


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
        fields = ["number", "title", "issuer", "issue_date", "effective_date"]


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

    class Meta:
        model = Procedure
        fields = ["code", "name", "name_en", "sector", "applicant_types"]


class ProcedureDetailSerializer(ProcedureListSerializer):
    version = serializers.SerializerMethodField()

    class Meta(ProcedureListSerializer.Meta):
        fields = [*ProcedureListSerializer.Meta.fields, "keywords", "version"]

    @extend_schema(responses=VersionSerializer)
    def get_version(self, obj) -> dict | None:
        version = obj.version_in_force()
        return VersionSerializer(version).data if version else None


class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    """The public procedure catalogue."""

    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = r"\d\.\d{6}"

    def get_queryset(self):
        return procedures_search(query=self.request.query_params.get("q", ""))

    def get_serializer_class(self):
        return ProcedureDetailSerializer if self.action == "retrieve" else ProcedureListSerializer
