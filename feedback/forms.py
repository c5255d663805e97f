from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .criteria import CRITERIA, point_labels
from .models import ComplaintKind, RatingLevel

CRITERION_PREFIX = "criterion_"


def _criterion_choices() -> list[tuple[str, Any]]:
    labels = point_labels()
    return [("", _("No answer")), *((str(p), labels[p]) for p in (2, 1, 0))]


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you with how your dossier was handled?"),
        choices=RatingLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What went well, or what should be better"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # one optional row of radios per criterion; "No answer" is preselected, so a person
        # who changes their mind can clear a row without JavaScript
        for slug, label in CRITERIA.items():
            self.fields[CRITERION_PREFIX + slug] = forms.TypedChoiceField(
                label=label,
                choices=_criterion_choices(),
                coerce=int,
                empty_value=None,
                required=False,
                initial="",
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose Good, Acceptable, Poor or No answer.")},
            )

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self["level"], self["comment"]]

    @property
    def criterion_fields(self) -> list[forms.BoundField]:
        return [self[CRITERION_PREFIX + slug] for slug in CRITERIA]

    def criteria(self) -> dict[str, int]:
        """The answered criteria as {slug: points}."""
        return {
            slug: self.cleaned_data[CRITERION_PREFIX + slug]
            for slug in CRITERIA
            if self.cleaned_data.get(CRITERION_PREFIX + slug) is not None
        }


class RatingResponseForm(forms.Form):
    response = forms.CharField(
        label=_("Your response to the applicant"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The applicant sees it on their dossier page and gets a notification."),
        error_messages={"required": _("Write your response to the applicant.")},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the case is reopened for review"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the applicant. The dossier's status does not change."),
        error_messages={"required": _("Say why the case is reopened.")},
    )


class ComplaintForm(forms.Form):
    """Feedback or a complaint. The agency comes from the dossier, or is searched and chosen
    on the same page (a "Search" button re-shows the form with everything typed kept)."""

    kind = forms.ChoiceField(
        label=_("What is your feedback about?"),
        choices=ComplaintKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what your feedback is about.")},
    )
    dossier = forms.ChoiceField(
        label=_("Which dossier is it about? (optional)"),
        required=False,
        help_text=_("The feedback goes to the agency handling that dossier."),
    )
    agency_query = forms.CharField(
        label=_("Or find the agency (optional)"),
        required=False,
        max_length=100,
        help_text=_('Type part of its name, e.g. "Hoan Kiem", then press Search.'),
    )
    agency = forms.TypedChoiceField(
        label=_("Agency"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the agencies found.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_('A short summary, e.g. "Long wait for a birth certificate"'),
        error_messages={"required": _("Write a short title.")},
    )
    content = forms.CharField(
        label=_("Your feedback"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What happened, when and where. If the answer is published, your name is never shown."
        ),
        error_messages={"required": _("Write your feedback.")},
    )

    def __init__(
        self,
        *args: Any,
        dossier_choices: list[tuple[str, str]],
        agency_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        dossier_field = cast("forms.ChoiceField", self.fields["dossier"])
        dossier_field.choices = [("", _("Not about a dossier")), *dossier_choices]
        agency_field = cast("forms.ChoiceField", self.fields["agency"])
        agency_field.choices = [(str(pk), name) for pk, name in agency_choices]
        if not agency_choices:
            agency_field.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # someone who typed an agency's name but did not pick it would see their complaint go
        # to national triage without knowing: ask them to pick (or clear the box) instead
        if (
            (cleaned.get("agency_query") or "").strip()
            and not cleaned.get("agency")
            and not cleaned.get("dossier")
            and "agency" not in self.errors
        ):
            self.add_error(
                "agency_query",
                _("Press Search and choose the agency, or clear this box."),
            )
        return cleaned


class PublicTextForm(forms.Form):
    public_title = forms.CharField(
        label=_("Title as published"),
        max_length=200,
        required=False,
        help_text=_("Without names, identification numbers, phone numbers or addresses."),
    )
    public_question = forms.CharField(
        label=_("Question as published"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Rewrite the question for everyone to read: keep the substance, remove anything "
            "that identifies a person."
        ),
    )
    #: the public text is required when publishing
    publishing = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.publishing_requested(cleaned):
            for name, message in (
                ("public_title", _("Write the title as it will be published.")),
                ("public_question", _("Write the question as it will be published.")),
            ):
                if not (cleaned.get(name) or "").strip():
                    self.add_error(name, message)
        return cleaned

    def publishing_requested(self, cleaned: dict[str, Any]) -> bool:
        return self.publishing


class ComplaintAnswerForm(PublicTextForm):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write the answer.")},
    )
    publish = forms.BooleanField(
        label=_("Publish the question and the answer on the portal"),
        required=False,
        help_text=_(
            "Only the title and question written below and the answer are published; never "
            "the author's name, the dossier or your name."
        ),
    )
    field_order = ["answer", "publish", "public_title", "public_question"]

    def publishing_requested(self, cleaned: dict[str, Any]) -> bool:
        return bool(cleaned.get("publish"))


class ComplaintRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the feedback is not accepted"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the feedback is not accepted.")},
    )


class ComplaintRouteForm(forms.Form):
    agency_code = forms.CharField(
        label=_("Electronic id of the responsible agency"),
        help_text=_("For example 00070.00.H01 (People's Committee of Phường Hoàn Kiếm)"),
        max_length=24,
        error_messages={"required": _("Enter the electronic id of the agency.")},
    )

    def clean_agency_code(self) -> Agency:
        code = self.cleaned_data["agency_code"].strip().upper()
        agency = Agency.objects.filter(code=code, valid_to__isnull=True).first()
        if agency is None:
            raise forms.ValidationError(_("No active agency has this electronic id."))
        return agency


class AnswerRatingForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Does this answer satisfy you?"),
        choices=[("1", _("Yes, I am satisfied")), ("0", _("No, I am not satisfied"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no.")},
    )


class PublicSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the answers"), required=False, max_length=100)
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    procedure = forms.ChoiceField(label=_("Procedure"), required=False)

    def __init__(
        self,
        *args: Any,
        agency_choices: list[tuple[int, str]],
        procedure_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        agency_field = cast("forms.ChoiceField", self.fields["agency"])
        agency_field.choices = [("", _("All agencies")), *agency_choices]
        procedure_field = cast("forms.ChoiceField", self.fields["procedure"])
        procedure_field.choices = [("", _("All procedures")), *procedure_choices]
