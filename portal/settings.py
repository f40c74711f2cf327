"""Settings of the two-tier portal, driven by environment variables.

With no environment set the portal runs *embedded*: SQLite under ``var/``, Celery tasks run
in-process after commit, the stand-in national portal inside the process, files under
``var/media``. A real deployment sets ``DATABASE_URL``, ``REDIS_URL``, ``CELERY_BROKER_URL``,
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DEBUG=0``. README.md lists every variable.
"""

import contextlib
import hmac
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# Embedded mode keeps its database, files and keys here: it exists from the first command on,
# whether or not SECRET_KEY comes from the environment (a read-only image sets VAR_DIR).
with contextlib.suppress(OSError):
    VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


# Secure by default: a deployment that forgets DEBUG gets production behaviour.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = os.environ.get("SITE_NAME", "")
# The portal's public address, for links in e-mails (which have no request to read it from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Digital signatures: the key that encrypts officials' private keys at rest (falls back to
# SECRET_KEY), the stand-in CA's organisation name, and an RFC 3161 time-stamping authority.
SIGNATURES_KEY = os.environ.get("SIGNATURES_KEY", "") or SECRET_KEY
SIGNATURES_CA_ORGANISATION = os.environ.get("SIGNATURES_CA_ORGANISATION", "Portal CA stand-in")
SIGNATURES_TSA_URL = os.environ.get("SIGNATURES_TSA_URL", "")
# The National Public Service Portal we sync to: its base URL, credentials, timeouts, retry and
# circuit-breaker settings. The stand-in portal (sync/standin.py) is for development
# only: it is mounted in this process only with DEBUG on and no NATIONAL_PORTAL_URL. Outside
# DEBUG, the system checks (portal/checks.py) refuse to start without NATIONAL_PORTAL_URL and
# non-default credentials, so a production server never serves or calls a stand-in.
_national_portal_url = os.environ.get("NATIONAL_PORTAL_URL", "").strip()
NATIONAL_PORTAL_STANDIN = DEBUG and not _national_portal_url
NATIONAL_PORTAL_URL = _national_portal_url or (SITE_URL.rstrip("/") + "/_standin/national/")
NATIONAL_PORTAL_USERNAME = os.environ.get("NATIONAL_PORTAL_USERNAME", "portal")
NATIONAL_PORTAL_PASSWORD = os.environ.get("NATIONAL_PORTAL_PASSWORD", "standin-secret")
# The stand-in's state and control endpoints (/_state, /_control, /_reset, /_forget) answer
# only to this token (header X-Standin-Token), even in development.
NATIONAL_PORTAL_STANDIN_TOKEN = os.environ.get("NATIONAL_PORTAL_STANDIN_TOKEN", "") or (
    hmac.new(SECRET_KEY.encode(), b"national-portal-standin-control", "sha256").hexdigest()
)
NATIONAL_PORTAL_CONNECT_TIMEOUT = float(os.environ.get("NATIONAL_PORTAL_CONNECT_TIMEOUT", "3"))
NATIONAL_PORTAL_READ_TIMEOUT = float(os.environ.get("NATIONAL_PORTAL_READ_TIMEOUT", "10"))
SYNC_MAX_ATTEMPTS = int(os.environ.get("SYNC_MAX_ATTEMPTS", "10"))
SYNC_BACKOFF_BASE = float(os.environ.get("SYNC_BACKOFF_BASE", "2"))
SYNC_BACKOFF_CAP = float(os.environ.get("SYNC_BACKOFF_CAP", "600"))
SYNC_BREAKER_THRESHOLD = int(os.environ.get("SYNC_BREAKER_THRESHOLD", "20"))
SYNC_BREAKER_SECONDS = float(os.environ.get("SYNC_BREAKER_SECONDS", "30"))
SYNC_SWEEP_SECONDS = float(os.environ.get("SYNC_SWEEP_SECONDS", "10"))
# How long a dossier handed to a worker is not handed again (a killed worker's lapses).
SYNC_LEASE_SECONDS = float(os.environ.get("SYNC_LEASE_SECONDS", "30"))
SYNC_HEALTH_MAX_AGE = float(os.environ.get("SYNC_HEALTH_MAX_AGE", "900"))
SYNC_ENABLED = env_bool("SYNC_ENABLED", True)
# The national payment platform (fees paid online, dossiers/payments/): its base URL, our merchant
# id and the shared secret that signs orders, callbacks and statements (HMAC-SHA256,
# docs/payment-gateway-contract.md). The stand-in gateway (dossiers/payments/standin.py) is
# mounted only with DEBUG on and no PAYMENT_GATEWAY_URL; with DEBUG off the system checks
# (portal.E005) refuse to start without PAYMENT_GATEWAY_URL and PAYMENT_GATEWAY_SECRET.
_payment_gateway_url = os.environ.get("PAYMENT_GATEWAY_URL", "").strip()
PAYMENT_GATEWAY_STANDIN = DEBUG and not _payment_gateway_url
PAYMENT_GATEWAY_URL = _payment_gateway_url or (SITE_URL.rstrip("/") + "/_standin/payment/")
PAYMENT_MERCHANT_ID = os.environ.get("PAYMENT_MERCHANT_ID", "portal")
PAYMENT_GATEWAY_SECRET = os.environ.get("PAYMENT_GATEWAY_SECRET", "") or (
    hmac.new(SECRET_KEY.encode(), b"payment-gateway-standin-secret", "sha256").hexdigest()
    if DEBUG
    else ""
)
PAYMENT_GATEWAY_STANDIN_TOKEN = os.environ.get("PAYMENT_GATEWAY_STANDIN_TOKEN", "") or (
    hmac.new(SECRET_KEY.encode(), b"payment-gateway-standin-control", "sha256").hexdigest()
)
PAYMENT_GATEWAY_TIMEOUT = float(os.environ.get("PAYMENT_GATEWAY_TIMEOUT", "10"))
# How long a payment order may be paid; a callback for an older order is refused as late.
PAYMENT_ORDER_TTL_MINUTES = env_int("PAYMENT_ORDER_TTL_MINUTES", 15)
# Bearer tokens the national portal presents when it pushes dossiers here (comma-separated).
NATIONAL_PORTAL_INBOUND_TOKENS = [
    t.strip() for t in os.environ.get("NATIONAL_PORTAL_INBOUND_TOKENS", "").split(",") if t.strip()
]
# Reverse proxies of ours in front of the portal (nginx: 1). The client's address is the entry
# this many places from the right of X-Forwarded-For (portal/clientip.py); 0 ignores the header.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
# Public tracking: lookups per client address in a window of seconds ("30/600").
_tracking_limit, _tracking_window = os.environ.get("TRACKING_RATE", "30/600").split("/")
TRACKING_RATE_LIMIT = (int(_tracking_limit), int(_tracking_window))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "health_check",
    "portal",
    "units",
    "procedures",
    "dossiers",
    "signatures",
    "sync",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "portal.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# Persistent connections: CONN_MAX_AGE=0 was measured here at 3x the cost per web request.
