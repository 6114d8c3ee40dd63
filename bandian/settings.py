"""bandian settings: one file, driven by environment variables that fail loudly."""

import datetime as dt
import ipaddress
import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
# The key of the applicant references: HMAC-SHA-256 of an identity number under this key (see
# bandian/core/identity.py). The utility and the supervisors share it to match records; without it
# an identity number's reference could be reversed by trying the candidates.
APPLICANT_ID_KEY = os.environ.get("APPLICANT_ID_KEY", "")
if not APPLICANT_ID_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("APPLICANT_ID_KEY must be set when DEBUG is off (see docs/operations.md)")
    APPLICANT_ID_KEY = "insecure-development-applicant-id-key"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "bandian.policy",
    "bandian.workdays",
    "bandian.accounts",
    "bandian.notify",
    "bandian.applications",
    "bandian.applications.visits",
    "bandian.applications.contracts",
    "bandian.applications.ratings",
    "bandian.disclosure",
    "bandian.supervision",
    "bandian.grid",
    "bandian.outages",
    "bandian.reliability",
    "bandian.permits",
    "bandian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "bandian.urls"
WSGI_APPLICATION = "bandian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bandian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "bandian.context.site",
            ],
            # The site's navigation, which asks every app's rules, is no app's.
            "libraries": {"nav_tags": "bandian.nav"},
        },
    },
]

# The database: DATABASE_URL, default an embedded SQLite file in the project folder.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_PREPARED_STATEMENTS", True):
    # Django turns prepared statements off for the sake of transaction-mode poolers; bandian talks
    # to PostgreSQL directly, and its hot public query (the progress lookup) is prepared once per
    # connection. Set DB_PREPARED_STATEMENTS=false behind a pooler that cannot keep them.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE avoids lock upgrades failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env_list(
    "PASSWORD_HASHERS",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "bandian" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "bandian" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: documents are PDF, JPEG or PNG of at most 10 MB (checked by content).
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024

# The plan in force: a TOML file validated at start-up.
POLICY_FILE = Path(os.environ.get("POLICY_FILE", BASE_DIR / "policies" / "qiandongnan-2021.toml"))

# The CJK font embedded in the permit PDFs (Debian fonts-wqy-zenhei, installed by `make run`).
CJK_FONT_FILE = os.environ.get("CJK_FONT_FILE", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

# Supply contracts (bandian/applications/contracts, docs/operations.md): the utility's signing key
# and certificate as PKCS#12 (`manage.py signing_cert --demo` writes a demo one at the default
# path, outside the repository), an RFC 3161 timestamp authority when TSA_URL is set, and the
# site's public address for the verification link in the stamp's QR code.
DATA_DIR = Path(os.environ.get("DATA_DIR", Path.home() / ".local" / "share" / "bandian"))
CONTRACT_SIGNING_P12 = os.environ.get("CONTRACT_SIGNING_P12", str(DATA_DIR / "demo-signing" / "contract-signing.p12"))
CONTRACT_SIGNING_P12_PASSWORD = os.environ.get("CONTRACT_SIGNING_P12_PASSWORD", "")
CONTRACT_TRUST_ROOTS = os.environ.get("CONTRACT_TRUST_ROOTS", "")
CONTRACT_TRUSTED_CERTS = os.environ.get("CONTRACT_TRUSTED_CERTS", "")
TSA_URL = os.environ.get("TSA_URL", "")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Notifications (docs/operations.md §3a): without SMS_GATEWAY_URL, SMS go to the console and
# the in-app inbox. SMS_GATEWAY_SECRET is sent to the gateway as a bearer token and signs its
# delivery receipts (POSTed to SMS_RECEIPT_URL, /notify/sms/receipts/ on this site).
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_SECRET = os.environ.get("SMS_GATEWAY_SECRET", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
SMS_GATEWAY_RATE = float(os.environ.get("SMS_GATEWAY_RATE", "0"))  # messages a second; 0: as fast as it answers
SMS_RECEIPT_URL = os.environ.get("SMS_RECEIPT_URL", "")
SMS_RECEIPT_MAX_AGE_SECONDS = int(os.environ.get("SMS_RECEIPT_MAX_AGE_SECONDS", "300"))
# Instant messaging: each county's group or bot webhook, as Apprise URLs (wecombot://KEY,
# dingtalk://TOKEN/, feishu://TOKEN/), JSON {"522601": "wecombot://...", ...}.
NOTIFY_IM_COUNTY_WEBHOOKS: dict[str, str] = json.loads(os.environ.get("NOTIFY_IM_COUNTY_WEBHOOKS", "") or "{}")
# Retries: a failed send is tried again after base × 2^(tries − 1) seconds (capped), up to the limit.
NOTIFY_RETRY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_RETRY_MAX_ATTEMPTS", "5"))
NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFY_RETRY_BASE_SECONDS", "60"))
NOTIFY_RETRY_MAX_DELAY_SECONDS = int(os.environ.get("NOTIFY_RETRY_MAX_DELAY_SECONDS", "3600"))
# Message ids per delivery task, and how long a worker holds the messages it is sending.
NOTIFY_TASK_CHUNK = int(os.environ.get("NOTIFY_TASK_CHUNK", "200"))
NOTIFY_SEND_LEASE_SECONDS = int(os.environ.get("NOTIFY_SEND_LEASE_SECONDS", "600"))

# The cache holds the failure and rate counters (progress query, SMS codes) and the supervision
# figures, so every process must see the same one: by default files in CACHE_DIR, shared by every
# process on this machine (bandian/core/cache.py); Redis when REDIS_URL is set, which is what
# several hosts must share.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "bandian.core.cache.SharedFileCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / "cache")),
            # Beyond this many entries expired ones are dropped, then random ones: keep it well
            # above the keys an hour of traffic makes.
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "20000"))},
        }
    )
}

