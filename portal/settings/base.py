"""Base settings: the embedded default (SQLite, filesystem Celery broker) used by the demo.

Everything that differs between machines comes from the environment (django-environ);
`test.py` and `production.py` adjust this module.
"""

import datetime as dt
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from portal.db_pooler import configure_pooler

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
)

#: The secrets published with the code: the demo's defaults below. The production settings
#: refuse to start with any of them, with an empty one or with a placeholder of
#: .env.example (portal/checks.py).
PORTAL_DEMO_SECRETS = {
    "SECRET_KEY": "insecure-demo-key-do-not-use-in-production-3f9a1c7e",
    "OIDC_RP_CLIENT_SECRET": "demo-sso-client-secret",
    "PREFILL_CLIENT_SECRET": "demo-data-exchange-secret",
    "PAYMENT_SECRET": "demo-payment-secret",
}
PORTAL_REFUSE_DEMO_SECRETS = False

SECRET_KEY = env.str("SECRET_KEY", default=PORTAL_DEMO_SECRETS["SECRET_KEY"])
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "formtools",
    "mozilla_django_oidc",
    "portal",
    "agencies",
    "procedures",
    "dossiers",
    "prefill",
    "feedback",
    "interop",
    "payments",
    "dashboards",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.replica.ReplicaPinningMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.RefuseNulMiddleware",
    "portal.middleware.StorageUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "web.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "portal.pagecache.context_processor",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, Celery worker) share the demo database file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # Persistent connections, checked before each request and each Celery task
    # (portal/celery.py): opening one was 59 % of a short task's time (docs/benchmarks.md, 9).
    # `?conn_max_age=0` in DATABASE_URL (or DATABASE_CONN_MAX_AGE=0) opens one per use.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# --- Reads from a streaming replica (portal/replica.py, docs/operations.md) -----------------
#: The replica's alias, or None: without DATABASE_REPLICA_URL every read goes to the primary.
REPLICA_DATABASE: str | None = None
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"].get("CONN_MAX_AGE", 0))
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    # A replica that does not answer costs one request this long, then is skipped for
    # REPLICA_RETRY_SECONDS (the reads go to the primary).
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2)
    )
    # Tests run against the primary's test database (never a test database of its own).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    REPLICA_DATABASE = "replica"
DATABASE_ROUTERS = ["portal.replica.ReplicaRouter"]

# --- A connection pooler in front of PostgreSQL (portal/db_pooler.py, docs/operations.md) ---
#: "pgbouncer-transaction" when DATABASE_URL and DATABASE_REPLICA_URL go through PgBouncer in
#: transaction mode: no server-side cursors then. Migrations run with a direct DATABASE_URL.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
configure_pooler(DATABASES, DATABASE_POOLER)
#: After a write, that browser's reads stay on the primary this long (longer than the lag).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
#: A replica found down is not tried again by this process for this long.
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "portal.auth.CitizenOIDCBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

# --- Language and time -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
#: digits in groups of three where a number is grouped (Django's Vietnamese formats leave it unset:
#: 1.234 in Vietnamese, 1,234 in English); only where grouping is asked for (dashboards.tables)
NUMBER_GROUPING = 3

# --- Static and uploaded files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: documents go through access-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
PORTAL_UPLOAD_MAX_BYTES = env.int("PORTAL_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)

# --- Public site --------------------------------------------------------------------------
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# --- Mocked national services (replace the URLs and secrets to use the real ones) ------------
NATIONAL_SERVICES_URL = env.str("NATIONAL_SERVICES_URL", default="http://127.0.0.1:8001")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default=f"{NATIONAL_SERVICES_URL}/sso")

