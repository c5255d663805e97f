from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Agency, CalendarDay

MIN_WEBHOOK_SECRET_LENGTH = 16


class AgencyAdminForm(forms.ModelForm):
    """The webhook secret is write-only: a new value replaces it, blank keeps it."""

    webhook_url = forms.URLField(
        label=_("webhook URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the agency's system receives the dossiers (HTTPS in production)."),
    )
    new_webhook_secret = forms.CharField(
        label=_("new webhook secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 16 characters, agreed with the agency's system. Leave blank to keep the "
            "current secret."
        ),
    )

    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "name_en",
            "level",
            "kind",
            "province",
            "commune",
            "parent",
            "valid_from",
            "valid_to",
            "successor",
            "address",
            "email",
            "is_external",
            "webhook_url",
        ]

    def clean_new_webhook_secret(self) -> str:
        secret = self.cleaned_data.get("new_webhook_secret", "")
        if secret and len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
            raise forms.ValidationError(
                _("The secret must have at least %(n)s characters.")
                % {"n": MIN_WEBHOOK_SECRET_LENGTH}
            )
        return secret

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("is_external"):
            if not cleaned.get("webhook_url"):
                self.add_error("webhook_url", _("An external agency needs a webhook URL."))
            if not cleaned.get("new_webhook_secret") and not self.instance.webhook_secret:
                self.add_error(
                    "new_webhook_secret", _("An external agency needs a webhook secret.")
                )
        return cleaned

    def save(self, commit: bool = True) -> Agency:
        agency = super().save(commit=False)
        if self.cleaned_data.get("new_webhook_secret"):
            agency.webhook_secret = self.cleaned_data["new_webhook_secret"]
        if commit:
            agency.save()
            self.save_m2m()
        return agency


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ["code", "name", "level", "kind", "province", "is_external"]
    list_filter = ["level", "kind", "is_external"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["province"]
    raw_id_fields = ["province", "commune", "parent", "successor"]
    readonly_fields = ["webhook_secret_hint"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name",
                    "name_en",
                    "level",
                    "kind",
                    "province",
                    "commune",
                    "parent",
                    "valid_from",
                    "valid_to",
                    "successor",
                    "address",
                    "email",
                ]
            },
        ),
        (
            _("Own system (interoperability)"),
            {
                "fields": [
                    "is_external",
                    "webhook_url",
                    "webhook_secret_hint",
                    "new_webhook_secret",
                ],
                "description": _(
                    "Dossiers routed to an external agency are sent to its system by a signed "
                    "webhook; its system answers through /api/interop/ with API keys."
                ),
            },
        ),
    ]

    @admin.display(description=_("current webhook secret"))
    def webhook_secret_hint(self, obj: Agency) -> str:
        return obj.webhook_secret_hint or "—"


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Substitute days off and make-up working Saturdays, announced yearly."""

    list_display = ("date", "is_working_day", "name")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    search_fields = ("name",)
