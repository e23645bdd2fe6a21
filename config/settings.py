"""One settings module. With no environment it runs the embedded default (SQLite, and a broker in a
SQLite file); DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


def envbool(name, default):
    value = env.str(name, default=str(default)).strip().lower()
    if value not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value == "true"


DEBUG = envbool("DJANGO_DEBUG", True)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-only-for-local-demo-data")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")  # production has no default
    if not SECRET_KEY:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment when DJANGO_DEBUG is false.")
# After rotating SECRET_KEY, keep the old one here (comma-separated) while links made with it are open.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

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
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "screening",
    "referrals",
    "fhir_api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fhir_api.middleware.FhirMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.sessions.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "screening.thank_you.ForgetWhenStaffSignIn",
    "screening.access_state.SessionOTPMiddleware",
    "screening.two_factor.TwoFactorMiddleware",
    "config.middleware.NoStoreForStaffMiddleware",
    "config.middleware.FirstPasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "screening.middleware.ClinicMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "screening.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "screening.context_processors.clinic",
                "referrals.context_processors.open_alerts",
                "referrals.context_processors.silent_parts",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web server, the worker and beat write to one file: write transactions take the lock when
    # they begin and wait for it, instead of failing with "database is locked" halfway through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # A database that stops answering fails a request in about 2 s (the error page, with the crisis
    # lines on her link), instead of holding her until the server's own timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
OTP_TOTP_ISSUER = "PPD Screening"
# Covering indexes (INCLUDE) are PostgreSQL's; SQLite (`make run`) builds the same index without them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# FHIR bulk exports (NDJSON with health data): a private folder, served only to the client's token.
FHIR_EXPORT_DIR = env.str("FHIR_EXPORT_DIR", default=str(BASE_DIR / "exports"))
FHIR_EXPORT_KEEP_HOURS = env.int("FHIR_EXPORT_KEEP_HOURS", default=24)  # then its files are deleted

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling: lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: clients connect
# directly). Log-in lock-outs and link rate limits count per client address behind them.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.proxies.client_ip"
AXES_VERBOSE = False

# Sessions end after SESSION_IDLE_MINUTES without a request (common.sessions renews them).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=15) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # a silent mail server must not hold a task for ever
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / ".mail"))  # for the file backend
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="screening@localhost")
SMS_BACKEND = env.str("SMS_BACKEND", default="screening.sms.ConsoleBackend")

# Rate limits (django-ratelimit) count in this cache: set CACHE_URL (e.g. redis://...) when more
# than one process serves the app, so that every process counts together.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# A silent Redis must cost a request a quarter of a second, not a hang (screening.limits).
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"].setdefault("OPTIONS", {}).update(REDIS_CACHE_OPTIONS)
RATELIMIT_IP_META_KEY = "config.proxies.client_ip"
ONLINE_MISSES_PER_MINUTE = env.str("ONLINE_MISSES_PER_MINUTE", default="20/m")  # wrong or dead links
ONLINE_REQUESTS_PER_MINUTE = env.str("ONLINE_REQUESTS_PER_MINUTE", default="600/m")

# Production hardening, on whenever DEBUG is off.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Celery: the embedded default is kombu's SQLAlchemy transport on a SQLite file, which needs no
# server. (The filesystem transport it replaced lost a message and killed the worker after about
# 11 minutes of normal use: a race between listing and claiming its message files.) SQLite's
# BEGIN IMMEDIATE makes each claim atomic; it has no fanout, so workers run without remote control.
BROKER_DIR = BASE_DIR / ".broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"sqla+sqlite:///{BROKER_DIR / 'broker.sqlite3'}")
if CELERY_BROKER_URL.startswith(("sqla+", "sqlalchemy+")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # A web request publishing to a dead or silent broker gives up within a second (the row is
    # saved and the periodic sweep sends it later) instead of kombu's default retry loop of several
    # seconds, or waiting for ever on a broker that accepts connections and never answers.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
        "socket_timeout": 0.5,
        "socket_connect_timeout": 0.5,
    }
CELERY_TASK_IGNORE_RESULT = True
# The dispatcher's messages have a queue of their own, which every worker consumes beside the
# default one (a worker consumes every queue listed here unless told otherwise): a backlog of
# sends never holds up invitations being made, schedules settling, or alerts (screening.outbox).
# Each is bound by its own name.
CELERY_TASK_QUEUES = [Queue("celery", routing_key="celery"), Queue("send", routing_key="send")]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    "send-messages": {"task": "referrals.tasks.send_waiting_messages", "schedule": 60.0},
    "sweep-alerts": {"task": "referrals.tasks.sweep_alerts", "schedule": 60.0},
    "settle-schedules": {"task": "referrals.tasks.settle_unsettled_schedules", "schedule": 60.0},
    "dispatch-follow-ups": {"task": "referrals.tasks.dispatch_follow_ups", "schedule": 60.0},
    "refresh-report-facts": {"task": "referrals.tasks.refresh_report_facts", "schedule": 60.0},
    "refresh-worklists": {"task": "referrals.tasks.refresh_worklists", "schedule": 60.0},
    "escalate-stalled-referrals": {"task": "referrals.tasks.escalate_stalled_referrals", "schedule": 900.0},
    "delete-expired-exports": {"task": "fhir_api.tasks.delete_expired_exports", "schedule": 3600.0},
}
# On PostgreSQL the cascade and quality measures read per-unit facts kept exact by triggers
# (referrals/reports/facts.py, triggers.py); off, every report computes from the records directly.
REPORT_FACTS = envbool("REPORT_FACTS", True)
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TIMEZONE = TIME_ZONE


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
