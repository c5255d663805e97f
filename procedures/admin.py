"""Administrators edit the catalogue and publish new versions here.

A version that dossiers use is read-only (its dossiers keep what they were submitted under):
to change a procedure, "Publish a new version" copies the version in force with the next
number and a new effective date, unpublished; the administrator edits the copy, then
publishes it with "Publish the selected versions".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import (
    Case,
    Channel,
    Component,
    Fee,
    ImplementationLevel,
    LegalBasis,
    LifeEvent,
    Procedure,
    ProcedureVersion,
    Result,
    Sector,
    Step,
)
from .selectors import catalogue_changed
from .services import (
    procedure_search_text_refresh,
    procedure_version_draft,
    procedure_version_publish,
    search_vocabulary_refresh,
)


def _locked(version: ProcedureVersion | None) -> bool:
    return version is not None and version.pk is not None and version.dossiers.exists()


class VersionChildInline(admin.TabularInline):
    """Children of a version: read-only once dossiers use the version."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked(obj) and super().has_delete_permission(request, obj)


class LevelInline(VersionChildInline):
    model = ImplementationLevel
    fields = [
        "level",
        "competent_agency_kind",
        "competent_agency",
        "competent_agency_en",
        "competent_agency_number",
        "competent_agency_code",
        "implementing_agency",
        "delegated_agency",
        "coordinating_agencies",
        "coordinating_agencies_en",
        "receiving_address",
        "receiving_address_en",
    ]


class ChannelInline(VersionChildInline):
    model = Channel
    fields = ["kind", "time_limit", "time_unit", "time_note", "time_note_en"]
    show_change_link = True  # fees are edited on the channel's page


class CaseInline(VersionChildInline):
    model = Case
    fields = ["code", "name", "name_en"]
    show_change_link = True  # components are edited on the case's page


class StepInline(VersionChildInline):
    model = Step
    fields = ["order", "name", "name_en", "role", "duration_hours"]


class ResultInline(VersionChildInline):
    model = Result
    fields = ["code", "name", "name_en", "template"]


class LegalBasisInline(VersionChildInline):
    model = LegalBasis
    fields = ["number", "title", "title_en", "issuer", "issuer_en", "issue_date", "effective_date"]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = [
        "procedure",
        "number",
        "effective_from",
        "effective_to",
        "is_published",
        "online_level",
        "form_key",
    ]
    list_filter = ["is_published", "online_level"]
    search_fields = ["procedure__code", "procedure__name"]
    list_select_related = ["procedure"]
    readonly_fields = ["procedure", "number", "is_published", "dossier_count"]
    inlines = [LevelInline, ChannelInline, CaseInline, StepInline, ResultInline, LegalBasisInline]
    actions = ["publish_versions"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "procedure",
                    "number",
                    "is_published",
                    "dossier_count",
                    "effective_from",
                    "effective_to",
                    "publishing_decision",
                ]
            },
        ),
        (
            _("What the person reads"),
            {"fields": ["description", "description_en", "conditions", "conditions_en"]},
        ),
        (
            _("Online service"),
            {
                "fields": [
                    "online_level",
                    "eligible_full_process",
                    "online_payment_required",
                    "e_signed_result",
                    "accept_regardless_of_address",
                    "proxy_allowed",
                    "form_key",
                    "related_codes",
                    "bundle_parts",
                ]
            },
        ),
    ]

    @admin.display(description=_("dossiers"))
    def dossier_count(self, obj: ProcedureVersion) -> int:
        return obj.dossiers.count() if obj.pk else 0

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a new version is a copy: "Publish a new version" on the procedure list

    def has_change_permission(
        self, request: HttpRequest, obj: ProcedureVersion | None = None
    ) -> bool:
        return not _locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: ProcedureVersion | None = None
    ) -> bool:
        return not _locked(obj) and super().has_delete_permission(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        procedure_search_text_refresh(procedure=form.instance.procedure)
        search_vocabulary_refresh()

    @admin.action(description=_("Publish the selected versions"), permissions=["change"])
    def publish_versions(self, request: HttpRequest, queryset: QuerySet[ProcedureVersion]) -> None:
        count = 0
        for version in queryset.filter(is_published=False):
            procedure_version_publish(version=version)
            count += 1
        self.message_user(
            request,
            _("%(count)d version(s) published. Each is in force from its effective date.")
            % {"count": count},
            messages.SUCCESS,
        )


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0
    fields = ["code", "amount", "unit", "description", "description_en"]


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0
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


class VersionPartAdmin(admin.ModelAdmin):
    """A channel (with its fees) or a case (with its components), reached from its version."""

    def get_model_perms(self, request: HttpRequest) -> dict[str, bool]:
        return {}  # not listed on the admin index: opened from the version's page

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        catalogue_changed()  # the procedure page shows fees and documents

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        catalogue_changed()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and _locked(obj.version)) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not (obj is not None and _locked(obj.version)) and super().has_delete_permission(
            request, obj
        )


