from django.apps import AppConfig


class InteropConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interop"
    verbose_name = "Interoperability"

    def ready(self) -> None:
        # registers the outbox handlers and the OpenAPI description of API keys
        from interop import handlers, schema, silence  # noqa: F401
