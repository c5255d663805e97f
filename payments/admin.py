"""Read-only views of payments for administrators: every change goes through the services."""

from __future__ import annotations

from django.contrib import admin

from .models import CallbackLog, Obligation, Payment, PaymentEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "from_state", "to_state", "source", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ["reference", "dossier", "amount", "state", "created_at", "paid_at"]
    list_filter = ["state"]
    search_fields = ["reference", "dossier__code", "platform_transaction_id"]
    inlines = [PaymentEventInline]


@admin.register(CallbackLog)
class CallbackLogAdmin(ReadOnly):
    list_display = ["received_at", "reference", "outcome", "reason", "verified", "http_status"]
    list_filter = ["outcome", "reason", "verified"]
    search_fields = ["reference"]


@admin.register(Obligation)
class ObligationAdmin(ReadOnly):
    list_display = ["dossier", "amount", "description", "requested_at", "paid_at"]
