from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agencies"

    def ready(self) -> None:
        from agencies import signals  # noqa: F401 - connects the receivers
