from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401 - registers the system checks

        user_logged_in.connect(_remember_language, dispatch_uid="portal.remember_language")


def _remember_language(sender, request, user, **kwargs) -> None:  # type: ignore[no-untyped-def]
    from .views import remember_language

    if request is not None:
        remember_language(request, user)
