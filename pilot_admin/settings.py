"""Settings for pilot_admin, read entirely from the environment (see README, "配置")."""

import datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from pilot_admin.choices import Channel, NoticeKind, Role
from pilot_admin.env import env_bool, env_int, env_list, env_pairs, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PILOT_ADMIN_VAR_DIR", str(BASE_DIR / "var")))

DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DJANGO_DEBUG", False)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY and not env_bool("PILOT_ADMIN_ALLOW_DEV_KEY", False):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0 (set DJANGO_DEBUG=1 for local development)."
    )
# Production is served over HTTPS: with DJANGO_DEBUG=0 secure cookies, the redirect to HTTPS and
# HSTS are on by default. A county that serves the site over plain HTTP inside its intranet says
# so with DJANGO_HTTPS=0, and `check --deploy` keeps warning about it.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Behind the county's reverse proxy the caller's address comes from X-Forwarded-For.
TRUST_X_FORWARDED_FOR = env_bool("DJANGO_TRUST_X_FORWARDED_FOR", False)

INSTALLED_APPS = [
    "pilot_admin.apps.PilotAdminSiteConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pilot_admin.third_party_apps.AxesConfig",
    "django_otp",
    "pilot_admin.third_party_apps.TOTPConfig",
    "csp",
    "django_prometheus",
    "pilot_admin",
    "pilot_admin.accounts",
    "villages",
    "tasks",
    "assessments",
    "guardianship",
    "supervision",
    "home",
    "demo",
]

MIDDLEWARE = [
    # First and last: requests and latency by view for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id, and one log line per request with its user, status and duration.
    "pilot_admin.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # An API URL too long is refused in JSON (414) before anything else reads the request.
    "pilot_admin.api.middleware.UrlLengthMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pilot_admin.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pilot_admin.middleware.IdleTimeoutMiddleware",
    # request.user as the user itself, no longer behind the two lazy wrappers above.
    "pilot_admin.middleware.ResolvedUserMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "pilot_admin.middleware.RequestContextMiddleware",
    "pilot_admin.middleware.AccessLogMiddleware",
    "pilot_admin.accounts.middleware.TwoFactorRequiredMiddleware",
    # After the second factor: a password that must be replaced is replaced by its owner.
    "pilot_admin.accounts.middleware.PasswordChangeRequiredMiddleware",
    "pilot_admin.middleware.ScopeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the lockout flag the login views set and answers 429 instead.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "pilot_admin.urls"
WSGI_APPLICATION = "pilot_admin.wsgi.application"

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
                "home.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction mode (README "部署与扩容"): consecutive statements of one
# connection may reach different server connections, so a server-side cursor (QuerySet.iterator(),
# DECLARE … WITH HOLD, then FETCH) is not found by its next FETCH, and PgBouncer refuses the
# `options` startup parameter that turns JIT off below (set `ALTER ROLE … SET jit = off` instead).
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_TRANSACTION_POOLING:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT off for our connections: our statements are short OLTP queries over large tables,
    # whose estimated cost passes jit_above_cost, so PostgreSQL compiled them at every request
    # and the compiling cost more than the query (guardianship statistics: 560 ms with JIT,
    # 310 ms without). Merged with any options given in DATABASE_URL.
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options["options"] = f"{_db_options.get('options', '')} -c jit=off".strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with the library's real parameter limit, so bulk writes take as
    # many statements here as on PostgreSQL (pilot_admin/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "pilot_admin.sqlite"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "pilot_admin.User"
# Axes first: a locked-out account or address is refused before any password hash is computed
# (a check costs about half a CPU-second in production, so guessing is also a way to load the server).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "pilot_admin.backends.RoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 12)
PASSWORD_MIN_CHARACTER_CLASSES = env_int("PASSWORD_MIN_CHARACTER_CLASSES", 3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "pilot_admin.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "pilot_admin.accounts.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},
    },
]
# A password older than this many days must be changed before any page opens (0: passwords do not
# age); API tokens are not affected, they expire on their own clock below.
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
# Accounts nobody signed in to (or used a token of) for this many days are disabled at night
# (0: never); the security administrator lists and re-enables them on the 账户 pages.
ACCOUNT_INACTIVE_DAYS = env_int("ACCOUNT_INACTIVE_DAYS", 90)
# An API token works this many days after it was issued or last renewed (0: no expiry).
API_TOKEN_MAX_AGE_DAYS = env_int("API_TOKEN_MAX_AGE_DAYS", 365)
for _name in ("PASSWORD_MAX_AGE_DAYS", "ACCOUNT_INACTIVE_DAYS", "API_TOKEN_MAX_AGE_DAYS"):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must be 0 (off) or a number of days, got {globals()[_name]}")
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# Signed out after this many seconds without a request (IdleTimeoutMiddleware); the absolute
# limit above still applies to a session kept busy.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): failures are counted per account and per address, each on
# its own; reaching the limit locks that account or address until the cool-off ends or the
# security administrator unlocks it (登录锁定 page). Lockouts answer 429 (a page, or JSON on the API).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
# "username+ip_address" would count the pair instead.
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in env_list("LOGIN_LOCKOUT_PARAMETERS", ["username", "ip_address"])
]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "pilot_admin.accounts.views.lockout_response"
# The same address the audit trail records (X-Forwarded-For only behind a trusted proxy).
AXES_CLIENT_IP_CALLABLE = "pilot_admin.middleware.client_ip"
AXES_VERBOSE = False