# --- Signed documents (portal/pdfsign.py, docs/documents.md) ----------------------------------
#: where the agencies' signing keys and certificates are (var/pki/ in the demo, never in git)
DOCUMENT_PKI_DIR = Path(env.str("DOCUMENT_PKI_DIR", default=str(VAR_DIR / "pki")))
#: make the demo CA and a missing agency certificate on first use (demo and tests only)
DOCUMENT_PKI_AUTO_ISSUE = env.bool("DOCUMENT_PKI_AUTO_ISSUE", default=True)
#: "files" (DOCUMENT_PKI_DIR) or another registered signer provider (an HSM)
DOCUMENT_SIGNER_PROVIDER = env.str("DOCUMENT_SIGNER_PROVIDER", default="files")
#: PEM files of the trusted roots (default: the demo root in DOCUMENT_PKI_DIR)
DOCUMENT_TRUST_ROOTS = env.list("DOCUMENT_TRUST_ROOTS", default=[])
#: B-B (signature only), B-T (+ RFC 3161 timestamp), B-LT (+ certificates and CRLs embedded)
DOCUMENT_SIGNATURE_LEVEL = env.str("DOCUMENT_SIGNATURE_LEVEL", default="B-LT")
DOCUMENT_TSA_URL = env.str("DOCUMENT_TSA_URL", default=f"{NATIONAL_SERVICES_URL}/pki/v1/tsa")
DOCUMENT_PKI_TIMEOUT_SECONDS = env.float("DOCUMENT_PKI_TIMEOUT_SECONDS", default=5.0)
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="national-portal")
OIDC_RP_CLIENT_SECRET = env.str(
    "OIDC_RP_CLIENT_SECRET", default=PORTAL_DEMO_SECRETS["OIDC_RP_CLIENT_SECRET"]
)
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid profile"
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str(
    "OIDC_OP_AUTHORIZATION_ENDPOINT", default=f"{OIDC_OP_ISSUER}/authorize"
)
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default=f"{OIDC_OP_ISSUER}/token")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default=f"{OIDC_OP_ISSUER}/userinfo")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default=f"{OIDC_OP_ISSUER}/jwks")
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TIMEOUT = 5
# ID tokens issued up to this many seconds "in the future" (or expired this long ago) pass
OIDC_CLOCK_SKEW_SECONDS = env.int("OIDC_CLOCK_SKEW_SECONDS", default=60)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
# refused sign-ins are logged, audited and end on LOGIN_REDIRECT_URL_FAILURE (portal/auth.py)
OIDC_CALLBACK_CLASS = "portal.auth.CitizenOIDCCallbackView"
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"
OIDC_STORE_ID_TOKEN = False

PREFILL_CLIENT_ID = env.str("PREFILL_CLIENT_ID", default="national-portal")
PREFILL_CLIENT_SECRET = env.str(
    "PREFILL_CLIENT_SECRET", default=PORTAL_DEMO_SECRETS["PREFILL_CLIENT_SECRET"]
)
PREFILL_TIMEOUT_SECONDS = env.float("PREFILL_TIMEOUT_SECONDS", default=3.0)

# --- Celery -------------------------------------------------------------------------------
# The demo uses kombu's filesystem transport: a real broker and a real worker, no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task is killed after this long (and warned before); PORTAL_OUTBOX_LEASE_SECONDS must stay
# longer (portal.E005: the notifications' claims are taken over after the time limit)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_SECONDS", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT_SECONDS", default=90)
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fixup closes every database connection before and after each task unless
# this is set (then only every 1,000 tasks); portal/celery.py applies Django's own rules
# (CONN_MAX_AGE, CONN_HEALTH_CHECKS) around each task instead, as for a request.
CELERY_DB_REUSE_MAX = 1000
# One queue per kind of work (portal/outbox.py: routing, notify, celery); a worker without -Q
# consumes all of them, production runs one worker service per queue (docker-compose.yml).
# Each names its routing key (without it the worker's banner lists key=celery for all three).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("routing", "notify", "celery")]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "outbox-sweeper": {
        "task": "portal.tasks.outbox_sweep",
        "schedule": env.float("PORTAL_OUTBOX_SWEEP_SECONDS", default=30.0),
    },
    "deadline-alerts": {"task": "dossiers.tasks.deadline_alerts", "schedule": 300.0},
    "interop-deliveries-due": {"task": "interop.tasks.deliveries_due", "schedule": 30.0},
    # dossiers of agencies' own systems past due with nothing reported (issue 13)
    "interop-sync-silent": {"task": "interop.tasks.sync_silent_sweep", "schedule": 900.0},
}
from celery.schedules import crontab  # noqa: E402

