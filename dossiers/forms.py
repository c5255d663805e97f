from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.numbers import ascii_digits

from .states.delivery import DeliveryMethod


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        max_length=40,
        help_text=_("On your receipt, for example 000.00.01.H22-251103-0042"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    id_last4 = forms.CharField(
        label=_("Last 4 digits of the applicant's identification number"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()

    def clean_id_last4(self) -> str:
        value = self.cleaned_data["id_last4"].strip()
        if not ascii_digits(value, length=4):
            raise forms.ValidationError(_("Enter 4 digits."))
        return value


#: free rows ("another item") offered below the dossier's own components
SUPPLEMENT_OTHER_ROWS = 3
SUPPLEMENT_REASON_MAX = 1000


class SupplementForm(forms.Form):
    """A structured supplement request: the officer ticks the dossier's components that are
    missing or wrong and gives each its reason, and may add items of their own ("other"
    rows: a name and a reason). One row per item; every row needs its reason.

    ``components`` are (code, label) pairs: the components of the dossier's case. Cleaned,
    ``items`` is a list of dicts {"component": code or "", "name": label, "reason": text}.
    """

    pick = forms.MultipleChoiceField(
        label=_("Items of the dossier"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "%(value)s is not an item of this dossier. Choose from the list, or add it as "
                "another item."
            )
        },
    )
    note = forms.CharField(
        label=_("Note to the applicant (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, components: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.components = list(components)
        self.labels = dict(self.components)
        cast(forms.MultipleChoiceField, self.fields["pick"]).choices = self.components
        for code, label in self.components:
            self.fields[f"reason_{code}"] = forms.CharField(
                label=_("Reason: %(item)s") % {"item": label},
                required=False,
                max_length=SUPPLEMENT_REASON_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for i in range(1, SUPPLEMENT_OTHER_ROWS + 1):
            self.fields[f"other_name_{i}"] = forms.CharField(
                label=_("Other item %(n)d") % {"n": i}, required=False, max_length=255
            )
            self.fields[f"other_reason_{i}"] = forms.CharField(
                label=_("Reason for other item %(n)d") % {"n": i},
                required=False,
                max_length=SUPPLEMENT_REASON_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[dict[str, Any]]:
        """The component rows for the template: the box, its reason field, ticked or not."""
        picked = set(self["pick"].value() or []) if self.is_bound else set()
        return [
            {
                "code": code,
                "label": label,
                "checked": code in picked,
                "reason": self[f"reason_{code}"],
                "index": index,
            }
            for index, (code, label) in enumerate(self.components)
        ]

    def other_rows(self) -> list[dict[str, Any]]:
        return [
            {"n": i, "name": self[f"other_name_{i}"], "reason": self[f"other_reason_{i}"]}
            for i in range(1, SUPPLEMENT_OTHER_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items: list[dict[str, str]] = []
        for code in data.get("pick") or []:
            reason = (data.get(f"reason_{code}") or "").strip()
            if not reason:
                self.add_error(
                    f"reason_{code}",
                    _("Give the reason why this item must be supplemented."),
                )
                continue
            items.append({"component": code, "name": self.labels[code], "reason": reason})
        for code, _label in self.components:
            if code not in (data.get("pick") or []) and (data.get(f"reason_{code}") or "").strip():
                self.add_error(
                    f"reason_{code}",
                    _("Tick the item too, or clear its reason."),
                )
        for i in range(1, SUPPLEMENT_OTHER_ROWS + 1):
            name = (data.get(f"other_name_{i}") or "").strip()
            reason = (data.get(f"other_reason_{i}") or "").strip()
            if name and not reason:
                self.add_error(
                    f"other_reason_{i}", _("Give the reason why this item must be supplemented.")
                )
            elif reason and not name:
                self.add_error(f"other_name_{i}", _("Name the item this reason is about."))
            elif name:
                items.append({"component": "", "name": name, "reason": reason})
        if not items and not self.errors:
            raise forms.ValidationError(
                _("Choose at least one item to supplement and give its reason.")
            )
        data["items"] = items
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ExtendForm(forms.Form):
    new_due_at = forms.DateTimeField(
        label=_("New return date"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason for the delay"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class PaymentRequestForm(forms.Form):
    amount = forms.IntegerField(label=_("Amount (VND)"), min_value=1000, max_value=10_000_000_000)
    description = forms.CharField(label=_("What the payment is for"), max_length=255)


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:  # type: ignore[no-untyped-def]
        return obj.display_name


class AssignForm(forms.Form):
    assignee: OfficerChoiceField = OfficerChoiceField(
        label=_("Specialist"),
        queryset=None,  # type: ignore[arg-type]
        empty_label=None,
    )

    def __init__(self, *args, specialists=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = specialists


class TransferForm(forms.Form):
    agency_code = forms.CharField(
        label=_("Electronic id of the agency to send it to"),
        help_text=_("For example 00070.00.H01 (People's Committee of Phường Hoàn Kiếm)"),
        max_length=24,
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def clean_agency_code(self):
        from agencies.models import Agency

        code = self.cleaned_data["agency_code"].strip().upper()
        agency = Agency.objects.filter(code=code, valid_to__isnull=True).first()
        if agency is None:
            raise forms.ValidationError(_("No active agency has this electronic id."))
        return agency


class CounterIntakeForm(forms.Form):
    applicant_name = forms.CharField(label=_("Applicant's full name"), max_length=200)
    applicant_personal_id = forms.CharField(
        label=_("Applicant's personal identification number"), max_length=20
    )
    applicant_phone = forms.CharField(label=_("Mobile phone number"), max_length=20, required=False)
    subject_name = forms.CharField(
        label=_("Whom the dossier is about"), max_length=200, required=False
    )
    commune_code = forms.CharField(
        label=_("Commune code"), max_length=8, help_text=_("The commune whose agency is competent")
    )
    document = forms.FileField(label=_("Scanned documents (PDF, JPEG or PNG)"))

    def clean_applicant_personal_id(self) -> str:
        from portal.validators import validate_personal_id

        return validate_personal_id(self.cleaned_data["applicant_personal_id"])

    def clean_commune_code(self):
        from agencies.models import Commune

        commune = Commune.objects.filter(code=self.cleaned_data["commune_code"].strip()).first()
        if commune is None:
            raise forms.ValidationError(_("No commune has this code."))
        return commune

    def clean_document(self):
        from portal.validators import validate_upload

        uploaded = self.cleaned_data["document"]
        uploaded.detected_type = validate_upload(uploaded)
        return uploaded


class ReturnForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How the result is handed over"),
        choices=DeliveryMethod.choices,
        widget=forms.RadioSelect,
    )


class CheckedFileField(forms.FileField):
    """A document checked by size and content (portal.validators); its detected type is kept
    on the file as ``detected_type``."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        from portal.validators import validate_upload

        uploaded = super().clean(data, initial)
        if uploaded:
            uploaded.detected_type = validate_upload(uploaded)
        return uploaded


class ResubmitForm(forms.Form):
    """The applicant's answer to a supplement request: for each item asked for, a file, or
    words (or both); then an optional note. ``items`` are the request's rows; ``stored`` maps
    the index of a row to the file already uploaded for it in an earlier post that had an
    error elsewhere (kept, so the person need not choose it again)."""

    note = forms.CharField(
        label=_("Your answer to the agency"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional: anything else the agency should know."),
    )

    def __init__(
        self,
        *args: Any,
        items: Sequence[dict[str, Any]],
        stored: dict[int, dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.stored = stored or {}
        note = self.fields.pop("note")
        for i, item in enumerate(self.items):
            self.fields[f"file_{i}"] = CheckedFileField(
                label=_("New document: %(item)s") % {"item": item.get("name", "")},
                required=False,
                help_text=_("PDF, JPEG or PNG."),
            )
            self.fields[f"answer_{i}"] = forms.CharField(
                label=_("Your answer: %(item)s") % {"item": item.get("name", "")},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["note"] = note

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "index": i,
                "item": item,
                "file": self[f"file_{i}"],
                "answer": self[f"answer_{i}"],
                "stored": self.stored.get(i),
            }
            for i, item in enumerate(self.items)
        ]

    def valid_uploads(self) -> dict[int, Any]:
        """The files of this post that passed their checks (kept even when another field has
        an error)."""
        return {
            i: self.cleaned_data[f"file_{i}"]
            for i in range(len(self.items))
            if f"file_{i}" in getattr(self, "cleaned_data", {}) and self.cleaned_data[f"file_{i}"]
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(len(self.items)):
            if f"file_{i}" in self.errors:
                continue
            if not (
                data.get(f"file_{i}")
                or self.stored.get(i)
                or (data.get(f"answer_{i}") or "").strip()
            ):
                self.add_error(
                    f"answer_{i}",
                    _("Upload the document asked for, or write your answer about this item."),
                )
        return data

    def answers(self) -> list[str]:
        return [
            (self.cleaned_data.get(f"answer_{i}") or "").strip() for i in range(len(self.items))
        ]


class VerifyUploadForm(forms.Form):
    """A PDF to check on the public verification page (checked like any upload)."""

    document = forms.FileField(
        label=_("Check a PDF you were given"),
        help_text=_("The PDF of a result or a slip, up to 5 MB. It is checked and not kept."),
    )

    def clean_document(self):
        from portal.validators import validate_upload

        uploaded = self.cleaned_data["document"]
        if validate_upload(uploaded) != "application/pdf":
            raise forms.ValidationError(_("The file must be a PDF."), code="not_pdf")
        return uploaded


OTHER_DOCUMENT = "other"


class CertifiedCopyForm(forms.Form):
    """At the counter: whose original, which document, the scan, and the officer's confirmation
    that the scan was compared with the original (dossiers.services.copies)."""

    personal_id = forms.CharField(
        label=_("Personal identification number of the citizen"),
        max_length=20,
        help_text=_(
            "12 digits, on the chip-based ID card. The citizen is looked up in the "
            "national population database."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    document_type = forms.ChoiceField(
        label=_("Document presented"),
        help_text=_(
            "A copy of a document listed here can replace that document in the citizen's "
            "later dossiers."
        ),
    )
    document_title = forms.CharField(
        label=_("Name of the document as printed on it"),
        max_length=200,
        required=False,
        help_text=_("Required for another document; otherwise the catalogue's name is used."),
    )
    scan = forms.FileField(
        label=_("Scan of the original (PDF, JPEG or PNG)"),
        help_text=_("Every page of the original, smaller than 5 MB, at most 50 pages."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    compared = forms.BooleanField(
        label=_(
            "I compared this scan with the original the citizen presented, page by page: "
            "they are the same, and the original is not one that may not be certified "
            "(altered, damaged, illegible or secret)."
        ),
        error_messages={"required": _("Confirm that you compared the scan with the original.")},
    )

    def __init__(
        self, *args: Any, document_types: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["document_type"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  (declared above)
        field.choices = [
            ("", _("Choose the document")),
            *document_types,
            (OTHER_DOCUMENT, _("Another document (name it below)")),
        ]

    def clean_personal_id(self) -> str:
        from portal.validators import validate_personal_id

        return validate_personal_id(self.cleaned_data["personal_id"])

    def clean_scan(self):
        from portal.copies import ScanError, scan_as_pdf
        from portal.validators import validate_upload

        uploaded = self.cleaned_data["scan"]
        uploaded.detected_type = validate_upload(uploaded)
        uploaded.seek(0)
        content = uploaded.read()
        try:
            scan_as_pdf(content, uploaded.detected_type)
        except ScanError as exc:
            raise forms.ValidationError(exc.message, code="scan") from exc
        uploaded.content = content
        return uploaded

    def clean(self):
        data = super().clean() or {}
        if (
            data.get("document_type") == OTHER_DOCUMENT
            and not (data.get("document_title") or "").strip()
        ):
            self.add_error(
                "document_title",
                forms.ValidationError(
                    _("Write the name of the document as printed on it."), code="required"
                ),
            )
        return data


class RevokeResultForm(forms.Form):
    """A leader withdraws an issued result: why, what replaces it (optional), confirmed."""

    reason = forms.CharField(
        label=_("Why the result is revoked"),
        help_text=_(
            "Shown on the public verification page and to the applicant, e.g. “Issued with a "
            "wrong date of birth; corrected by the civil-status correction of 12/03/2026”."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={
            "required": _("Enter the reason the result is revoked"),
            "max_length": _("The reason must be 500 characters or fewer"),
        },
    )
    replacement_code = forms.CharField(
        label=_("Code of the dossier whose result replaces it (optional)"),
        help_text=_(
            "For a corrected record: the dossier of the correction, whose result your agency "
            "has issued. Leave empty if nothing replaces it."
        ),
        required=False,
        max_length=40,
        error_messages={"max_length": _("A dossier code has 40 characters or fewer")},
    )
    confirm = forms.BooleanField(
        label=_("I confirm the result is no longer valid"),
        error_messages={
            "required": _("Tick the box to confirm the revocation, or go back to the dossier")
        },
    )


class ApproveForm(forms.Form):
    """The leader's explicit confirmation after the result's preview (a second POST)."""

    confirm = forms.BooleanField(
        label=_("I have checked this result and approve it"),
        error_messages={
            "required": _(
                "Tick the box to confirm you have checked the result, or go back to the dossier"
            )
        },
    )