# Two-factor login: required for the roles listed (by default the county's: its office and its
# viewers, who read every township's register, and the three administrator duties, whose
# separation rests on it: a system administrator who resets another administrator's password
# still lacks their phone), offered to everyone else; a county that wants it for all adds the
# other roles. PILOT_ADMIN_REQUIRE_2FA=0 turns the requirement off entirely. API tokens are
# machine credentials and are not affected (see pilot_admin/accounts/middleware.py).
PILOT_ADMIN_REQUIRE_2FA = env_bool("PILOT_ADMIN_REQUIRE_2FA", True)
PILOT_ADMIN_2FA_ROLES = env_list(
    "PILOT_ADMIN_2FA_ROLES",
    [
        Role.COUNTY_ADMIN.value,
        Role.COUNTY_VIEWER.value,
        Role.SYSTEM_ADMIN.value,
        Role.SECURITY_ADMIN.value,
        Role.AUDIT_ADMIN.value,
    ],
)
if set(PILOT_ADMIN_2FA_ROLES) - set(Role.values):
    raise ImproperlyConfigured(
        f"PILOT_ADMIN_2FA_ROLES may name only {', '.join(Role.values)}; got {', '.join(PILOT_ADMIN_2FA_ROLES)}"
    )
# `make run` only: the demo county's accounts open without enrolling an authenticator, honoured
# with DJANGO_DEBUG=1 alone; with DEBUG off every manage.py command refuses it (pilot_admin.E111).
PILOT_ADMIN_DEMO_SKIP_2FA = env_bool("PILOT_ADMIN_DEMO_SKIP_2FA", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "试点工作管理系统")
# The admin never shows an authenticator's secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Security headers. TLS may end at the county's reverse proxy: then it sets
# X-Forwarded-Proto and DJANGO_SECURE_PROXY_SSL_HEADER=1 tells Django to trust it.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
# The load balancer probes health, and Prometheus scrapes each node, over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^health/ready/$", r"^metrics$"]
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A year, once the site is served over HTTPS; a county domain whose other hosts still speak plain
# HTTP sets DJANGO_HSTS_INCLUDE_SUBDOMAINS=0 (check --deploy then warns, as it should).
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        # data: for the icons the admin and the API docs embed as data URLs (the QR code is inline SVG).
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files are served only through scoped views, never by URL.
MEDIA_URL = "/media-not-served/"
# Behind nginx (deploy/nginx/pilot-admin.conf) pages link to names holding each file's hash, which
# nginx lets browsers keep for a year. Off by default: hashed names need collectstatic before the
# first page renders, and `make bench` renders pages with DEBUG off from the source folders.
STATIC_HASHED_NAMES = env_bool("DJANGO_STATIC_HASHED_NAMES", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_HASHED_NAMES
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploads larger than this are refused before openpyxl sees them.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50_000)
# A workbook is a zip: its parts' declared sizes and count are checked before openpyxl opens it
# (a zip bomb), and reading stops after this many empty rows in a row (a sheet "a million rows long").
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)
IMPORT_MAX_ZIP_MEMBERS = env_int("IMPORT_MAX_ZIP_MEMBERS", 500)
IMPORT_MAX_EMPTY_ROWS = env_int("IMPORT_MAX_EMPTY_ROWS", 1000)
REPORT_ATTACHMENT_MAX_BYTES = env_int("REPORT_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
# Uploads with more data rows than this are imported by a Celery worker, the page showing progress.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 500)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Fails open (pilot_admin/cache.py): with Redis down pages are served without the cache. Short
    # timeouts, so an unreachable host costs a page at most a second before the cache is skipped.
    CACHES = {
        "default": {
            "BACKEND": "pilot_admin.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "pilot_admin"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The longest a dashboard figure may lag a write that bypassed the services (a shell, a raw
# UPDATE); every audited write invalidates its county's figures at once.
STATS_CACHE_SECONDS = env_int("STATS_CACHE_SECONDS", 300)
# Closed years' figures are kept across data versions (pilot_admin/stats_cache.py); a write that
# bypasses the services reaches them after this long.
STATS_HISTORY_SECONDS = env_int("STATS_HISTORY_SECONDS", 86400)


def _email_settings(url: str) -> dict:
    """Parse EMAIL_URL (smtp://user:pass@host:port, smtp+tls://…, console://, locmem://)."""
    parsed = urlparse(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL scheme must be one of {sorted(backends)}")
    return {
        "EMAIL_BACKEND": backends[parsed.scheme],
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or 25,
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parsed.scheme == "smtp+ssl",
    }


globals().update(_email_settings(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "pilot-admin@localhost")
# The site's address as users reach it, for the links in e-mails (the digest).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Notice channels beyond the inbox and the digest (README "提醒渠道"): per channel its provider,
# or "off"; "console" writes to the log, so `make run` needs no account.
NOTIFY_PROVIDERS = {
    Channel.SMS: env_str("NOTIFY_SMS_PROVIDER", "console"),  # console | aliyun | tencent | off
    Channel.WECOM: env_str("NOTIFY_WECOM_PROVIDER", "console"),  # console | wecom | off
    Channel.DINGTALK: env_str("NOTIFY_DINGTALK_PROVIDER", "console"),  # console | dingtalk | off
}
# What the county allows on each channel: the notice kinds a person may choose there. SMS costs
# money per message, so by default it carries only tomorrow's deadlines and the overdue ones.
NOTIFY_CHANNEL_KINDS = {
    Channel.SMS: env_list(
        "NOTIFY_SMS_KINDS",
        [NoticeKind.DUE_TOMORROW, NoticeKind.OVERDUE, NoticeKind.ESCALATE_LEADER, NoticeKind.ESCALATE_COUNTY],
    ),
    Channel.WECOM: env_list("NOTIFY_WECOM_KINDS", list(NoticeKind.values)),
    Channel.DINGTALK: env_list("NOTIFY_DINGTALK_KINDS", list(NoticeKind.values)),
}
# Overdue notices and escalations reach the first of these a person has an address for, even
# when they chose no channel for them.
NOTIFY_ESCALATION_CHANNELS = env_list("NOTIFY_ESCALATION_CHANNELS", [Channel.SMS, Channel.WECOM, Channel.DINGTALK])
# The outbox: tries per message before it is shown as failed; the first retry's delay, doubled
# each time up to the cap; how long a worker's claim holds (well above NOTIFY_HTTP_TIMEOUT: a
# claim that expires while its worker still waits for the provider would send twice).
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 60)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
OUTBOX_CLAIM_SECONDS = env_int("OUTBOX_CLAIM_SECONDS", 300)
NOTIFY_HTTP_TIMEOUT = env_int("NOTIFY_HTTP_TIMEOUT", 10)
# SMS: the county's approved signature, and per notice kind its approved template code (each
# template takes ${kind} and ${title}).
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "")
SMS_TEMPLATES = env_pairs("SMS_TEMPLATES", {})
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com")
ALIYUN_ACCESS_KEY_ID = env_str("ALIYUN_ACCESS_KEY_ID", "")
ALIYUN_ACCESS_KEY_SECRET = env_str("ALIYUN_ACCESS_KEY_SECRET", "")
TENCENT_SMS_ENDPOINT = env_str("TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com")
TENCENT_SMS_REGION = env_str("TENCENT_SMS_REGION", "ap-guangzhou")
TENCENT_SMS_SDK_APP_ID = env_str("TENCENT_SMS_SDK_APP_ID", "")
TENCENT_SECRET_ID = env_str("TENCENT_SECRET_ID", "")
TENCENT_SECRET_KEY = env_str("TENCENT_SECRET_KEY", "")
# 企业微信 application: the corp, the application's secret and agent id.
WECOM_API_BASE = env_str("WECOM_API_BASE", "https://qyapi.weixin.qq.com")
WECOM_CORP_ID = env_str("WECOM_CORP_ID", "")
WECOM_SECRET = env_str("WECOM_SECRET", "")
WECOM_AGENT_ID = env_int("WECOM_AGENT_ID", 0)
# 钉钉 internal application (work notices).
DINGTALK_API_BASE = env_str("DINGTALK_API_BASE", "https://oapi.dingtalk.com")
DINGTALK_APP_KEY = env_str("DINGTALK_APP_KEY", "")
DINGTALK_APP_SECRET = env_str("DINGTALK_APP_SECRET", "")
DINGTALK_AGENT_ID = env_int("DINGTALK_AGENT_ID", 0)
# Group robots (a unit's work group, set on the 群机器人 page): "webhook" posts to the URL the
# county office entered, "console" writes to the log (the default, like the channels above),
# "off" queues nothing. The notice kinds a group receives (escalations to the county office are
# not the unit's business). The base URLs a webhook must start with: the providers' own, or a
# private deployment's (and a test's local server).
NOTIFY_ROBOT_PROVIDER = env_str("NOTIFY_ROBOT_PROVIDER", "console")  # console | webhook | off
NOTIFY_ROBOT_KINDS = env_list(
    "NOTIFY_ROBOT_KINDS", [kind for kind in NoticeKind.values if kind != NoticeKind.ESCALATE_COUNTY]
)
# Both providers take 20 messages a minute per robot; the outbox holds the rest for the next minute.
NOTIFY_ROBOT_PER_MINUTE = env_int("NOTIFY_ROBOT_PER_MINUTE", 20)
WECOM_ROBOT_BASE = env_str("WECOM_ROBOT_BASE", "https://qyapi.weixin.qq.com")
DINGTALK_ROBOT_BASE = env_str("DINGTALK_ROBOT_BASE", "https://oapi.dingtalk.com")

# Celery: Redis in production and CI; without REDIS_URL/CELERY_BROKER_URL a filesystem broker
# lets `make run` start a worker and beat on a machine with no server at all.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        # The workers' remote-control exchanges, else a `control/` folder in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # With acks_late a message a worker took and never acknowledged (the worker was killed)
    # goes back to the queue after visibility_timeout seconds; it must exceed the longest task,
    # or a slow task would be delivered twice (harmless for ours, but wasted work). A prefix
    # keeps one installation's queues apart from another's on a shared Redis.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
    if env_str("CELERY_BROKER_KEY_PREFIX", ""):
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env_str("CELERY_BROKER_KEY_PREFIX", "")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # 03:10 every night: drop expired sessions and import files older than the retention window.
    "purge-expired-data": {
        "task": "pilot_admin.tasks.purge_expired_data",
        "schedule": crontab(hour=3, minute=10),
    },
    # 02:40 every night, before the offices open: disable the accounts nobody has used for
    # ACCOUNT_INACTIVE_DAYS (audited); the security administrator re-enables them on the 账户 pages.
    "disable-inactive-accounts": {
        "task": "pilot_admin.tasks.disable_inactive_accounts",
        "schedule": crontab(hour=2, minute=40),
    },
    # 03:30 every night: archive the persons who left the register more than
    # PERSON_RETENTION_YEARS ago (their identifying data removed, their figures kept; audited).
    "archive-exited-persons": {
        "task": "guardianship.tasks.archive_exited_persons",
        "schedule": crontab(hour=3, minute=30),
    },
    # 07:30 county time (CELERY_TIMEZONE) every day: record the day's reminders of every app
    # (report deadlines, rectifications, monthly visits), put them in the inboxes and send each
    # user one digest e-mail, before the offices open.
    "send-due-reminders": {
        "task": "pilot_admin.tasks.send_due_reminders_task",
        "schedule": crontab(hour=7, minute=30),
    },
    # Beat does not retry a tick the broker refused (Redis down at 07:30): the day's run would
    # wait for tomorrow. The run is idempotent, so repeating it hourly through office hours
    # delivers a missed run once Redis is back and otherwise adds nothing (a user with nothing
    # pending at 07:30 may get that day's one digest later in the day).
    "send-due-reminders-catch-up": {
        "task": "pilot_admin.tasks.send_due_reminders_task",
        "schedule": crontab(hour="8-17", minute=30),
    },
    # Every minute: put new notices in the outbox by each person's channels and send what is due
    # (retries wait out their backoff; a claim held by a killed worker expires and is retried).
    "deliver-outbox": {
        "task": "pilot_admin.tasks.deliver_outbox_task",
        "schedule": crontab(minute="*"),
    },
}
IMPORT_RETENTION_DAYS = env_int("IMPORT_RETENTION_DAYS", 7)
# Years after a person's exit from the special-hardship register until their identifying data
# is removed (guardianship/services_retention.py). No rule of the pilot sets it; five years
# covers the annual reviews and inspections that look back at past years (SECURITY.md).
PERSON_RETENTION_YEARS = env_int("PERSON_RETENTION_YEARS", 5)

# `manage.py backup` encrypts with the first key; `restore` decrypts with any of them, so a key is
# rotated by putting the new one first and keeping the old ones until their backups are deleted.
# Without a key, backup refuses to run unless DEBUG is on (pilot_admin/backups.py).
BACKUP_ENCRYPTION_KEYS = env_list("BACKUP_ENCRYPTION_KEY", [])

# Personal data encrypted at rest (pilot_admin/crypto.py): ID numbers, disability and notes of
# the persons in care. PERSONAL_DATA_KEY is a list like the backup keys (the first encrypts, all
# decrypt; `manage.py rotate_personal_data_keys` re-encrypts under the first); the index key
# hashes ID numbers for lookups and uniqueness. Both are required with DJANGO_DEBUG=0; keep them
# apart from the database and from the backups.
PERSONAL_DATA_KEYS = env_list("PERSONAL_DATA_KEY", [])
PERSONAL_DATA_INDEX_KEY = env_str("PERSONAL_DATA_INDEX_KEY", "")

REST_FRAMEWORK = {
    # Token first, so an unauthenticated call gets 401 with WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pilot_admin.accounts.authentication.ExpiringTokenAuthentication",
        "pilot_admin.accounts.authentication.CsrfSessionAuthentication",
    ],
    # JSON only; the browsable HTML API is a development aid, never served in production.
    "DEFAULT_RENDERER_CLASSES": [
        # DRF's JSONRenderer with orjson's encoder (the same answer, faster).
        "pilot_admin.api.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    # OPTIONS without the views' docstrings; `?format=` a renderer lacks is a Chinese 404
    # (pilot_admin/api/http.py).
    "DEFAULT_METADATA_CLASS": "pilot_admin.api.http.Metadata",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "pilot_admin.api.http.ContentNegotiation",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "pilot_admin.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "pilot_admin.api.exceptions.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "试点工作管理系统 接口文档",
    "DESCRIPTION": (
        "试点工作管理系统 REST API v1：供市、省级系统和县里的其他系统读取本县的村、试点、任务报送、"
        "检查验收与特困人员监护照护数据，修改村和特困人员信息，上传 Excel 导入。用接口令牌"
        "（Authorization: Token …）或已登录的会话调用；只能读写其账户可见范围内的数据。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`: each choice set gets a stable enum name of its own (the
    # pilot status keeps the name it had when it was the only one).
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "villages.choices.PilotStatus",
        "ImportStatusEnum": "pilot_admin.choices.ImportStatus",
        # The village PATCH body brings a second `kind`; the person's keeps its name.
        "KindEnum": "guardianship.choices.PersonKind",
        "VillageKindEnum": "villages.choices.VillageKind",
        # The department list and the task statistics' unit rows.
        "DepartmentKindEnum": "villages.choices.DepartmentKind",
        # The quota and the standards statistics share their scope.
        "VillageStatsScopeEnum": "villages.choices.StatsScope",
        # The guardianship and supervision monthly statistics share theirs.
        "MonthStatsScopeEnum": "pilot_admin.choices.MonthStatsScope",
    },
    # Every operation also documents the errors it can answer (pilot_admin/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pilot_admin.api.schema.document_error_responses",
        "pilot_admin.api.schema_inputs.document_inputs",
        # Tags by their Chinese names, described (pilot_admin/api/schema.py TAGS).
        "pilot_admin.api.schema.chinese_tags",
    ],
    # Swagger UI is served from our own static files: county intranets are often offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call-out to the public schema validator either.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Health and monitoring (README "健康检查与监控", pilot_admin/health.py and metrics.py).
# Worker and beat heartbeats need a cache every process shares, so they are checked with Redis;
# without it /health/ready/ says 未配置 for them.
HEALTH_HEARTBEATS = env_bool("HEALTH_HEARTBEATS", bool(REDIS_URL))
# A worker stamps after every task and beat sends deliver-outbox every minute: silence longer
# than these (seconds) means the process is gone or stuck.
HEALTH_WORKER_MAX_AGE = env_int("HEALTH_WORKER_MAX_AGE", 300)
HEALTH_BEAT_MAX_AGE = env_int("HEALTH_BEAT_MAX_AGE", 180)
# An outbox message due this many minutes ago and still not sent; an import with no progress for this long.
HEALTH_OUTBOX_MAX_MINUTES = env_int("HEALTH_OUTBOX_MAX_MINUTES", 15)
HEALTH_IMPORT_STUCK_MINUTES = env_int("HEALTH_IMPORT_STUCK_MINUTES", 30)
# /metrics answers a bearer of this token (Prometheus `authorization: credentials`) or these
# addresses / networks (e.g. 10.0.0.0/8); with neither set it answers nobody.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])
PROMETHEUS_EXPORT_MIGRATIONS = False

# Logs: one JSON object a line for the province's log store (LOG_FORMAT=json, the default with
# DEBUG off), or readable text for development; every line carries the request id and the user.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
# JSON: the worker's and beat's lines too go through LOGGING below (DJANGO_LOG_LEVEL); in text,
# Celery keeps its own format and its --loglevel (the Procfile's quiet WARNING for `make run`).
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "pilot_admin.request_log.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            # ISO 8601 in UTC with its offset, which log stores parse without being told the zone.
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(username)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request"]},
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