# Background work: Django's Tasks API. The database backend needs `manage.py db_worker` running;
# "immediate" runs tasks in the request (development and tests).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASKS_BACKEND]
    }
}

# Logs go to stderr (under systemd, the journal: `journalctl -u bandian-web`). Every unhandled
# exception, in DEBUG or not, is a line on `django.request` with its method, path and user id
# and the traceback (bandian/core/logs.py); never the query string or the request body.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "request": {
            "()": "bandian.core.logs.RequestFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "request"}},
    "loggers": {
        "bandian": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # 5xx only: 4xx answers are in gunicorn's access log already.
        "django.request": {"level": os.environ.get("REQUEST_LOG_LEVEL", "ERROR")},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)


# --- Client addresses, login throttling (issue 9.3, 9.5) -------------------------------------
# The proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated): the
# nginx of docs/operations.md on the same host is 127.0.0.1. Empty: REMOTE_ADDR is the client.
# bandian.core.clientip.client_ip reads it for every limit and for django-axes.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or network") from _exc

INSTALLED_APPS += ["axes"]
# Last, as django-axes asks: it turns a refused login into the lockout page (429).
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "bandian.accounts.throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After AXES_FAILURE_LIMIT wrong passwords for one username, or from one address, further logins
# for it are refused for AXES_COOLOFF_MINUTES, the right password included; a successful login
# clears the failures. Attempts live in the database (shared by every process); an admin unlocks
# in /django-admin/axes/ or with `manage.py axes_reset_username <name>` (docs/operations.md).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are refused unchecked and do not move the end of the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "bandian.core.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "bandian.accounts.throttle.lockout_response"
AXES_USERNAME_CALLABLE = "bandian.accounts.throttle.attempt_username"
AXES_VERBOSE = False


# --- Headers: Content-Security-Policy, HTTPS (issue 9.6) --------------------------------------
# Every page: scripts, styles, images and requests from this site only, no inline script or
# style (templates use static files; htmx is told not to inject its indicator style, see
# base.html), no framing, no plugins. `ninja` in INSTALLED_APPS makes /api/v1/docs load Swagger
# UI from django-ninja's own static files instead of a CDN.
INSTALLED_APPS += ["csp", "ninja"]
MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Served over HTTPS (DEBUG off and SECURE_COOKIES not false): redirect plain HTTP, and tell
# browsers to use HTTPS only (HSTS, a year by default). Behind the proxies of TRUSTED_PROXIES the
# scheme comes from their X-Forwarded-Proto (nginx sets it, overwriting the client's).
if not DEBUG and env_bool("SECURE_COOKIES", True):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]  # local health checks over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


# --- Payments (issue 11.3, bandian/applications/payments) ----------------------------------------
# The provider payment orders are paid through: "sandbox" (no money moves; the default) or a
# production provider whose adapter is installed (wechat, alipay, unionpay: docs/operations.md).
INSTALLED_APPS.insert(INSTALLED_APPS.index("bandian.applications") + 1, "bandian.applications.payments")
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "sandbox")
# The key of the HMAC-SHA256 signature of the provider's callbacks, and how far (seconds) a
# callback's timestamp may be from the server's clock before it is refused as a replay.
# Without it (DEBUG off), every callback is refused; with DEBUG on a development key is used.
PAYMENT_CALLBACK_SECRET = os.environ.get("PAYMENT_CALLBACK_SECRET", "")
if not PAYMENT_CALLBACK_SECRET and DEBUG:
    PAYMENT_CALLBACK_SECRET = "insecure-development-payment-callback-secret"
PAYMENT_CALLBACK_TOLERANCE_SECONDS = int(os.environ.get("PAYMENT_CALLBACK_TOLERANCE_SECONDS", "300"))
