from django.conf import settings

from .otp import second_factor_pending


def portal(request):
    return {
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
        "second_factor_pending": second_factor_pending(request),
    }
