"""The e-form of birth registration (procedure 1.001193)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Commune, Province
from portal.models import User
from portal.validators import validate_personal_id, validate_upload
from prefill.services import prefill_lookup
from procedures.models import ProcedureVersion

from . import LockableForm, PrefillContext, StepSpec, Submission, SummaryRow, register

SEX_CHOICES = [("female", _("Female")), ("male", _("Male"))]
RELATIONSHIP_CHOICES = [
    ("mother", _("I am the child's mother")),
    ("father", _("I am the child's father")),
    ("relative", _("I am another relative registering for the parents")),
]
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"]


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(**kwargs)


class PersonalIdField(forms.CharField):
    default_validators: list = []

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return validate_personal_id(value) if value else value


class ChildForm(forms.Form):
    full_name = forms.CharField(label=_("Child's full name"), max_length=100)
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, widget=forms.RadioSelect)
    date_of_birth = DateField(label=_("Date of birth"), help_text=_("For example 27/03/2026"))
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=50, initial="Kinh")
    nationality = forms.CharField(label=_("Nationality"), max_length=50, initial="Việt Nam")

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if any(ch.isdigit() for ch in name):
            raise forms.ValidationError(_("A name cannot contain digits."))
        return name

    def clean_date_of_birth(self) -> dt.date:
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth must be today or in the past."))
        if value < dt.date(1900, 1, 1):
            raise forms.ValidationError(_("Check the year of birth."))
        return value


class ApplicantForm(forms.Form):
    relationship = forms.ChoiceField(
        label=_("How are you related to the child?"),
        choices=RELATIONSHIP_CHOICES,
        widget=forms.RadioSelect,
    )


class ParentForm(LockableForm):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    identification_number = PersonalIdField(
        label=_("Personal identification number"),
        help_text=_("12 digits, on the identity card"),
    )
    date_of_birth = DateField(label=_("Date of birth"))
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=50)
    nationality = forms.CharField(label=_("Nationality"), max_length=50)
    residence = forms.CharField(label=_("Place of residence"), max_length=255)


class FatherForm(ParentForm):
    unknown = forms.BooleanField(
        label=_("The father is not known (leave his details empty)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "unknown":
                field.required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("unknown"):
            for name in ("full_name", "identification_number", "date_of_birth", "nationality"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("Enter the father's details, or tick 'The father is not known'."),
                            code="required",
                        ),
                    )
        return data


class ProvinceForm(forms.Form):
    province = forms.ModelChoiceField(
        label=_("In which province or city was the child born?"),
        queryset=Province.objects.order_by("name"),
        empty_label=_("Choose a province or city"),
        to_field_name="code",
    )


class CommuneChoiceField(forms.ModelChoiceField):
    """Communes of one province, listed by their own name."""

    def label_from_instance(self, obj: Commune) -> str:  # type: ignore[override]
        return obj.name


class CommuneForm(forms.Form):
    commune = CommuneChoiceField(
        label=_("In which commune or ward was the child born?"),
        queryset=Commune.objects.none(),
        empty_label=_("Choose a commune or ward"),
        to_field_name="code",
        help_text=_("The People's Committee of this commune will register the birth."),
    )
    place_detail = forms.CharField(
        label=_("Place of birth"),
        max_length=255,
        help_text=_("The name of the hospital or health facility, or the address"),
    )

    def __init__(self, *args: Any, province_code: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commune"]
        if not isinstance(field, forms.ModelChoiceField):  # pragma: no cover
            raise TypeError("commune must be a ModelChoiceField")
        field.queryset = Commune.objects.filter(province__code=province_code).order_by("name")


class DocumentsForm(forms.Form):
    birth_certificate = forms.FileField(
        label=_("Birth certificate from the hospital"),
        help_text=_(
            "A PDF, JPEG or PNG file, smaller than 5 MB. A clear photo taken with a phone is fine."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )

    def clean_birth_certificate(self):
        uploaded = self.cleaned_data["birth_certificate"]
        uploaded.detected_type = validate_upload(uploaded)
        return uploaded


class ContactForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("We send the receipt and every change to the dossier here"),
    )
    phone = forms.CharField(label=_("Mobile phone number"), max_length=20, required=False)

    def clean_phone(self) -> str:
        phone = "".join(ch for ch in self.cleaned_data["phone"] if ch.isdigit() or ch == "+")
        if phone and not (9 <= len(phone.lstrip("+")) <= 12):
            raise forms.ValidationError(_("Enter a phone number such as 0912 345 678."))
        return phone


class ReviewForm(forms.Form):
    declaration = forms.BooleanField(
        label=_("I declare that the information I have given is true and I am responsible for it."),
        error_messages={"required": _("Tick the declaration to submit the dossier.")},
    )


def _address(address: dict[str, Any] | None) -> str:
    if not address:
        return ""
    commune = (
        Commune.objects.select_related("province").filter(code=address.get("commune_code")).first()
    )
    parts = [address.get("detail", "")]
    if commune is not None:
        parts += [commune.name, commune.province.name]
    return ", ".join(p for p in parts if p)


def _parent_initial(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "full_name": record.get("full_name", ""),
        "identification_number": record.get("identification_number", ""),
        "date_of_birth": record.get("date_of_birth", ""),
        "ethnicity": record.get("ethnicity", ""),
        "nationality": record.get("nationality", ""),
        "residence": _address(record.get("current_address") or record.get("permanent_address")),
    }


#: what a verified population record fixes about a parent
LOCKED_PARENT_FIELDS = ("full_name", "identification_number", "date_of_birth")


def _locked(record: dict[str, Any], initial: dict[str, Any]) -> dict[str, str]:
    if not record.get("verified"):
        return {}
    return {name: str(initial[name]) for name in LOCKED_PARENT_FIELDS if initial.get(name)}


def _fmt(value: Any) -> str:
    """Answers as people read them, from cleaned data or from the dossier's stored JSON."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if value is None:
        return ""
    return str(value)


