"""WSGI entry point: `gunicorn national_mocks.wsgi`.

The settings module is forced (not setdefault) so that a DJANGO_SETTINGS_MODULE meant for
the portal, e.g. in a shared docker image, cannot leak in; override it with
NATIONAL_MOCKS_SETTINGS_MODULE if you really need to.
"""

import os

from django.core.wsgi import get_wsgi_application

from . import SETTINGS_MODULE

os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get(
    "NATIONAL_MOCKS_SETTINGS_MODULE", SETTINGS_MODULE
)

application = get_wsgi_application()
