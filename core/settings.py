"""Groundswell settings: one module, read from the environment.

Every default runs on a laptop with nothing installed (SQLite, a filesystem
broker, mail to the console). Production sets the variables listed in
`.env.example`; the README explains each one.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state: SQLite file, filesystem broker, mail folder

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
_INSECURE_KEY = "django-insecure-groundswell-local-development-only"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_KEY)
if not DEBUG and SECRET_KEY == _INSECURE_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (or set DEBUG=1 for local development)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The coalition's own time zone: hearings, quiet hours and weekly charts use it.
TIME_ZONE = env.str("TIME_ZONE", default="America/Chicago")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Phone numbers typed without a country code are read as numbers of this region.
PHONE_REGION = env.str("PHONE_REGION", default="US")
# The public URL of the site, used in links inside emails and SMS. Unset, it
# follows BIND, which `make run PORT=...` hands to the web, the worker and beat
# alike (honcho gives each process its own PORT, so PORT cannot be read here).
_BIND_HOST, _, _BIND_PORT = env.str("BIND", default="127.0.0.1:8000").rpartition(":")
SITE_URL = env.str(
    "SITE_URL",
    default=f"http://{'127.0.0.1' if _BIND_HOST in ('', '0.0.0.0') else _BIND_HOST}:{_BIND_PORT}",
).rstrip("/")
COALITION_NAME = env.str("COALITION_NAME", default="Pine County Prevention Coalition")
# CAN-SPAM: every email carries the sender's postal address.
COALITION_POSTAL_ADDRESS = env.str(
    "COALITION_POSTAL_ADDRESS", default="100 Main St, Pine City, MN 55063"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "axes",
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "campaign",
]

MIDDLEWARE = [
    "core.middleware.TrustedClientIPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After a signed-in user's write, their reads skip the replica for a while.
    "core.db_router.ReadYourWritesMiddleware",
    # request.user.is_verified(): signed in with a second factor this session.
    "django_otp.middleware.OTPMiddleware",
    # Coordinators and admins without two-factor reach only its set-up page.
    "core.two_factor.TwoFactorMiddleware",
    # Before any view (and the CSRF check) reads request.POST.
    "core.middleware.AnonymousBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who did it, for the audit trail (campaign.audit).
    "core.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Turns a rate-limited view's exception into RATELIMIT_VIEW's 429 page.
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"

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
                "csp.context_processors.nonce",
                "core.context_processors.site",
            ],
        },
    },
]

# DATABASE
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A new connection per request costs ~6 ms: one-insert POSTs ran at
    # ~160 req/s without reuse and ~1,100 req/s with it (measured here).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind a transaction-mode pooler (PgBouncer pool_mode=transaction) each
    # transaction may run on another server connection, so nothing may outlive
    # one: no WITH HOLD cursor (iterator() outside atomic), no prepared
    # statement (PgBouncer 1.18 cannot track them; Django's default, pinned
    # here). Keeping CONN_MAX_AGE still saves the connect to the pooler.
    if env.bool("DATABASE_TRANSACTION_POOLER", default=False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
    # Optional: the same database through a session-mode pool (or directly),
    # for long streaming reads that want a server-side cursor (exports).
    if env.str("DATABASE_SESSION_URL", default=""):
        DATABASES["session"] = {
            **env.db_url("DATABASE_SESSION_URL"),
            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"MIRROR": "default"},
        }
else:
    # SQLite: wait for the writer instead of failing with "database is locked"
    # when web, worker and beat share the file.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# An optional streaming read replica: dashboard pages, reports and exports read
# from it (core.db_router); writes, and a user's reads for a few seconds after
# their own write, stay on `default`. Unset, nothing is routed and nothing costs.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
        # Tests read the replica alias as the test database itself.
        "TEST": {"MIRROR": "default"},
    }
    # A replica that stopped answering must not hold a page for long.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
DATABASE_ROUTERS = ["core.db_router.PrimaryReplicaRouter"] if "replica" in DATABASES else []
# How long each process trusts its last look at the replica, how far behind it
# may be before reads go back to the primary, and how long a user's reads stay
# on the primary after their own write.
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=5.0)
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30.0)
DATABASE_REPLICA_PIN_SECONDS = env.float("DATABASE_REPLICA_PIN_SECONDS", default=10.0)

# AUTH AND SECURITY
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "login"

# Two-factor sign-in (django-otp: an authenticator app's TOTP codes, plus
# single-use backup codes). Every staff account may turn it on; with
# REQUIRE_2FA, coordinators and admins must, and reach nothing else until they
# have. Off by default only with DEBUG on (local development).
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = COALITION_NAME
TWO_FACTOR_BACKUP_CODES = 10

# Sessions: SESSION_COOKIE_AGE for any session; a staff sign-in ends
# STAFF_SESSION_HOURS after it was made, however active (a laptop left open in
# a meeting room is not signed in the next morning).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
STAFF_SESSION_HOURS = env.float("STAFF_SESSION_HOURS", default=12.0)
if STAFF_SESSION_HOURS <= 0 or SESSION_COOKIE_AGE <= 0:
    raise ImproperlyConfigured("SESSION_COOKIE_AGE and STAFF_SESSION_HOURS must be positive.")

# django-axes: lock a username+IP after repeated failures (a wrong password or
# a wrong two-factor code), then let it cool off (the default cooloff is
# "locked forever until an admin resets it"). One address is also locked,
# for every username, after AXES_IP_FAILURE_LIMIT failures in the cooloff
# window (password spraying); it is higher because a shared office address
# carries several people's typos. Axes compares every lockout parameter with
# one limit, so core.lockout's handler applies the second one.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "core.lockout.LoginFailureHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "errors/lockout.html"
# The client IP is set once by core.middleware.TrustedClientIPMiddleware.
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_ip"

# How many reverse proxies in front of the app append to X-Forwarded-For.
# 0 (the default) means REMOTE_ADDR is the client, and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Public forms: reject bodies far larger than any sign-up (bulk uploads stream
# files, which this limit does not count).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# Nobody signed in uploads files: a body larger than this from an anonymous
# request is refused before it is read (otherwise the CSRF check itself would
# parse, and write to disk, a 100 MB multipart body before refusing it).
ANONYMOUS_BODY_MAX_BYTES = env.int("ANONYMOUS_BODY_MAX_BYTES", default=64 * 1024)

# Content-Security-Policy: nothing from other origins; inline scripts only with
# the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        # Member photos may come from the county's site: name its host(s).
        "img-src": ["'self'", "data:", *env.list("MEMBER_PHOTO_HOSTS", default=[])],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Powerful browser features nobody here needs are switched off for every page.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# Public POST limits (django-ratelimit), per client IP.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_VIEW = "core.views.ratelimited"
PUBLIC_POST_RATE = env.str("PUBLIC_POST_RATE", default="10/m")
# RFC 8058 one-click unsubscribes arrive from mail providers' servers, many
# people behind one address: a looser limit than the sign-up form's.
PUBLIC_UNSUBSCRIBE_RATE = env.str("PUBLIC_UNSUBSCRIBE_RATE", default="120/m")
# The sign-up form (campaign.signup_guard): a hearing-night table on one shared
# Wi-Fi signs up about 40 people in ten minutes, so the per-address limit is
# loose; a per-email limit and a signed form token with a minimum fill time
# stop scripts instead.
SIGNUP_RATE_IP = env.str("SIGNUP_RATE_IP", default="100/10m")
SIGNUP_RATE_EMAIL = env.str("SIGNUP_RATE_EMAIL", default="5/h")
SIGNUP_FORM_CHECK = env.bool("SIGNUP_FORM_CHECK", default=RATELIMIT_ENABLE)
SIGNUP_MIN_FILL_SECONDS = env.float("SIGNUP_MIN_FILL_SECONDS", default=2.0)
SIGNUP_FORM_MAX_AGE_HOURS = env.int("SIGNUP_FORM_MAX_AGE_HOURS", default=24)
# How long the links in emails (/a/ action page, /u/ unsubscribe) stay valid.
PUBLIC_TOKEN_MAX_AGE_DAYS = env.int("PUBLIC_TOKEN_MAX_AGE_DAYS", default=365)
if PUBLIC_TOKEN_MAX_AGE_DAYS < 30:
    # CAN-SPAM: an unsubscribe link must keep working for 30 days after the email.
    raise ImproperlyConfigured("PUBLIC_TOKEN_MAX_AGE_DAYS must be at least 30 (CAN-SPAM).")
# A sign-up that named an address already on the list waits this long for
# its owner to confirm it from the emailed link.
SIGNUP_CONFIRM_MAX_AGE_DAYS = env.int("SIGNUP_CONFIRM_MAX_AGE_DAYS", default=7)
# Double opt-in: a new address from the public form gets email consent only
# once its owner follows the link in the confirmation email (anyone can type
# anyone's address into the form).
EMAIL_DOUBLE_OPT_IN = env.bool("EMAIL_DOUBLE_OPT_IN", default=True)
RATELIMIT_IP_META_KEY = "REMOTE_ADDR"

# The OSDI API (campaign.api): requests per key (its prefix), a django-ratelimit rate.
API_RATE = env.str("API_RATE", default="120/m")
# Everything else is set on the API's views; only the schema class is global.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "campaign.api.schema.OsdiAutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Groundswell OSDI API",
    "DESCRIPTION": "Open Supporter Data Interface 1.2 (HAL+JSON), as Action Network's v2 API.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EmailStatusEnum": "campaign.api.serializers.EMAIL_STATUSES",
        "PhoneStatusEnum": "campaign.api.serializers.PHONE_STATUSES",
        "OutreachKindEnum": "campaign.api.serializers.OUTREACH_KIND_CHOICES",
        "AttendanceKindEnum": "campaign.api.serializers.ATTENDANCE_KIND_CHOICES",
    },
}

# CACHE (rate-limit counters must be shared between web workers)
# ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if env.str("CACHE_URL", default="") or REDIS_URL:
    CACHES = {"default": env.cache_url("CACHE_URL", default=REDIS_URL)}
else:
    # One file cache shared by every local process (web workers, worker, beat).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

# STATIC FILES (served by WhiteNoise; nothing from a CDN)
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# import-export: an import is one transaction, validated by the model.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Import limits (privacy hole 1: a few-KB .xlsx declaring A1:XFD1048576 took
# a process to 2.9 GB; a 52 MB CSV ran 80 s in a request). Supporter imports
# (/imports/ and the admin's) run as background jobs up to these:
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=50 * 2**20)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# What an .xlsx may unpack to (its sheets and shared strings are XML).
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=200 * 2**20)
# The admin's action and council member imports run in the request.
ADMIN_IMPORT_MAX_UPLOAD_BYTES = env.int("ADMIN_IMPORT_MAX_UPLOAD_BYTES", default=5 * 2**20)
ADMIN_IMPORT_MAX_ROWS = env.int("ADMIN_IMPORT_MAX_ROWS", default=5_000)
# The admin import preview keeps the uploaded file until it is confirmed: in
# MEDIA_ROOT/django-import-export/, where the daily retention pass deletes
# those never confirmed (the system temp folder is not ours to sweep).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"

# EMAIL
# ------------------------------------------------------------------------------
# smtp://user:pass@host:587/?tls=True, consolemail://, filemail:///path, ...
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{COALITION_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# CELERY
# ------------------------------------------------------------------------------
# Default: kombu's filesystem transport in var/broker, so a laptop needs no
# server. Set CELERY_BROKER_URL=redis://... (or amqp://) in production.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Must exceed the longest task twice over; no task carries an ETA
        # beyond a few minutes, so a redelivery can never double a long ETA.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1800),
        # A stuck (not down) Redis must not hang a producer forever.
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# QUEUES BY KIND OF WORK (issue 14)
# ------------------------------------------------------------------------------
# A 100,000-row import must not hold up a reminder that falls due, nor a slow
# webhook receiver the email, so each kind of work has its queue. Routing is by
# task name (the names in campaign/tasks.py are the contract); a task not
# listed, like every beat tick (dispatchers, reminder scheduling), runs on the
# default queue. docker-compose.yml runs a worker per queue (`-Q email`...);
# a worker started without -Q (the Procfile's, `make run`) consumes them all.
# CELERY_QUEUE_PREFIX keeps deployments or test runs sharing one Redis apart.
CELERY_QUEUE_PREFIX = env.str("CELERY_QUEUE_PREFIX", default="")
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
QUEUE_EMAIL = f"{CELERY_QUEUE_PREFIX}email"
QUEUE_SMS = f"{CELERY_QUEUE_PREFIX}sms"
QUEUE_BULK = f"{CELERY_QUEUE_PREFIX}bulk"  # imports, exports, long sweeps
QUEUE_WEBHOOKS = f"{CELERY_QUEUE_PREFIX}webhooks"
# Each queue with an exchange and routing key of its own: a bare Queue(name)
# would share the default's, and every bound queue would get a copy of a task.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, QUEUE_EMAIL, QUEUE_SMS, QUEUE_BULK, QUEUE_WEBHOOKS)
]
CELERY_TASK_ROUTES = {
    # Sends are published per channel by the outbox dispatcher; the plain
    # name carries email (and any send task queued before the split).
    "campaign.messages_send": {"queue": QUEUE_EMAIL},
    "campaign.messages_send_email": {"queue": QUEUE_EMAIL},
    "campaign.messages_send_sms": {"queue": QUEUE_SMS},
    # Supporter and action import jobs (one task, the job's kind decides).
    "campaign.import_job_run": {"queue": QUEUE_BULK},
    # Daily, and long on a large list: a sweep, not a tick.
    "campaign.privacy_retention_run": {"queue": QUEUE_BULK},
    "campaign.rollups_reconcile": {"queue": QUEUE_BULK},
    # Up to 20 POSTs of 10 s each: a slow receiver waits here alone.
    "campaign.webhooks_dispatch": {"queue": QUEUE_WEBHOOKS},
}

# REMINDERS, OUTBOX AND SMS (issue 6)
# ------------------------------------------------------------------------------
# The due time of every message lives in its outbox row; beat only wakes the
# dispatcher, which claims due rows and publishes send tasks (no long ETAs).
CELERY_BEAT_SCHEDULE: dict = {
    "dispatch-due-messages": {
        "task": "campaign.messages_dispatch",
        "schedule": 60.0,
        # A dispatcher tick that waited a minute in the queue is stale: the
        # next one covers it.
        "options": {"expires": 55},
    },
    # The safety net for sign-ups received but not applied (services.signup).
    "apply-received-signups": {
        "task": "campaign.signups_process_received",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Scheduled broadcasts whose time came get their outbox rows (issue 11).
    "queue-due-broadcasts": {
        "task": "campaign.broadcasts_queue_due",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "coordinator-digest": {
        "task": "campaign.digest_queue",
        "schedule": crontab(
            hour=env.int("DIGEST_HOUR", default=7), minute=env.int("DIGEST_MINUTE", default=30)
        ),
        "options": {"expires": 3600},
    },
    # Outbound webhooks (issue 13): campaign.services.webhooks.
    "dispatch-due-webhooks": {
        "task": "campaign.webhooks_dispatch",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Retention (issue 12): campaign.services.privacy.privacy_retention_run.
    "privacy-retention": {
        "task": "campaign.privacy_retention_run",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 3600},
    },
    # Dashboard rollups (issue 14): recount, report and repair any difference.
    "rollups-reconcile": {
        "task": "campaign.rollups_reconcile",
        "schedule": crontab(hour=3, minute=45),
        "options": {"expires": 3600},
    },
}
# Rows claimed per dispatcher transaction, and messages per send task (one
# SMTP connection serves a whole task, and its rows are locked, re-checked and
# marked in flight together: a worker process killed mid-task leaves at most
# one chunk in doubt). A chunk's fixed cost (its task, its few statements, its
# SMTP session) is paid once per chunk: on the same loaded machine the bench
# sent 73 messages/s with chunks of 10 and 147/s with 50 (bench/README.md).
MESSAGE_DISPATCH_BATCH = env.int("MESSAGE_DISPATCH_BATCH", default=500)
MESSAGE_SEND_CHUNK = env.int("MESSAGE_SEND_CHUNK", default=50)
# A commit that queued a message due now (a sign-up's confirmation) wakes the
# dispatcher at once, from a background thread (outbox.messages_dispatch_soon);
# the beat tick stays the safety net when the broker is down.
MESSAGE_DISPATCH_NUDGE = env.bool("MESSAGE_DISPATCH_NUDGE", default=True)
# No message goes out on a consent/unsubscribe re-check older than this: a
# slower chunk re-locks and re-checks its remaining rows first.
MESSAGE_RECHECK_MAX_AGE = env.float("MESSAGE_RECHECK_MAX_AGE", default=1.0)
# The send task's hard time limit: past it no task can still be sending a row,
# so only then may a coordinator resend a row in doubt.
MESSAGE_SEND_TIME_LIMIT = env.int("MESSAGE_SEND_TIME_LIMIT", default=240)
# Transient failures (SMTP 4xx, timeouts) go back to pending with an
# exponential backoff: base * 2**(attempts-1), capped at an hour.
MESSAGE_RETRY_BASE_SECONDS = env.float("MESSAGE_RETRY_BASE_SECONDS", default=60.0)
MESSAGE_MAX_ATTEMPTS = env.int("MESSAGE_MAX_ATTEMPTS", default=6)
# A claimed row whose send never started (its task was lost) returns to
# pending after this long; a row whose send started is never resent
# automatically (it is "in doubt", listed in the admin outbox).
MESSAGE_CLAIM_TIMEOUT = env.float("MESSAGE_CLAIM_TIMEOUT", default=1800.0)
PLEDGE_FOLLOWUP_DAYS = env.int("PLEDGE_FOLLOWUP_DAYS", default=3)
# Outbound webhooks (campaign.services.webhooks): a failed POST (not 2xx,
# timeout) is retried after base * 2**(attempts-1) seconds, capped at 6 h,
# and failed for good after WEBHOOK_MAX_ATTEMPTS; a dispatcher tick sends at
# most WEBHOOK_DISPATCH_BATCH rows, each POST waiting WEBHOOK_TIMEOUT_SECONDS.
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=60.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_DISPATCH_BATCH = env.int("WEBHOOK_DISPATCH_BATCH", default=20)
# Past the dispatch task's time limit no worker can still be posting a row.
WEBHOOK_CLAIM_TIMEOUT = env.float("WEBHOOK_CLAIM_TIMEOUT", default=600.0)
# Broadcasts: a queued broadcast's rows are spread this many a minute per
# channel (providers throttle bulk senders; Gmail counts per day too).
BROADCAST_EMAIL_PER_MINUTE = env.int("BROADCAST_EMAIL_PER_MINUTE", default=300)
BROADCAST_SMS_PER_MINUTE = env.int("BROADCAST_SMS_PER_MINUTE", default=60)
# SMS quiet hours, in the coalition's TIME_ZONE (47 CFR 64.1200(c)(1) allows
# 8am-9pm; some states are stricter). Texts due inside are deferred.
QUIET_HOURS_START = env.str("QUIET_HOURS_START", default="20:00")
QUIET_HOURS_END = env.str("QUIET_HOURS_END", default="09:00")
for _name in ("QUIET_HOURS_START", "QUIET_HOURS_END"):
    try:
        _hour, _minute = (int(part) for part in vars()[_name].split(":"))
        if not (0 <= _hour < 24 and 0 <= _minute < 60):
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(f"{_name} must be HH:MM, e.g. 20:00.") from None
# console (default: texts in the worker log), file (one file per text in
# SMS_FILE_PATH), twilio (needs the three TWILIO_* variables), locmem (tests).
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
if SMS_BACKEND not in ("console", "file", "twilio", "locmem"):
    raise ImproperlyConfigured("SMS_BACKEND must be console, file, twilio or locmem.")
if SMS_BACKEND == "twilio" and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM):
    raise ImproperlyConfigured(
        "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM."
    )
# END OF REMINDERS, OUTBOX AND SMS

# PHONE BANK (issue 11): "Claim my next N" on the call list, held this long.
CALL_CLAIM_BATCH = env.int("CALL_CLAIM_BATCH", default=10)
CALL_CLAIM_MINUTES = env.int("CALL_CLAIM_MINUTES", default=60)
if CALL_CLAIM_BATCH < 1 or CALL_CLAIM_MINUTES < 1:
    raise ImproperlyConfigured("CALL_CLAIM_BATCH and CALL_CLAIM_MINUTES must be at least 1.")

# LEGISTAR (issue 13): the decision body from the Legistar Web API
# ------------------------------------------------------------------------------
# https://webapi.legistar.com/Home/Examples. Most clients need no token; a
# client that asks for one gets it as the `token` query parameter.
LEGISTAR_API_URL = env.str("LEGISTAR_API_URL", default="https://webapi.legistar.com/v1")
LEGISTAR_TOKEN = env.str("LEGISTAR_TOKEN", default="")
LEGISTAR_PAGE_SIZE = env.int("LEGISTAR_PAGE_SIZE", default=1000)  # Legistar's maximum
LEGISTAR_TIMEOUT = env.int("LEGISTAR_TIMEOUT", default=30)  # seconds a request
# Geocoding street addresses (campaign.services.geocoding), off when empty: a
# dotted path, e.g. "campaign.services.geocoding.census_geocode" (US Census).
GEOCODER_BACKEND = env.str("GEOCODER_BACKEND", default="")
GEOCODER_TIMEOUT = env.int("GEOCODER_TIMEOUT", default=10)  # seconds a lookup

# PRIVACY AND RETENTION (issue 12): how long personal data is kept
# ------------------------------------------------------------------------------
# Sent, failed, suppressed and cancelled messages keep their context, provider
# id and error this long (kind, channel, dates and status stay).
RETAIN_MESSAGE_DETAILS_DAYS = env.int("RETAIN_MESSAGE_DETAILS_DAYS", default=90)
# Uploaded import files (MEDIA_ROOT/imports/), after the import finished.
RETAIN_IMPORT_FILES_DAYS = env.int("RETAIN_IMPORT_FILES_DAYS", default=30)
# Admin import previews never confirmed (MEDIA_ROOT/django-import-export/).
RETAIN_IMPORT_PREVIEW_HOURS = env.int("RETAIN_IMPORT_PREVIEW_HOURS", default=24)
# Login attempt records (django-axes: user names and IP addresses).
RETAIN_LOGIN_RECORDS_DAYS = env.int("RETAIN_LOGIN_RECORDS_DAYS", default=90)
# Ids of inbound texts: a replayed webhook request is refused by its id for
# this long (a captured request replayed later would be acted on again).
RETAIN_INBOUND_SMS_DAYS = env.int("RETAIN_INBOUND_SMS_DAYS", default=400)
# Supporters with no activity this long are tagged review-inactive for a
# coordinator to review (never deleted automatically).
REVIEW_INACTIVE_MONTHS = env.int("REVIEW_INACTIVE_MONTHS", default=24)
for _name in (
    "RETAIN_MESSAGE_DETAILS_DAYS",
    "RETAIN_IMPORT_FILES_DAYS",
    "RETAIN_IMPORT_PREVIEW_HOURS",
    "RETAIN_LOGIN_RECORDS_DAYS",
    "RETAIN_INBOUND_SMS_DAYS",
    "REVIEW_INACTIVE_MONTHS",
):
    if vars()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

for _folder in (VAR_DIR, BROKER_DIR / "queue", BROKER_DIR / "processed", BROKER_DIR / "control"):
    _folder.mkdir(parents=True, exist_ok=True)
