from django.apps import AppConfig


class PrefillConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "prefill"
