"""Test settings: the suite runs on SQLite by default, on PostgreSQL when DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
SMS_BACKEND = "portal.sms.backends.locmem.SmsBackend"
# Signed documents: no TSA unless a test starts the national mocks and asks for one
# (tests/dossiers/test_signatures.py); the keys are made in a session directory
# (tests/conftest.py).
DOCUMENT_SIGNATURE_LEVEL = env.str("DOCUMENT_SIGNATURE_LEVEL", default="B-B")
# The router's tests (tests/portal/test_replica.py) need a replica alias: a mirror of the test
# database, unused unless a test sets REPLICA_DATABASE (tests/integration/test_replica.py
# points it at the real streaming replica that .ci/run starts).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPLICA_DATABASE = None
