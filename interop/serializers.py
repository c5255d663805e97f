"""The dossier as an agency's system sees it: in the webhook body and in the inbound API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dossiers.models import Attachment, Dossier
from dossiers.states.business import Status

from .links import attachment_link
from .services import EXTERNAL_STATUSES


class DownloadLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField(allow_null=True)


class InteropAttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    component = serializers.CharField(source="component.code", default="")
    # a plain string in the schema (no enum component that other "kind" fields could clash with)
    kind = serializers.CharField(
        help_text='"uploaded" by the applicant, "reused" from the e-document store or '
        '"digitised" at the counter.'
    )
    download = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "sha256", "kind", "component", "download"]

    @extend_schema_field(DownloadLinkSerializer)
    def get_download(self, obj: Attachment) -> dict[str, Any]:
        agency_id = self.context.get("agency_id") or obj.dossier.competent_agency_id
        if agency_id is None:  # not routed yet: nobody may download through a link
            return {"url": "", "expires_at": None}
        link = attachment_link(attachment=obj, agency_id=int(agency_id))
        return dict(DownloadLinkSerializer(link).data)


class InteropProcedureSerializer(serializers.Serializer):
    code = serializers.CharField(source="procedure_version.procedure.code")
    name = serializers.CharField(source="procedure_version.procedure.name")
    version = serializers.IntegerField(source="procedure_version.number")
    case = serializers.CharField(source="case.code", default="")


class InteropApplicantSerializer(serializers.Serializer):
    name = serializers.CharField(source="applicant_name")
    personal_id = serializers.CharField(source="applicant_personal_id")
    email = serializers.CharField(source="applicant_email")
    phone = serializers.CharField(source="applicant_phone")


class InteropCommuneSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    province = serializers.CharField(source="province.name")


class InteropDossierSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    procedure = InteropProcedureSerializer(source="*")
    agency = serializers.CharField(source="competent_agency.code", default="")
    applicant = InteropApplicantSerializer(source="*")
    commune = InteropCommuneSerializer(allow_null=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "code",
            "status",
            "status_label",
            "procedure",
            "agency",
            "applicant",
            "subject_name",
            "commune",
            "language",
            "data",
            "attachments",
            "submitted_at",
            "routed_at",
            "received_at",
            "due_at",
            "processed_at",
            "returned_at",
            "result_number",
            "result_sha256",
        ]

    @extend_schema_field(InteropAttachmentSerializer(many=True))
    def get_attachments(self, obj: Dossier) -> list[dict[str, Any]]:
        agency = self.context.get("agency")
        context = {"agency_id": agency.pk if agency is not None else None}
        return list(
            InteropAttachmentSerializer(obj.attachments.all(), many=True, context=context).data
        )


_EXTERNAL_STATUS_NAMES = sorted(EXTERNAL_STATUSES)


@extend_schema_field(
    {
        "type": "string",
        # a pattern, not an enum: an enum would collide with the dossier's numeric "status"
        "pattern": f"^({'|'.join(_EXTERNAL_STATUS_NAMES)})$",
        "example": "received",
        "description": (
            "The new status: "
            + ", ".join(f'"{name}"' for name in _EXTERNAL_STATUS_NAMES)
            + " (received = valid reception, the processing clock starts; processing; refused "
            "at reception, with a reason; returned = the result was handed over)."
        ),
    }
)
class ExternalStatusField(serializers.ChoiceField):
    pass


class StatusPushSerializer(serializers.Serializer):
    status = ExternalStatusField(choices=_EXTERNAL_STATUS_NAMES)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text='Required with "refused": shown to the applicant and on the public timeline.',
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["status"] == "refused" and not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": "A refusal needs a reason."})
        return attrs


class ResultUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The signed result document, a PDF (checked by content)."
    )
    result_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class DossierStateSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    changed = serializers.BooleanField()
    result_number = serializers.CharField()
    result_sha256 = serializers.CharField()


class InteropConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices, required=False)