#: The figures of a dashboard page are cached this long per unit, period, procedure and
#: language (the drain adds DASHBOARDS_DRAIN_SECONDS: a change shows within both, < 60 s).
DASHBOARDS_PAGE_CACHE_SECONDS = env.int("DASHBOARDS_PAGE_CACHE_SECONDS", default=30)
# Dashboards stay live within this many seconds of a change (dashboards/signals.py)
DASHBOARDS_DRAIN_SECONDS = env.float("DASHBOARDS_DRAIN_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE["dashboards-drain"] = {
    "task": "dashboards.tasks.rollups_drain_task",
    "schedule": DASHBOARDS_DRAIN_SECONDS,
}
CELERY_BEAT_SCHEDULE["dashboards-reconcile"] = {
    "task": "dashboards.tasks.rollups_reconcile",
    "schedule": crontab(hour=1, minute=30),
}
CELERY_BEAT_SCHEDULE["procedures-usage"] = {
    "task": "dashboards.tasks.procedure_usage_refresh",
    "schedule": crontab(hour=3, minute=15),
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
#: One beat, even when two are started by mistake: on Redis, beat's scheduler is RedBeat
#: (celery-redbeat), which keeps the schedule's state in Redis and sends tasks only while it
#: holds a lock there; a second beat waits for the lock and takes over when the first stops,
#: or within the lock's timeout when it dies. (The demo's filesystem broker keeps Celery's file
#: scheduler: one process, one beat.)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = env.str("REDBEAT_REDIS_URL", default=CELERY_BROKER_URL)
    CELERY_REDBEAT_KEY_PREFIX = env.str("REDBEAT_KEY_PREFIX", default="portal:beat")
    #: beat wakes at least this often (the lock is extended at each wake-up)
    CELERY_BEAT_MAX_LOOP_INTERVAL = env.int("BEAT_MAX_LOOP_INTERVAL_SECONDS", default=5)
    #: how long a dead beat's lock outlives it: the other beat takes over after this
    CELERY_REDBEAT_LOCK_TIMEOUT = env.int("REDBEAT_LOCK_TIMEOUT_SECONDS", default=30)
PORTAL_OUTBOX_STALE_SECONDS = env.int("PORTAL_OUTBOX_STALE_SECONDS", default=60)
#: a row claimed longer ago than this by a worker that never finished is run again
PORTAL_OUTBOX_LEASE_SECONDS = env.int("PORTAL_OUTBOX_LEASE_SECONDS", default=240)

# --- Partitioned tables (portal/partitions.py, docs/operations.md "Partitioned tables") ----
#: the beat task keeps partitions ready for the current month and this many after it
PORTAL_PARTITION_MONTHS_AHEAD = env.int("PORTAL_PARTITION_MONTHS_AHEAD", default=3)
#: per partitioned table: a monthly partition whose whole month is older than `months` is
#: detached ("detach": kept as a plain table, to archive and drop by hand) or dropped.
#: A table not listed keeps every month. The periods are assumptions (docs/operations.md).
PORTAL_PARTITION_RETENTION = {
    "portal_auditevent": {
        "months": env.int("PORTAL_AUDIT_RETENTION_MONTHS", default=120),
        "action": env.str("PORTAL_AUDIT_RETENTION_ACTION", default="detach"),
    },
    "portal_outboxmessage": {
        "months": env.int("PORTAL_OUTBOX_RETENTION_MONTHS", default=3),
        "action": env.str("PORTAL_OUTBOX_RETENTION_ACTION", default="drop"),
    },
}
CELERY_BEAT_SCHEDULE["partitions-maintain"] = {
    "task": "portal.tasks.partitions_maintain",
    "schedule": crontab(hour=2, minute=45),
}

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Cổng Dịch vụ công <no-reply@dichvucong.example>"
)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "National Public-Service Portal API",
    "DESCRIPTION": "Procedure catalogue, public dossier tracking and back-office dossiers.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.empty_query_values",
        "portal.api.nul_refusal",
    ],
}

# --- Security headers (tightened further in production.py) ---------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "font-src": ["'self'"],
        "form-action": ["'self'", OIDC_OP_ISSUER],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600

RATELIMIT_VIEW = "portal.views.ratelimited"
PUBLIC_TRACKING_RATE = env.str("PUBLIC_TRACKING_RATE", default="10/m")
#: uploads of a PDF to check on the public verification page, per IP
PUBLIC_VERIFY_RATE = env.str("PUBLIC_VERIFY_RATE", default="10/m")
#: wrong last-4 answers for one dossier code, from any address, before it is locked
PUBLIC_TRACKING_CODE_RATE = env.str("PUBLIC_TRACKING_CODE_RATE", default="10/h")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs its version at every start of every process, management commands
        # included (it landed on the terminal beside demo_otp's code); lockouts and failed
        # sign-ins come from axes.handlers and stay
        "axes.apps": {"level": "WARNING"},
        # pyHanko warns on every B-LT signature that it may not fetch: the portal hands it
        # the CRLs itself (portal/pdfsign.py)
        "pyhanko.sign.signers.pdf_signer": {"level": "ERROR"},
    },
}
AUTH_USER_MODEL = "portal.User"
PORTAL_TRIAGE_AGENCY_CODE = env.str("PORTAL_TRIAGE_AGENCY_CODE", default="000.00.00.G00")
PORTAL_WORKING_HOURS = [("07:00", "11:30"), ("13:30", "17:00")]