@register
class BirthRegistration:
    key = "birth_registration"
    steps = [
        StepSpec("child", _("About the child"), ChildForm),
        StepSpec("applicant", _("About you"), ApplicantForm),
        StepSpec("mother", _("The child's mother"), ParentForm),
        StepSpec("father", _("The child's father"), FatherForm),
        StepSpec("province", _("Place of birth: province"), ProvinceForm),
        StepSpec("commune", _("Place of birth: commune"), CommuneForm),
        StepSpec("documents", _("Documents"), DocumentsForm),
        StepSpec("contact", _("How we contact you"), ContactForm),
        StepSpec("review", _("Check your answers"), ReviewForm, "eforms/review.html"),
    ]

    def form_kwargs(self, step: str, answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
        if step == "commune":
            province = (answers.get("province") or {}).get("province")
            return {"province_code": province.code if province is not None else None}
        return {}

    def prefill(self, *, user: User, version: ProcedureVersion) -> PrefillContext:
        context = PrefillContext()
        context.initial["contact"] = {"email": user.email, "phone": user.phone}
        if not user.personal_id:
            return context
        purpose = f"{version.procedure.code} {version.procedure.name}"
        own = prefill_lookup(
            actor=user, source_key="population", subject_id=user.personal_id, purpose=purpose
        )
        if own.unavailable:
            context.unavailable.append("population")
            return context
        if not own.record:
            return context
        label = str(_("from the national population database"))
        own_step = "mother" if own.record.get("gender") == "female" else "father"
        other_step = "father" if own_step == "mother" else "mother"
        context.initial[own_step] = _parent_initial(own.record)
        context.sources[own_step] = dict.fromkeys(context.initial[own_step], label)
        context.locked[own_step] = _locked(own.record, context.initial[own_step])
        context.initial["applicant"] = {"relationship": own_step}
        spouse = own.record.get("spouse") or {}
        if spouse.get("identification_number"):
            other = prefill_lookup(
                actor=user,
                source_key="population",
                subject_id=spouse["identification_number"],
                purpose=purpose,
            )
            if other.unavailable:
                context.unavailable.append("population")
            elif other.record:
                context.initial[other_step] = _parent_initial(other.record)
                context.sources[other_step] = dict.fromkeys(context.initial[other_step], label)
                context.locked[other_step] = _locked(other.record, context.initial[other_step])
        return context

    def summary(self, answers: dict[str, dict[str, Any]]) -> list[tuple[str, list[SummaryRow]]]:
        child = answers.get("child", {})
        mother = answers.get("mother", {})
        father = answers.get("father", {})
        commune = answers.get("commune", {})
        documents = answers.get("documents", {})
        contact = answers.get("contact", {})
        sex = dict(SEX_CHOICES).get(child.get("sex") or "", "")
        relationship = dict(RELATIONSHIP_CHOICES).get(
            answers.get("applicant", {}).get("relationship") or "", ""
        )

        def parent_rows(data: dict[str, Any], step: str) -> list[SummaryRow]:
            if data.get("unknown"):
                return [SummaryRow(gettext("Father"), gettext("Not known"), step)]
            return [
                SummaryRow(gettext("Full name"), _fmt(data.get("full_name")), step),
                SummaryRow(
                    gettext("Personal identification number"),
                    _fmt(data.get("identification_number")),
                    step,
                ),
                SummaryRow(gettext("Date of birth"), _fmt(data.get("date_of_birth")), step),
                SummaryRow(gettext("Ethnicity"), _fmt(data.get("ethnicity")), step),
                SummaryRow(gettext("Nationality"), _fmt(data.get("nationality")), step),
                SummaryRow(gettext("Place of residence"), _fmt(data.get("residence")), step),
            ]

        upload = documents.get("birth_certificate")
        document_rows = (
            [SummaryRow(gettext("Birth certificate from the hospital"), upload.name, "documents")]
            if upload
            else []
        )
        sections = [
            (
                gettext("About the child"),
                [
                    SummaryRow(gettext("Child's full name"), _fmt(child.get("full_name")), "child"),
                    SummaryRow(gettext("Sex"), str(sex), "child"),
                    SummaryRow(gettext("Date of birth"), _fmt(child.get("date_of_birth")), "child"),
                    SummaryRow(gettext("Ethnicity"), _fmt(child.get("ethnicity")), "child"),
                    SummaryRow(gettext("Nationality"), _fmt(child.get("nationality")), "child"),
                ],
            ),
            (
                gettext("About you"),
                [SummaryRow(gettext("Relationship"), str(relationship), "applicant")],
            ),
            (gettext("The child's mother"), parent_rows(mother, "mother")),
            (gettext("The child's father"), parent_rows(father, "father")),
            (
                gettext("Place of birth"),
                [
                    SummaryRow(
                        gettext("Commune or ward"),
                        _fmt(commune.get("commune_name") or commune.get("commune")),
                        "province",
                    ),
                    SummaryRow(
                        gettext("Place of birth"), _fmt(commune.get("place_detail")), "commune"
                    ),
                ],
            ),
            (gettext("Documents"), document_rows),
            (
                gettext("How we contact you"),
                [
                    SummaryRow(gettext("E-mail address"), _fmt(contact.get("email")), "contact"),
                    SummaryRow(
                        gettext("Mobile phone number"), _fmt(contact.get("phone")), "contact"
                    ),
                ],
            ),
        ]
        return [(title, rows) for title, rows in sections if rows]

    def submission(self, answers: dict[str, dict[str, Any]]) -> Submission:
        def plain(data: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for name, value in data.items():
                if isinstance(value, dt.date):
                    out[name] = value.isoformat()
                elif hasattr(value, "code"):
                    out[name] = value.code
                elif hasattr(value, "read"):
                    continue
                else:
                    out[name] = value
            return out

        commune = answers["commune"]["commune"]
        data = {
            step: plain(values)
            for step, values in answers.items()
            if step not in ("review", "documents")
        }
        data["commune"]["commune_name"] = str(commune)
        return Submission(
            subject_name=answers["child"]["full_name"],
            commune=commune,
            data=data,
            case_code="TH1",
            files={"GCS": answers["documents"]["birth_certificate"]},
            email=answers.get("contact", {}).get("email", ""),
            phone=answers.get("contact", {}).get("phone", ""),
        )

    def result_fields(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        """The rows of the birth registration extract (always in Vietnamese, as issued)."""
        child = data.get("child", {})
        mother = data.get("mother", {})
        father = data.get("father", {})
        commune = data.get("commune", {})

        def date(value: str | None) -> str:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y") if value else ""

        place = ", ".join(
            p for p in (commune.get("place_detail", ""), commune.get("commune_name", "")) if p
        )
        rows = [
            ("Họ, chữ đệm, tên", child.get("full_name", "")),
            ("Ngày, tháng, năm sinh", date(child.get("date_of_birth"))),
            ("Giới tính", {"female": "Nữ", "male": "Nam"}.get(child.get("sex", ""), "")),
            ("Dân tộc", child.get("ethnicity", "")),
            ("Quốc tịch", child.get("nationality", "")),
            ("Nơi sinh", place),
            ("Họ, chữ đệm, tên người mẹ", mother.get("full_name", "")),
            ("Số định danh cá nhân của người mẹ", mother.get("identification_number", "")),
        ]
        if father and not father.get("unknown"):
            rows += [
                ("Họ, chữ đệm, tên người cha", father.get("full_name", "")),
                ("Số định danh cá nhân của người cha", father.get("identification_number", "")),
            ]
        return rows
