from django.apps import AppConfig


class DossiersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dossiers"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from agencies.models import Agency
        from agencies.signals import reference_data_changed
        from procedures.models import ImplementationLevel

        from . import deadlines, services  # noqa: F401  (register outbox handlers)
        from .models import RoutingRule
        from .routing import routing_changed

        for model in (RoutingRule, Agency, ImplementationLevel):
            post_save.connect(
                routing_changed, sender=model, dispatch_uid=f"routing-{model.__name__}"
            )
            post_delete.connect(
                routing_changed, sender=model, dispatch_uid=f"routing-{model.__name__}-delete"
            )
        reference_data_changed.connect(routing_changed, dispatch_uid="routing-reference-data")