# --- Officer sign-in: second factor (django-otp, TOTP) and lockout (django-axes) -------------
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "axes"]
#: Permissions-Policy: no page of the portal uses a powerful browser feature (a phone's camera
#: for a document goes through the file input, which needs none of them)
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last: turns a lockout into our 429 page
AUTHENTICATION_BACKENDS.insert(0, "axes.backends.AxesStandaloneBackend")  # must come first
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Cổng Dịch vụ công quốc gia")
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = dt.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "portal.otp.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]  # never store the codes
# The client address is REMOTE_ADDR unless the deployment says which proxy header to trust.
# Behind a proxy: AXES_IPWARE_META_PRECEDENCE_ORDER=HTTP_X_FORWARDED_FOR,REMOTE_ADDR and the
# number of proxies (or their addresses) that append to it. Lockouts, rate limits and audit
# rows all read the client's address this way (portal.otp.client_ip).
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"]
)
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
AXES_IPWARE_PROXY_TRUSTED_IPS = env.list("AXES_IPWARE_PROXY_TRUSTED_IPS", default=None)
RATELIMIT_IP_META_KEY = "portal.otp.ratelimit_ip"

# --- Notifications: SMS (portal.sms) and the unread count in the navigation ----------------
# The demo writes each SMS as a file in var/sms/, like the e-mails in var/mail/; a real
# gateway is one more backend class named here.
SMS_BACKEND = env.str("SMS_BACKEND", default="portal.sms.backends.filebased.SmsBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
SMS_SENDER = env.str("SMS_SENDER", default="DICHVUCONG")  # the registered brandname
SMS_MAX_SEGMENTS = env.int("SMS_MAX_SEGMENTS", default=2)
SMS_UNICODE = env.bool("SMS_UNICODE", default=False)  # False: Vietnamese without diacritics
TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
    "notifications.context_processors.unread_notifications"
)
PREFILL_CIRCUIT = {
    "threshold": env.int("PREFILL_CIRCUIT_THRESHOLD", default=3),
    "window": 60,
    "cooldown": env.int("PREFILL_CIRCUIT_COOLDOWN", default=30),
}

# --- Feedback and complaints (feedback/) ---------------------------------------------------
#: the responsible agency answers a complaint within this many working days of routing
PORTAL_COMPLAINT_ANSWER_WORKING_DAYS = env.int("PORTAL_COMPLAINT_ANSWER_WORKING_DAYS", default=10)
#: posts of the complaint form (searches included) per signed-in person
PORTAL_COMPLAINT_RATE = env.str("PORTAL_COMPLAINT_RATE", default="60/h")
CELERY_BEAT_SCHEDULE["complaint-overdue-alerts"] = {
    "task": "feedback.tasks.complaint_overdue_alerts",
    "schedule": 600.0,
}

# --- Online payment of fees (payments/; the mock platform is in national_mocks/payment.py) ----
PAYMENT_PLATFORM_URL = env.str("PAYMENT_PLATFORM_URL", default=f"{NATIONAL_SERVICES_URL}/payment")
PAYMENT_PARTNER_CODE = env.str("PAYMENT_PARTNER_CODE", default="DVCQG")
PAYMENT_SECRET = env.str("PAYMENT_SECRET", default=PORTAL_DEMO_SECRETS["PAYMENT_SECRET"])
PAYMENT_TIMEOUT_SECONDS = env.float("PAYMENT_TIMEOUT_SECONDS", default=5.0)
#: unsigned posts to the callback refused per address before it answers 429 unread
PAYMENT_CALLBACK_UNSIGNED_RATE = env.str("PAYMENT_CALLBACK_UNSIGNED_RATE", default="20/m")
#: accepted age (either way) of the platform's signed times: callbacks, query answers
PAYMENT_MAX_SKEW_SECONDS = env.int("PAYMENT_MAX_SKEW_SECONDS", default=600)
#: a payment still pending after this long is reconciled by QUERY (beat task)
PAYMENT_RECONCILE_AFTER_MINUTES = env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=10)
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
    "task": "payments.tasks.payments_reconcile",
    "schedule": env.float("PAYMENT_RECONCILE_EVERY_SECONDS", default=300.0),
}
#: where browsers reach the platform's payment page, when it differs from the API's address
PAYMENT_PAGE_URL = env.str("PAYMENT_PAGE_URL", default=PAYMENT_PLATFORM_URL)
#: where the platform reaches the portal's callback (default: the public PORTAL_BASE_URL)
PAYMENT_CALLBACK_BASE_URL = env.str("PAYMENT_CALLBACK_BASE_URL", default=PORTAL_BASE_URL)
# "Pay now" answers with a redirect to the platform: the form's target must allow it
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(PAYMENT_PAGE_URL)
