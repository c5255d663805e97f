from django.contrib import admin

from .models import Complaint, Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("dossier", "level", "agency", "rated_after", "review_status", "created_at")
    list_filter = ("level", "rated_after", "review_status", "channel")
    search_fields = ("dossier__code",)
    raw_id_fields = ("dossier", "agency", "procedure", "responded_by")
    readonly_fields = ("created_at",)


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "kind", "agency", "status", "deadline", "is_public")
    list_filter = ("status", "kind", "is_public")
    search_fields = ("code", "title")
    raw_id_fields = ("author", "agency", "procedure", "dossier", "answered_by")
    readonly_fields = ("created_at", "updated_at", "search_text")
