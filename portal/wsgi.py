"""
WSGI config for portal project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

application = get_wsgi_application()

# gunicorn runs no system check: refuse here to serve with a published or empty secret
from portal.checks import refuse_unsafe_configuration  # noqa: E402

refuse_unsafe_configuration()

# The loaded application (modules, URL patterns and their views, settings) moved out of the
# collector's sight: a full collection, which a request making many objects triggers (the
# ingest of connected systems: ~100,000 a batch), then walks the request's objects only, not
# the whole program's (docs/benchmarks.md, 20).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018  (imports every view now, before the freeze)
gc.freeze()