@admin.register(Channel)
class ChannelAdmin(VersionPartAdmin):
    inlines = [FeeInline]
    readonly_fields = ["version"]
    fields = ["version", "kind", "time_limit", "time_unit", "time_note", "time_note_en"]


@admin.register(Case)
class CaseAdmin(VersionPartAdmin):
    inlines = [ComponentInline]
    readonly_fields = ["version"]
    fields = ["version", "code", "name", "name_en"]


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    fields = readonly_fields = (
        "number",
        "effective_from",
        "effective_to",
        "is_published",
        "online_level",
        "edit_link",
    )
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("edit"))
    def edit_link(self, obj: ProcedureVersion) -> str:
        url = reverse("admin:procedures_procedureversion_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("open"))


class NewVersionForm(forms.Form):
    effective_from = forms.DateField(
        label=_("In force from"),
        help_text=_("The date from which new dossiers use the new version (YYYY-MM-DD)."),
    )

    def clean_effective_from(self) -> dt.date:
        value = self.cleaned_data["effective_from"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later date."), code="past")
        return value


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sector", "essential_service", "is_published"]
    list_filter = ["is_published", "essential_service", "sector", "life_events"]
    search_fields = ["code", "name", "name_en", "keywords"]
    list_select_related = ["sector"]
    autocomplete_fields = ["ministry"]
    filter_horizontal = ["life_events"]
    fields = [
        "code",
        "name",
        "name_en",
        "sector",
        "applicant_types",
        "keywords",
        "life_events",
        "essential_service",
        "ministry",
        "is_published",
    ]
    inlines = [VersionInline]
    actions = ["new_version"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        procedure_search_text_refresh(procedure=form.instance)
        search_vocabulary_refresh()

    @admin.action(
        description=_("Publish a new version (a copy of the version in force)"),
        permissions=["change"],
    )
    def new_version(
        self, request: HttpRequest, queryset: QuerySet[Procedure]
    ) -> HttpResponse | None:
        form = NewVersionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            created = [
                procedure_version_draft(
                    procedure=procedure, effective_from=form.cleaned_data["effective_from"]
                )
                for procedure in queryset
            ]
            for version in created:
                url = reverse("admin:procedures_procedureversion_change", args=[version.pk])
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Version %(number)d of %(code)s created, not yet published.")
                        % {"number": version.number, "code": version.procedure.code},
                        url,
                        _("Edit it, then publish it."),
                    ),
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "admin/procedures/new_version.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Publish a new version"),
                "form": form,
                "procedures": queryset,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


class RefreshingAdmin(admin.ModelAdmin):
    """Names of sectors and life events are part of the search text of their procedures."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for procedure in obj.procedures.all():
            procedure_search_text_refresh(procedure=procedure)
        search_vocabulary_refresh()


@admin.register(Sector)
class SectorAdmin(RefreshingAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]


@admin.register(LifeEvent)
class LifeEventAdmin(RefreshingAdmin):
    list_display = ["slug", "name", "name_en", "order"]
    list_editable = ["order"]