# Per process type (docs/deployment.md, "Connection budget"): the sync worker's threads run
# with DB_CONN_MAX_AGE=0, so a thread holds a connection only while a task runs.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode: the web server and embedded_beat write the same file. A transaction takes
    # the write lock when it begins (a read that later writes would otherwise meet another
    # writer and fail at once with "database is locked"), waits up to 20 s for it, and readers
    # never wait for a writer (write-ahead log).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Redis ----------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
EMBEDDED_TASKS = not CELERY_BROKER_URL
# Embedded mode: services schedule tasks with transaction.on_commit, so eager tasks run
# in-process right after the commit, as a worker would run them.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", EMBEDDED_TASKS)
CELERY_TASK_EAGER_PROPAGATES = True
if EMBEDDED_TASKS:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# The visibility timeout must outlast the longest task, or Redis redelivers it mid-run.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 6}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery closes Django's connection around every task unless told to reuse it
# (measured here: 102 -> 569 tasks/s). Not with DB_CONN_MAX_AGE=0: reuse would keep each
# thread's connection open for 2,000 tasks whatever CONN_MAX_AGE says.
CELERY_DB_REUSE_MAX = env_int(
    "CELERY_DB_REUSE_MAX", 1000 if DATABASES["default"]["CONN_MAX_AGE"] else 0
)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Outbound HTTP to the national portal runs on its own queue, served by a threads pool
# (measured here: 2 prefork processes ~9 calls/s at 200 ms latency; 64 threads ~230/s).
CELERY_TASK_QUEUES = (Queue("default"), Queue("sync"))
CELERY_TASK_ROUTES = {"sync.*": {"queue": "sync"}}
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {"task": "portal.tasks.beat_heartbeat", "schedule": 60.0},
    # Reassignments with a future effective date re-route their dossiers on that day.
    "reroute-due-reassignments": {
        "task": "procedures.tasks.reroute_due_reassignments",
        "schedule": 15 * 60.0,
    },
    # The outbox relay's safety net: dossiers whose change is due are handed to workers.
    "sync-sweep": {
        "task": "sync.tasks.sweep",
        "schedule": float(os.environ.get("SYNC_SWEEP_SECONDS", "10")),
    },
    "sync-reconcile": {"task": "sync.tasks.reconcile", "schedule": crontab(minute=17)},
    # Yesterday's online payments against the payment platform's statement.
    "payments-reconcile": {
        "task": "dossiers.payments.tasks.reconcile_yesterday",
        "schedule": crontab(hour=6, minute=40),
    },
    "sync-dead-letter-digest": {
        "task": "sync.tasks.dead_letter_digest",
        "schedule": crontab(hour=7, minute=5),
    },
    # The reports' rollups follow the dossiers' events within a minute.
    "refresh-report-rollups": {
        "task": "reports.tasks.refresh_rollups",
        "schedule": 30.0,
    },
    # Officers hear what falls due, leaders what is overdue: before the offices open.
    "notify-deadlines": {
        "task": "dossiers.tasks.notify_deadlines",
        "schedule": crontab(hour=7, minute=0),
    },
}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:staff-home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff must confirm a TOTP code after their password, except in DEBUG (make run) where the
# demo logins work with a password alone.
STAFF_OTP_REQUIRED = env_bool("STAFF_OTP_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Cong DVC")
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
# Failures lock one account *from one address* (the pair), so nobody can lock a colleague out
# from elsewhere; a separate, higher limit per address (portal/views.py, LOGIN_ADDRESS_*) stops
# one address guessing across many accounts. The address comes from the trusted proxy chain.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "portal.clientip.client_ip"
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
LOGIN_ADDRESS_WINDOW_SECONDS = env_int("AXES_COOLOFF_MINUTES", 30) * 60

