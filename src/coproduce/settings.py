"""Settings, all from environment variables (see docs/operations.md).

Defaults are safe for a public deployment: DEBUG is off unless asked for, and with DEBUG
off the system checks in coproduce.checks refuse a missing secret key, open host lists
and cookies sent over plain HTTP.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("COPRODUCE_HOME", Path.cwd()))
VAR_DIR = PROJECT_DIR / "var"


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

# Used only when DEBUG is on and no SECRET_KEY is given; the deployment check refuses it.
INSECURE_DEV_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_DEV_SECRET_KEY

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "coproduce.web",
    "coproduce.hubs",
    "coproduce.notify",
    "coproduce.timebank",
    "coproduce.deliberation",
    "coproduce.referrals",
    "coproduce.pledges",
    "coproduce.open311",
    "coproduce.involve",
    "coproduce.insight",
    "coproduce.demo",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coproduce.hubs.middleware.memberships_once_per_request",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coproduce.siteurl.RequestSiteMiddleware",
    "coproduce.api.middleware.refuse_nul_characters",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "coproduce.web.middleware.permissions_policy",
]

ROOT_URLCONF = "coproduce.urls"
WSGI_APPLICATION = "coproduce.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coproduce.web.context_processors.site",
                "coproduce.notify.context_processors.whats_new",
            ],
        },
    },
]

# SQLite is the embedded default. WAL lets readers and a writer work at once, the busy
# timeout makes a writer wait for the lock instead of failing, and IMMEDIATE transactions
# take the write lock at BEGIN so two writers never deadlock upgrading a read lock.
DEFAULT_SQLITE_PATH = VAR_DIR / "coproduce.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] == str(DEFAULT_SQLITE_PATH):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Tests use a real file, not shared-cache memory, so concurrency tests see the same
    # locking (WAL, busy timeout) as a deployment.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME")
        or str(Path(tempfile.gettempdir()) / f"coproduce-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "hubs.Person"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
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
# Uploaded files (photos of reported problems). They are never served from MEDIA_URL: a
# view checks who may see each one (a photo can show a face or a front door), so MEDIA_ROOT
# must not be exposed by the web server either.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-is-not-served/"
REPORT_PHOTO_MAX_BYTES = envint("REPORT_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
# How long the emailed link to say whether a report was fixed works, for someone who
# reported without an account (coproduce.pledges.answer_links).
REPORT_ANSWER_LINK_DAYS = envint("REPORT_ANSWER_LINK_DAYS", 60)
# Large CSV exports (the whole ledger, everyone's balance) are written by a task to
# EXPORT_ROOT, never served by the web server, downloaded by the person who asked through
# a link that works for EXPORT_KEEP_DAYS; `coproduce timebank clean-exports` then deletes
# them (docs/operations.md).
EXPORT_ROOT = Path(os.environ.get("EXPORT_ROOT", VAR_DIR / "exports"))
EXPORT_KEEP_DAYS = envint("EXPORT_KEEP_DAYS", 7)

# Serve static files from the app folders when collectstatic has not been run
# (the demo and tests); a deployment runs collectstatic and gets hashed names.
WHITENOISE_USE_FINDERS = DEBUG or envbool("WHITENOISE_USE_FINDERS", False)

# Email: real Django backends through MAILERS. The demo prints mail to the terminal
# (EMAIL_BACKEND=console) or writes files (EMAIL_BACKEND=file); production uses SMTP.
EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}
EMAIL_BACKEND_NAME = os.environ.get("EMAIL_BACKEND", "console" if DEBUG else "smtp")
if EMAIL_BACKEND_NAME not in EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)}, not {EMAIL_BACKEND_NAME!r}."
    )
_mail_options = {}
if EMAIL_BACKEND_NAME == "smtp":
    _mail_options = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("EMAIL_USE_TLS", False),
        "use_ssl": envbool("EMAIL_USE_SSL", False),
        "timeout": envint("EMAIL_TIMEOUT", 20),
    }
elif EMAIL_BACKEND_NAME == "file":
    _mail_options = {"file_path": os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))}
MAILERS = {
    "default": {"BACKEND": EMAIL_BACKENDS[EMAIL_BACKEND_NAME], "OPTIONS": _mail_options},
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Coproduce <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Daily digests go at this hour (local time); weekly ones at this hour on Mondays
# (`coproduce notify send-digests`, run hourly).
NOTIFY_DIGEST_HOUR = envint("NOTIFY_DIGEST_HOUR", 7)
# Email is sent by a task after the change commits. A failed send is logged and, with
# TASKS_BACKEND=database, tried again after 1, 5, 25... times this delay, up to
# EMAIL_ATTEMPTS attempts in all (coproduce.mail.tasks).
EMAIL_ATTEMPTS = envint("EMAIL_ATTEMPTS", 4)
EMAIL_RETRY_DELAY_SECONDS = envint("EMAIL_RETRY_DELAY_SECONDS", 60)
# Background work (the opinion analysis after new votes) runs as Django tasks. By default
# a task runs straight after the request's transaction commits; a busy deployment sets
# TASKS_BACKEND=database and runs `coproduce db_worker` so pages never wait for it.
TASKS_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND_NAME = os.environ.get("TASKS_BACKEND", "immediate")
if TASKS_BACKEND_NAME not in TASKS_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(TASKS_BACKENDS)}, not {TASKS_BACKEND_NAME!r}."
    )
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[TASKS_BACKEND_NAME]}}
# A conversation's opinion analysis is refreshed at most this often while people vote
# (one refresh waiting at a time; see deliberation/services/analysis.py). 0: after every
# change, which tests use.
ANALYSIS_MIN_INTERVAL_SECONDS = envint("ANALYSIS_MIN_INTERVAL_SECONDS", 5)

# Links in emails start with SITE_URL when it is set; otherwise with the address the
# request came in on (coproduce.siteurl). Set it in production: emails sent by commands
# and tasks have no request to follow.
SITE_URL = os.environ.get("SITE_URL", "").strip()

# The cache holds sign-in throttling counters. The default is per process: with more than
# one web process, set CACHE=database (and run `coproduce createcachetable` once) so every
# process sees the same counts.
CACHE_BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "coproduce_cache",
    },
}
CACHE_NAME = os.environ.get("CACHE", "locmem")
if CACHE_NAME not in CACHE_BACKENDS:
    raise ImproperlyConfigured(
        f"CACHE must be one of {', '.join(CACHE_BACKENDS)}, not {CACHE_NAME!r}."
    )
CACHES = {"default": CACHE_BACKENDS[CACHE_NAME]}

# Sign-in throttling: after this many failed sign-ins for one email address, or from one
# client address, within SIGNIN_WINDOW_MINUTES, further attempts (even with the right
# password) are refused for SIGNIN_LOCKOUT_MINUTES.
SIGNIN_MAX_FAILURES_PER_ACCOUNT = envint("SIGNIN_MAX_FAILURES_PER_ACCOUNT", 5)
SIGNIN_MAX_FAILURES_PER_CLIENT = envint("SIGNIN_MAX_FAILURES_PER_CLIENT", 20)
SIGNIN_WINDOW_MINUTES = envint("SIGNIN_WINDOW_MINUTES", 15)
SIGNIN_LOCKOUT_MINUTES = envint("SIGNIN_LOCKOUT_MINUTES", 15)
# At most this many set-password, reset and invitation emails to one address in an hour.
ACCOUNT_EMAILS_PER_HOUR = envint("ACCOUNT_EMAILS_PER_HOUR", 3)
PUBLIC_REPORTS_PER_HOUR = envint("PUBLIC_REPORTS_PER_HOUR", 10)
# An account nobody has signed in to or used for this many days is cleared (erased, after
# warnings 30 and 7 days before) by `coproduce insight tick`; 0 turns this off. Three years.
COPRODUCE_INACTIVE_DAYS = envint("COPRODUCE_INACTIVE_DAYS", 3 * 365)

# Security: safe by default, relaxed only by DEBUG (local HTTP) or explicit settings.
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a proxy, the client's address (for sign-in throttling) is the last one the proxy
# added to X-Forwarded-For; otherwise every client would share the proxy's address.
CLIENT_ADDRESS_FROM_FORWARDED_FOR = envbool("BEHIND_HTTPS_PROXY", False)
# Content-Security-Policy (Django's own middleware): everything from this site only; no
# inline scripts or styles anywhere (htmx is a file under static, its inline indicator
# styles are turned off in base.html, and colours in drawings are SVG attributes), no
# plugins, no framing, forms post only here.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# Permissions-Policy (coproduce.web.middleware): no page uses these browser features.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "magnetometer=(), gyroscope=(), accelerometer=()"
)
if envbool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Invitations stay valid for this many days.
INVITATION_DAYS = envint("INVITATION_DAYS", 14)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per task run is noise; failures are still logged.
    "loggers": {"django.tasks": {"level": "WARNING"}},
}
