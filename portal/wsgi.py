"""
WSGI config for portal project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

application = get_wsgi_application()

# gunicorn runs no system check: refuse here to serve with a published or empty secret
from portal.checks import refuse_unsafe_configuration  # noqa: E402

refuse_unsafe_configuration()