# Citizens sign in with the national e-ID. The mock e-ID page (pick a test identity) stands in
# for it in development and tests: only ever with DEBUG on (EID_MOCK_ENABLED=0 turns it off
# there); no variable turns it on in production. The test settings turn it on themselves.
EID_MOCK_ENABLED = DEBUG and env_bool("EID_MOCK_ENABLED", True)

# The real e-ID (VNeID) over OpenID Connect (mozilla-django-oidc, portal/oidc.py): on when
# OIDC_RP_CLIENT_ID is set. Citizens start at /oidc/authenticate/?next=... and land on `next`,
# else OIDC_LOGIN_REDIRECT_URL (LOGIN_REDIRECT_URL stays the staff home).
# `python -m portal.oidc_standin` is a stand-in provider for development.
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "") or None
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)  # seconds per call to the provider
OIDC_CCCD_CLAIM = os.environ.get("OIDC_CCCD_CLAIM", "cccd")
OIDC_IDENTITY_LEVEL_CLAIM = os.environ.get("OIDC_IDENTITY_LEVEL_CLAIM", "identity_level")
OIDC_LOGIN_REDIRECT_URL = os.environ.get("OIDC_LOGIN_REDIRECT_URL", "/my/dossiers/")
OIDC_AUTHENTICATE_CLASS = "portal.oidc.EidOIDCAuthenticationRequestView"
OIDC_CALLBACK_CLASS = "portal.oidc.EidOIDCCallbackView"
EID_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if EID_OIDC_ENABLED:
    _oidc_required = [
        "OIDC_OP_ISSUER",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
    ]
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
        _oidc_required.append("OIDC_OP_JWKS_ENDPOINT")
    if _missing := [name for name in _oidc_required if not globals()[name]]:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set but not {', '.join(_missing)}.")
    AUTHENTICATION_BACKENDS.append("portal.oidc.EidOIDCBackend")

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["portal.formats"]

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Media is private: no MEDIA_URL is served; files go out only through views that check the viewer.
MEDIA_URL = "/private-media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Dossier files --------------------------------------------------------------------------
DOSSIER_MAX_FILE_BYTES = env_int("DOSSIER_MAX_FILE_BYTES", 10 * 1024 * 1024)
DOSSIER_MAX_TOTAL_BYTES = env_int("DOSSIER_MAX_TOTAL_BYTES", 50 * 1024 * 1024)
UPLOAD_MAX_IMAGE_PIXELS = env_int("UPLOAD_MAX_IMAGE_PIXELS", 50_000_000)
UPLOAD_MAX_INFLATED_BYTES = env_int("UPLOAD_MAX_INFLATED_BYTES", 50 * 1024 * 1024)
UPLOAD_MAX_INFLATE_RATIO = env_int("UPLOAD_MAX_INFLATE_RATIO", 100)
CLAMD_ADDRESS = os.environ.get("CLAMD_ADDRESS", "")
RECEIPT_FONT_DIR = os.environ.get("RECEIPT_FONT_DIR", "/usr/share/fonts/truetype/dejavu")

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@localhost")

# --- REST API -----------------------------------------------------------------------------------
from portal.settings_api import *  # noqa: E402, F403 - REST_FRAMEWORK, SPECTACULAR_SETTINGS

# --- Security -----------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Health -------------------------------------------------------------------------------------
HEALTH_CHECK_WORKERS = env_bool("HEALTH_CHECK_WORKERS", not EMBEDDED_TASKS)
# Workers write a heartbeat per queue this often while connected to the broker; one silent for
# longer than the max age is named missing by /health/ and /health/ready/ (portal/heartbeat.py).
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10"))
WORKER_HEARTBEAT_MAX_AGE = float(os.environ.get("WORKER_HEARTBEAT_MAX_AGE", "35"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # fontTools (inside fpdf2) logs every font subset at INFO.
    "loggers": {"axes": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
