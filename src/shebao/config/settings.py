"""Settings, read from the environment. Production is the default.

DEBUG is off unless the environment turns it on (`make demo` and the tests do, explicitly). With
DEBUG off the server refuses to start with the demo secret or without ALLOWED_HOSTS, and
`shebao check --deploy` is clean: HTTPS only (HSTS, redirect to HTTPS, secure cookies), a Content
Security Policy that lets pages load nothing from elsewhere, the API's schema behind sign-in.
Behind a proxy that ends TLS, SHEBAO_PROXY_SSL_HEADER names the header it sets (e.g.
X-Forwarded-Proto) so that the redirect to HTTPS does not loop.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
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
    raise ImproperlyConfigured(f"环境变量{name}应为true或false，不能是{raw!r}")


def env_int(name: str, default: int, *, least: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"环境变量{name}应为整数，不能是{raw!r}") from None
    if value < least:
        raise ImproperlyConfigured(f"环境变量{name}至少为{least}，不能是{value}")
    return value


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
# Rotating SECRET_KEY (issue 16): the key before it goes here (comma-separated, newest first) until
# what it signed has expired, so signed values handed out under it still verify: API cursors
# (api.pagination), staff sessions, password-reset links, the portal's session digests, lockout keys and
# SMS code hashes (core.crypto.keyed_digests). Everything new is signed with SECRET_KEY.
SECRET_KEY_FALLBACKS = [k.strip() for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG:
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
else:
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY是演示密钥或短于32个字符：生产环境须设置真实密钥（演示环境请设置DEBUG=true）"
        )
    if any(k == DEMO_SECRET_KEY or len(k) < 32 for k in SECRET_KEY_FALLBACKS):
        raise ImproperlyConfigured(
            "SECRET_KEY_FALLBACKS含演示密钥或短于32个字符的密钥：只能列出真实的旧密钥"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS须列出本服务器应答的主机名（演示环境请设置DEBUG=true）")

# The business date (core.clock): a training or demo copy may fix "today", e.g. 2020-02-20. Production
# (DEBUG off) refuses it unless SHEBAO_ALLOW_BUSINESS_DATE=true says this is a training copy on purpose.
SHEBAO_TODAY = None
if os.environ.get("SHEBAO_TODAY", "").strip():
    from shebao.core.clock import parse_business_date

    SHEBAO_TODAY = parse_business_date(os.environ["SHEBAO_TODAY"])
    if not DEBUG and not env_bool("SHEBAO_ALLOW_BUSINESS_DATE", False):
        raise ImproperlyConfigured(
            "SHEBAO_TODAY设定了业务日期，只有培训或演示环境可以这样做：请取消该设置；"
            "如本服务器确为培训或演示环境，请同时设置SHEBAO_ALLOW_BUSINESS_DATE=true"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # django-axes' commands in Chinese (axes_reset_username …): Django takes a command from the first
    # app that has it, so these come before axes' own.
    "shebao.staff.lockout_commands",
    "axes",
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
    "shebao.reports",
    "shebao.web",
    "shebao.backoffice",
    "shebao.portal",
    "shebao.api",
]

# The PagesOnly ones are Django's own, skipped for calls with an API key (shebao.core.middleware).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shebao.core.middleware.PagesOnlySessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A control character or a personal number in the query string (or a control character in a
    # page's form) is refused before any view or query sees it (400; core.middleware.QUERY_CHECKS).
    "shebao.core.middleware.QueryGuardMiddleware",
    "shebao.core.middleware.PagesOnlyCsrfViewMiddleware",
    "shebao.core.middleware.PagesOnlyAuthenticationMiddleware",
    # The second factor (django-otp): a signed-in session without a verified authenticator is signed out.
    "shebao.core.middleware.PagesOnlyOTPMiddleware",
    "shebao.core.middleware.SecondFactorRequiredMiddleware",
    # Personal data stays out of caches (no-store) and the admin's pages are masked like the others.
    "shebao.core.middleware.NoStoreMiddleware",
    "shebao.core.middleware.AdminMaskingMiddleware",
    "shebao.core.middleware.PagesOnlyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shebao.core.middleware.PagesOnlyHtmxMiddleware",
    # A write by a signed-in staff member who may make none of its route's actions: 403 before the view
    # reads the form (core.route_actions, review-input12 F14).
    "shebao.core.route_actions.RefuseBeforeReadingMiddleware",
    # Lockout after repeated sign-in failures (django-axes): answers the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
    # Innermost, so its process_exception turns a view's 404/403/400 into the Chinese page first.
    "shebao.web.errors.ErrorPagesMiddleware",
]
CSRF_FAILURE_VIEW = "shebao.web.errors.csrf_failure"
# Flash messages quote typed text masked, cut and without bidi controls (core.messages, review-input5 F7).
MESSAGE_STORAGE = "shebao.core.messages.EchoSafeStorage"

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
                "shebao.core.context_processors.contact",
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
    # The test database is a file too, not Django's shared-cache memory database: there SQLite locks
    # whole tables and answers "database table is locked" at once, without waiting out the busy timeout,
    # so a job thread writing while a page reads fails only in tests. A file (in RAM under /dev/shm where
    # there is one) waits as production does. One per process: two runs in one checkout do not collide.
    _test_dir = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    DATABASES["default"]["TEST"] = {"NAME": str(_test_dir / f"shebao-test-{os.getpid()}.sqlite3")}
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
# Staff sign-in (issue 16 §3): Django's password validators (12 characters at least, not like the
# username or display name, not a common password, not all digits), a second factor (TOTP,
# django-otp; staff.otp), lockout after repeated failures (django-axes), and sessions that end after
# 15 idle minutes, as suits a shared counter.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "shebao.core.passwords.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ["username", "display_name", "email"]}},
    {"NAME": "shebao.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "shebao.core.passwords.CommonPasswordValidator"},
    {"NAME": "shebao.core.passwords.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account before its password is tried
    "django.contrib.auth.backends.ModelBackend",
]
# The second factor may be switched off only on a development copy (the tests do, and turn it on in
# the tests of sign-in): with DEBUG off SHEBAO_STAFF_MFA=false is ignored and the factor is required.
SHEBAO_STAFF_MFA = env_bool("SHEBAO_STAFF_MFA", True) or not DEBUG
OTP_TOTP_ISSUER = "社保经办"
AXES_FAILURE_LIMIT = int(os.environ.get("SHEBAO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("SHEBAO_LOCKOUT_MINUTES", "15")))
# Per account, whatever the address: the staff of one hall share its address.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shebao.web.views.locked_out"  # the Chinese page, 429
AXES_USERNAME_FORM_FIELD = "username"
# What django-axes keeps of a user name that is no staff account's is its keyed hash (an ID number
# typed as a user name is not kept in clear; shebao.staff.lockout), and the POST data it keeps of a
# failed attempt hides every field that may hold a personal number or a secret.
AXES_USERNAME_CALLABLE = "shebao.staff.lockout.attempt_username"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "login", "id_number", "credit_code", "mobile", "code",
                             "otp_token"]
if os.environ.get("SHEBAO_PROXY_SSL_HEADER", "").strip():
    AXES_IPWARE_PROXY_COUNT = 1  # the client's address is the one the proxy in front adds
SESSION_COOKIE_AGE = int(os.environ.get("SHEBAO_IDLE_MINUTES", "15")) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the 15 minutes run from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
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
# Uploaded case documents (ID cards, medical certificates) are readable by the service's own user only,
# as the bank files and exports are (review 3, E15: they were -rw-r--r-- in drwxr-xr-x folders).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS only in production: the browser is told to use HTTPS for a year (HSTS), plain HTTP is
# redirected. A demo on 127.0.0.1 (DEBUG on) stays on plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if os.environ.get("SHEBAO_PROXY_SSL_HEADER", "").strip():
    # The proxy in front ends TLS and says so in this header ("X-Forwarded-Proto: https"). Only set it
    # when the proxy always sets (and overwrites) that header: a client could otherwise claim HTTPS.
    _proxy_header = os.environ["SHEBAO_PROXY_SSL_HEADER"].strip()
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Origins a form may be posted from when the site's public name differs from the Host the server sees.
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# Content Security Policy (django-csp): every page loads scripts, styles, images and fonts from this
# site only, is never framed, posts forms only here. Inline style attributes are allowed (a few
# templates use them for widths); inline scripts are not. The API documentation pages set their own,
# as strict about origins (api.docs.OFFLINE_POLICY).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# security.W003 looks for Django's CsrfViewMiddleware by its path; ours is that class, skipped only
# for calls with an API key (core.middleware). shebao.core.checks.csrf_middleware_present checks
# that it is in place instead.
# axes.W006 asks that the lockout count per address too: not here, where the staff of one hall share
# an address and a few typos would lock the whole counter; one address trying many accounts gets no
# one in with passwords alone (the second factor), and each account locks after its own failures.
SILENCED_SYSTEM_CHECKS = ["security.W003", "axes.W006"]

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shebao.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A write by a caller who may make none of the route's actions is refused before its body is read.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "shebao.api.auth.ActsAsTheTableSays"],
    "DEFAULT_PAGINATION_CLASS": "shebao.api.pagination.CheckedCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "shebao.api.errors.problem_exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "shebao.api.negotiation.ContentNegotiation",
    # JSON only: DRF's browsable API pages are English; people read the API's documentation instead.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies are checked for depth, control characters and lone surrogates (api.parsers).
    "DEFAULT_PARSER_CLASSES": ["shebao.api.parsers.CheckedJSONParser", "shebao.api.parsers.CheckedFormParser",
                               "shebao.api.parsers.CheckedMultiPartParser"],
}
# The document's Chinese title, introduction and descriptions are put in by shebao.api.docs.
SPECTACULAR_SETTINGS = {
    "TITLE": "社保经办 REST API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The document and its pages are for signed-in staff and systems with a key, not the public.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayRequestDuration": True, "docExpansion": "list",
                            "defaultModelsExpandDepth": -1},  # no list of English schema names
    # The benefits API's choice sets share field names (kind, status) with the cases': named here, so
    # the document's enums are stable and `check --deploy` has no W001 collision warning.
    "ENUM_NAME_OVERRIDES": {
        "RetireeStatusEnum": "shebao.benefits.models.Retiree.Status",
        "PensionMonthKindEnum": "shebao.benefits.models.PensionMonth.Kind",
        "PayrollRunKindEnum": "shebao.benefits.models.PayrollRun.Kind",
        "PayrollRunStatusEnum": "shebao.benefits.models.PayrollRun.Status",
        "CaseStatusEnum": "shebao.cases.models.Status",
        "FlagKindEnum": "shebao.cases.models.Flag.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shebao.api.docs.chinese_descriptions",
        "shebao.api.docs.problem_responses",
    ],
}

# Every log line is masked (core.masking.MaskingLogFilter: ID, phone and account numbers, in the
# message and in a traceback). Django's own loggers ("django", and "django.server", the development
# server's access log) are given the one masked handler and do not propagate, so nothing is written
# twice or unmasked, with DEBUG on or off; Django's mail-the-admins handler is not used.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "shebao.core.masking.MaskingLogFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# Encryption at rest of ID numbers, phone numbers and bank accounts (core.crypto, docs/encryption.md):
# Fernet keys, comma-separated, newest first; and the blind-index (HMAC) key. Unset, both are
# derived from SECRET_KEY; a production install sets them and keeps them apart from the database.
SHEBAO_FIELD_KEYS = [k for k in os.environ.get("SHEBAO_FIELD_KEYS", "").split(",") if k.strip()]
SHEBAO_BLIND_INDEX_KEY = os.environ.get("SHEBAO_BLIND_INDEX_KEY", "")

SHEBAO_POLICY_PACK = os.environ.get("SHEBAO_POLICY_PACK", "beijing-2020-epidemic")
# The numbers people are given to call (core.contact): questions (notice clause 10: 12333) and the
# social security card (clause 5.1: 96102). Digits only (a hotline, a landline with area code).
SHEBAO_HELPLINE = os.environ.get("SHEBAO_HELPLINE", "12333").strip()
SHEBAO_CARD_LINE = os.environ.get("SHEBAO_CARD_LINE", "96102").strip()
for _name, _number in (("SHEBAO_HELPLINE", SHEBAO_HELPLINE), ("SHEBAO_CARD_LINE", SHEBAO_CARD_LINE)):
    if not (_number.isascii() and _number.replace("-", "").isdigit() and 3 <= len(_number) <= 20):
        raise ImproperlyConfigured(f"{_name}应为电话号码（数字和“-”），不能是{_number!r}")
# Every PDF's TrueType font (core.pdffonts); empty: Debian's fonts-babelstone-han.
SHEBAO_PDF_FONT = os.environ.get("SHEBAO_PDF_FONT", "")

# Notifications (cases.notifications): e-mail through Django's EMAIL_BACKEND, over SMTP for real; SMS
# and WeChat through adapters whose default writes JSON lines under SHEBAO_NOTIFY_DIR (a gateway
# adapter replaces it). A DEBUG copy with no EMAIL_HOST set (the demo) has no mail server: its e-mail
# is written as files under SHEBAO_NOTIFY_DIR/email (Django's file-based backend), shown at
# /portal/demo/email/ (演示邮件收件箱), instead of failing with "Connection refused". EMAIL_BACKEND names
# another backend explicitly.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, least=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shebao@localhost")
SHEBAO_NOTIFY_FROM = os.environ.get("SHEBAO_NOTIFY_FROM", DEFAULT_FROM_EMAIL)
SHEBAO_NOTIFY_DIR = Path(os.environ.get("SHEBAO_NOTIFY_DIR", VAR_DIR / "outbox"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG and not os.environ.get("EMAIL_HOST", "").strip()
    else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = SHEBAO_NOTIFY_DIR / "email"
SHEBAO_NOTIFY_ADAPTERS: dict[str, str] = {}

# The portal's sign-in codes (portal.codes): per account, one a minute and five an hour; per client
# address, twenty an hour.
SHEBAO_PORTAL_CODE_GAP_SECONDS = env_int("SHEBAO_PORTAL_CODE_GAP_SECONDS", 60)
SHEBAO_PORTAL_CODES_PER_HOUR = env_int("SHEBAO_PORTAL_CODES_PER_HOUR", 5, least=1)
SHEBAO_PORTAL_CODES_PER_ADDRESS_HOUR = env_int("SHEBAO_PORTAL_CODES_PER_ADDRESS_HOUR", 20, least=1)

# Uploads (cases.documents): content-checked PDF, JPEG and PNG only.
SHEBAO_UPLOAD_MAX_BYTES = int(os.environ.get("SHEBAO_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
SHEBAO_UPLOAD_MAX_PER_CASE = int(os.environ.get("SHEBAO_UPLOAD_MAX_PER_CASE", "30"))
# An image's width × height (cases.documents.MAX_PIXELS: an A4 page scanned at 600 dpi is 34.8 million).
SHEBAO_UPLOAD_MAX_PIXELS = env_int("SHEBAO_UPLOAD_MAX_PIXELS", 40_000_000, least=1)
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
# The leaders' tallies (reports.refresher) are refreshed after each write that changes them: by a
# background thread of the process ("thread"), in the writer's thread after its commit ("inline"), or
# only by `shebao reports_refresh` run from cron ("off"). The dashboard never refreshes on a read.
SHEBAO_TALLIES_REFRESH = os.environ.get("SHEBAO_TALLIES_REFRESH", "thread")
# Spreadsheet exports (reports.jobs): a list longer than SHEBAO_EXPORT_INLINE_ROWS is written by a
# background job with its progress shown (SHEBAO_JOBS as above), into this directory (the server's
# account only), downloadable by whoever asked for it, deleted after the retention hours.
SHEBAO_EXPORT_INLINE_ROWS = env_int("SHEBAO_EXPORT_INLINE_ROWS", 5000, least=1)
SHEBAO_EXPORT_DIR = Path(os.environ.get("SHEBAO_EXPORT_DIR", VAR_DIR / "exports"))
SHEBAO_EXPORT_RETENTION_HOURS = env_int("SHEBAO_EXPORT_RETENTION_HOURS", 24, least=1)
if SHEBAO_TALLIES_REFRESH not in ("thread", "inline", "off"):
    raise ImproperlyConfigured("SHEBAO_TALLIES_REFRESH只能是thread、inline或off")

# The identity check of 6.1 (portal.person_identity): the city's OpenID Connect provider. All three
# or none; without them the portal says the check is not available. With DEBUG on and nothing set,
# the demo's stand-in (`shebao identity_standin`, port 8001, which `make demo` starts) is used.
_identity = {k: os.environ.get(f"SHEBAO_IDENTITY_{k.upper()}", "").strip()
             for k in ("issuer", "client_id", "client_secret")}
if any(_identity.values()) and not all(_identity.values()):
    raise ImproperlyConfigured("SHEBAO_IDENTITY_ISSUER、SHEBAO_IDENTITY_CLIENT_ID和SHEBAO_IDENTITY_CLIENT_SECRET"
                               "须同时设置或都不设置")
if not any(_identity.values()) and DEBUG:
    _identity = {"issuer": f"http://127.0.0.1:{env_int('SHEBAO_IDENTITY_STANDIN_PORT', 8001, least=1)}",
                 "client_id": "shebao-portal-demo", "client_secret": "shebao-portal-demo-secret"}
SHEBAO_IDENTITY_PROVIDER = {**_identity, "id_claim": os.environ.get("SHEBAO_IDENTITY_ID_CLAIM", "id_number")} \
    if all(_identity.values()) else {}
SHEBAO_IDENTITY_FRESH_MINUTES = env_int("SHEBAO_IDENTITY_FRESH_MINUTES", 10, least=1)
