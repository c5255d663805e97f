"""Production settings: everything secret or machine-specific comes from the environment."""

from typing import Any

from portal.object_storage import s3_storage

from .base import *  # noqa: F403
from .base import STORAGES as BASE_STORAGES
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
# No default for a secret: unset, the process stops here; set to a published or empty value,
# the system check portal.E001-E003 stops it (portal/checks.py).
PORTAL_REFUSE_DEMO_SECRETS = True
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
PREFILL_CLIENT_SECRET = env.str("PREFILL_CLIENT_SECRET")
PAYMENT_SECRET = env.str("PAYMENT_SECRET")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
#: an agency without a signing certificate cannot sign: no certificate is made on the fly
DOCUMENT_PKI_AUTO_ISSUE = env.bool("DOCUMENT_PKI_AUTO_ISSUE", default=False)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True

CACHES = {"default": env.cache("CACHE_URL", default="rediscache://redis:6379/1")}
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# --- Files: S3-compatible object storage (issue 12, stateless nodes) ------------------------
# Every file the portal writes (attachments, draft uploads, results, ...) goes to one bucket
# shared by every web node and worker; no node keeps a file on its own disk. Objects are
# private (no ACL granting anyone a read, signed URLs only) and never overwritten: the names
# are made by the server (portal/uploads.py) and a clash gets a new name. Documents are handed
# out only through the access-checked views, which stream them (portal/downloads.py). Static
# files stay built into the image and served by whitenoise: they are code, not state.
S3_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY")  # checked like the secrets above
STORAGES: dict[str, dict[str, Any]] = {  # type: ignore[no-redef]
    **BASE_STORAGES,
    "default": s3_storage(env),  # portal/object_storage.py
}
