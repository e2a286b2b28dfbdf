"""Settings, read from the environment with safe demo defaults.

Production (DEBUG off) refuses to start with the demo secret or without ALLOWED_HOSTS: a wrong
value stops start-up with a message instead of silently falling back.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # src/shebao
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SHEBAO_VAR_DIR", PROJECT_DIR / "var"))

DEMO_SECRET_KEY = "demo-only-secret-key-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, least: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < least:
        raise ImproperlyConfigured(f"{name} must be at least {least}, not {value}")
    return value


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG:
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
else:
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY is the demo key or shorter than 32 characters: set a real secret for production."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts this server answers for.")

# The business date (core.clock): a training or demo copy may fix "today", e.g. 2020-02-20. Production
# (DEBUG off) refuses it unless SHEBAO_ALLOW_BUSINESS_DATE=true says this is a training copy on purpose.
SHEBAO_TODAY = None
if os.environ.get("SHEBAO_TODAY", "").strip():
    from shebao.core.clock import parse_business_date

    SHEBAO_TODAY = parse_business_date(os.environ["SHEBAO_TODAY"])
    if not DEBUG and not env_bool("SHEBAO_ALLOW_BUSINESS_DATE", False):
        raise ImproperlyConfigured(
            "SHEBAO_TODAY sets a business date, which only a training or demo copy may do: unset it, or set "
            "SHEBAO_ALLOW_BUSINESS_DATE=true if this server is such a copy."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from the package (offline), api.docs
    "shebao.core",
    "shebao.registry",
    "shebao.staff",
    "shebao.collection",
    "shebao.cases",
    "shebao.operations",
    "shebao.benefits",
    "shebao.cards",
    "shebao.web",
    "shebao.backoffice",
    "shebao.api",
]

# The PagesOnly ones are Django's own, skipped for calls with an API key (shebao.core.middleware).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shebao.core.middleware.PagesOnlySessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shebao.core.middleware.PagesOnlyCsrfViewMiddleware",
    "shebao.core.middleware.PagesOnlyAuthenticationMiddleware",
    "shebao.core.middleware.PagesOnlyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shebao.core.middleware.PagesOnlyHtmxMiddleware",
    # Innermost, so its process_exception turns a view's 404/403/400 into the Chinese page first.
    "shebao.web.errors.ErrorPagesMiddleware",
]
CSRF_FAILURE_VIEW = "shebao.web.errors.csrf_failure"

ROOT_URLCONF = "shebao.config.urls"
WSGI_APPLICATION = "shebao.config.wsgi.application"

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
                "shebao.core.context_processors.business_date",
            ],
            # `user|may:"action"` in every template: the permission table decides what a page offers.
            "builtins": ["shebao.core.templatetags.permissions"],
        },
    },
]

DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'shebao.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a generator or worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    options = DATABASES["default"].setdefault("OPTIONS", {})
    if env_bool("SHEBAO_DB_POOL", True):
        # Django's pool (psycopg_pool) per process: a request borrows an open connection and gives it
        # back at its end, so no request pays for a connection's start. The pool replaces persistent
        # connections (CONN_MAX_AGE must then be 0). Size it to the process's threads.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        options["pool"] = {"min_size": env_int("SHEBAO_DB_POOL_MIN", 1),
                           "max_size": env_int("SHEBAO_DB_POOL_MAX", 8, least=1),
                           "timeout": env_int("SHEBAO_DB_POOL_TIMEOUT", 10, least=1)}
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    if env_bool("SHEBAO_DB_SERVER_SIDE_BINDING", False):
        # psycopg binds the parameters on the server and prepares a statement run `prepare_threshold`
        # times on a connection (no re-parse, no re-plan). Off by default: a server-side statement
        # takes at most 65,535 parameters (a large bulk insert or IN list then fails).
        options["server_side_binding"] = True
        options["prepare_threshold"] = env_int("SHEBAO_DB_PREPARE_THRESHOLD", 5)

AUTH_USER_MODEL = "staff.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("SHEBAO_MEDIA_ROOT", VAR_DIR / "media"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shebao.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "shebao.api.errors.problem_exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "shebao.api.negotiation.ContentNegotiation",
    # JSON only: DRF's browsable API pages are English; people read the API's documentation instead.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# The document's Chinese title, introduction and descriptions are put in by shebao.api.docs.
SPECTACULAR_SETTINGS = {
    "TITLE": "社保经办 REST API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayRequestDuration": True, "docExpansion": "list",
                            "defaultModelsExpandDepth": -1},  # no list of English schema names
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shebao.api.docs.chinese_descriptions",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "shebao.core.masking.MaskingLogFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
SHEBAO_POLICY_PACK = os.environ.get("SHEBAO_POLICY_PACK", "beijing-2020-epidemic")
# Every PDF's TrueType font (core.pdffonts); empty: Debian's fonts-babelstone-han.
SHEBAO_PDF_FONT = os.environ.get("SHEBAO_PDF_FONT", "")

# Notifications (cases.notifications): e-mail over SMTP for real; SMS and WeChat through adapters
# whose default writes JSON lines under SHEBAO_NOTIFY_DIR (a gateway adapter replaces it).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shebao@localhost")
SHEBAO_NOTIFY_FROM = os.environ.get("SHEBAO_NOTIFY_FROM", DEFAULT_FROM_EMAIL)
SHEBAO_NOTIFY_DIR = Path(os.environ.get("SHEBAO_NOTIFY_DIR", VAR_DIR / "outbox"))
SHEBAO_NOTIFY_ADAPTERS: dict[str, str] = {}

# Uploads (cases.documents): content-checked PDF, JPEG and PNG only.
SHEBAO_UPLOAD_MAX_BYTES = int(os.environ.get("SHEBAO_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
SHEBAO_UPLOAD_MAX_PER_CASE = int(os.environ.get("SHEBAO_UPLOAD_MAX_PER_CASE", "30"))
DATA_UPLOAD_MAX_MEMORY_SIZE = SHEBAO_UPLOAD_MAX_BYTES + 1024 * 1024

# Bank files of the collection desk (collection.bankfiles). A deduction request file carries every
# employer's full account number, so the bank can execute it: it is written under this directory
# (readable by the server's account only), downloaded only by the collection role (each download in
# the audit trail), and deleted once every line has the bank's result or after this many days,
# whichever comes first (`shebao purge_bank_files`, also run at each new run and each import).
SHEBAO_BANK_FILE_DIR = Path(os.environ.get("SHEBAO_BANK_FILE_DIR", VAR_DIR / "bank_files"))
SHEBAO_BANK_FILE_RETENTION_DAYS = int(os.environ.get("SHEBAO_BANK_FILE_RETENTION_DAYS", "7"))
SHEBAO_BANK_FILE_MAX_BYTES = int(os.environ.get("SHEBAO_BANK_FILE_MAX_BYTES", str(20 * 1024 * 1024)))
# Assessment runs started from the pages run in a background thread ("thread") and report their
# progress; "inline" runs them in the request (tests, and a single-threaded server).
SHEBAO_JOBS = os.environ.get("SHEBAO_JOBS", "thread")
