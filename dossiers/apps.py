from django.apps import AppConfig


class DossiersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dossiers"

    def ready(self) -> None:
        from . import deadlines, services  # noqa: F401  (register outbox handlers)
