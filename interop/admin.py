"""Back-office for humans: dead letters are visible and can be requeued; API keys are issued
(shown once) and revoked here. Every change goes through `interop.services`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from dossiers.states import TransitionNotAllowed

from . import services
from .models import ApiKey, ApiScope, Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "dossier_code",
        "agency",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    ]
    list_filter = ["status", ("agency", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["=id", "dossier__code", "agency__code", "agency__name"]
    list_select_related = ["dossier", "agency"]
    date_hierarchy = "created_at"
    actions = ["requeue"]
    readonly_fields = [
        "id",
        "dossier",
        "agency",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
        "updated_at",
    ]

    @admin.display(description=_("dossier"), ordering="dossier__code")
    def dossier_code(self, obj: Delivery) -> str:
        return obj.dossier.code

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    @admin.action(description=_("Requeue (dead deliveries: a new cycle of attempts now)"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done, skipped = 0, 0
        for item in queryset:
            try:
                services.delivery_requeue(item=item, actor=request.user)  # type: ignore[arg-type]
                done += 1
            except TransitionNotAllowed:
                skipped += 1
        if done:
            self.message_user(request, _("%(n)s deliveries requeued.") % {"n": done})
        if skipped:
            self.message_user(
                request,
                _("%(n)s deliveries skipped: only dead deliveries can be requeued.")
                % {"n": skipped},
                messages.WARNING,
            )


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", _("Active")), ("yes", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        return queryset


class ApiKeyCreateForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = ApiKey
        fields = ["agency", "name", "scopes"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "agency",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [RevokedFilter, ("agency", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "prefix", "agency__code", "agency__name"]
    list_select_related = ["agency"]
    raw_id_fields = ["agency"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "name", "scopes"]
        return [
            "agency",
            "name",
            "prefix",
            "scopes",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoke instead: the audit log keeps pointing at the key

    def save_model(self, request, obj, form, change):
        if change:
            return
        key, raw_key = services.api_key_create(
            agency=form.cleaned_data["agency"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            created_by=request.user,
        )
        obj.pk = key.pk
        obj.prefix = key.prefix
        obj.key_hash = key.key_hash
        obj.created_at = key.created_at
        obj._state.adding = False
        request._interop_raw_key = raw_key  # type: ignore[attr-defined]

    def response_add(self, request, obj, post_url_continue=None):
        raw_key = getattr(request, "_interop_raw_key", None)
        if raw_key is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "interop/admin/apikey_created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "key": obj,
                "raw_key": raw_key,
                "title": _("API key created"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset.select_related("agency"):
            services.api_key_revoke(api_key=key, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, _("Keys revoked."))
