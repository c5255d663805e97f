from django.contrib import admin

from .models import Dossier, DossierEvent, EForm, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "order",
        "is_active",
        "procedure",
        "province",
        "commune",
        "agency",
        "note",
    )
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "procedure")
    autocomplete_fields = ("agency",)
    raw_id_fields = ("commune",)


class DossierEventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "agency", "from_status", "to_status", "note")
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """Read-only: dossiers change only through their services."""

    list_display = ("code", "status", "channel", "competent_agency", "submitted_at", "due_at")
    list_filter = ("status", "channel")
    search_fields = ("code",)
    inlines = [DossierEventInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EForm)
class EFormAdmin(admin.ModelAdmin):
    """Administrators edit a form definition as JSON; one that fails the schema or the engine's
    checks is refused with the list of problems (EForm.clean)."""

    list_display = ("key", "version", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("key",)
    readonly_fields = ("updated_at",)
