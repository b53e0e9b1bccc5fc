"""Townhall settings: one module, every value from the environment with a documented default.

See README.md, "Configuration", for the list of variables.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sessions.oidc_settings import origin_of, url_problem
from sessions.ratelimit_settings import DEFAULT_RATE_LIMITS, parse_rate_limits

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-townhall-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DJANGO_DEBUG=0.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    # Kept only so that migration 0005 can empty its table of plain-text tokens.
    "rest_framework.authtoken",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "sessions.apps.TownhallSessionsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this login session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute timeouts of login sessions (sessions/pages/timeouts.py).
    "sessions.pages.timeouts.LoginSessionTimeoutMiddleware",
    # Staff and moderators without their second factor reach only its page (pages/two_factor.py).
    "sessions.pages.two_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    # A database outage in a view: 503 with Retry-After, not a 500 (townhall/outage.py).
    "townhall.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "townhall.urls"
ASGI_APPLICATION = "townhall.asgi.application"

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
                "sessions.pages.context_processors.page_path",
                "sessions.pages.context_processors.sign_in_options",
                "sessions.pages.context_processors.notifications",
            ],
        },
    },
]

# SQLite file by default; DATABASE_URL=postgres://... for production.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # PostgreSQL: Django's pool hands each request a connection (and wants 0 here).
        # SQLite: each thread keeps its own (below).
        conn_max_age=0,
    )
}
# HTTP under Daphne (townhall/http.py; README, "The rush at the start"): Django runs whole in
# one of this many threads per process, and a request that waited longer than MAX_WAIT seconds
# for a thread is answered 503 with Retry-After instead.
# Two: on the 2-core machine the benchmarks ran on, two served the rush's pages as well as four
# and the poll storm's ballots faster (less time lost to threads taking the GIL in turn).
TOWNHALL_HTTP_THREADS = int(os.environ.get("TOWNHALL_HTTP_THREADS", "2"))
TOWNHALL_HTTP_MAX_WAIT_SECONDS = float(os.environ.get("TOWNHALL_HTTP_MAX_WAIT_SECONDS", "10"))
# How long each session's newest seq stays in the cache for the session page (events.py); 0
# turns that off, and every page load reads the session's row.
TOWNHALL_PUBLISHED_SEQ_SECONDS = float(os.environ.get("TOWNHALL_PUBLISHED_SEQ_SECONDS", "2"))

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a cheaper check of pooled connections (townhall/postgresql).
    DATABASES["default"]["ENGINE"] = "townhall.postgresql"
    # A connection for every HTTP thread, and a few for the sockets' reads (database_sync_to_async)
    # and the relay, so no thread waits for another's connection.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": TOWNHALL_HTTP_THREADS + 4,
        # Seconds a request waits for a connection; while PostgreSQL is away, how long it takes
        # to answer 503 (townhall/outage.py).
        "timeout": float(os.environ.get("TOWNHALL_DB_POOL_TIMEOUT") or 10),
    }
else:
    # SQLite: wait for the writer instead of failing at once when two requests write together.
    # Write-ahead logging: readers (pages, sockets) go on while a ballot or a post is written,
    # and a commit appends to the log (one fsync) instead of writing a rollback journal and the
    # database (three); synchronous stays FULL, so a commit survives a power cut too.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL",
        }
    )
    # Each thread keeps its connection. Opening one (Django registers its SQL functions on
    # each) cost a ballot more than its statements: 155 ballots a second embedded, 195 kept.
    # The threads are few and long-lived (townhall/http.py's HTTP threads, asgiref's one for
    # the sockets' reads); the poll results' timer threads close theirs as they end.
    DATABASES["default"]["CONN_MAX_AGE"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Each Daphne process has one channel-layer member, its relay (sessions/live/relay.py), so a channel
# holds at most the events of a burst; room for 1,000 before the layer drops (the relay then
# reads the gap from the log).
CHANNEL_CAPACITY = 1000
REDIS_HOST = {
    "address": REDIS_URL,
    # redis-py 8 reads with a 5 s socket timeout by default, which kills the layer's blocking
    # receive on an idle socket (channels_redis#422).
    "socket_timeout": None,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
}
# The layer's key prefix in Redis (channels_redis's own default, "asgi"): installations or
# benchmarks sharing one Redis keep their groups apart.
CHANNEL_PREFIX = os.environ.get("TOWNHALL_CHANNEL_PREFIX") or "asgi"
# RedisChannelLayer by default; REDIS_CHANNEL_LAYER=pubsub picks RedisPubSubChannelLayer (the
# benchmark compares them: README, "Production").
if REDIS_URL and os.environ.get("REDIS_CHANNEL_LAYER", "core") == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_HOST], "prefix": CHANNEL_PREFIX},
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_HOST],
                "capacity": CHANNEL_CAPACITY,
                "prefix": CHANNEL_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }

# Live sockets (sessions/live/relay.py, sessions/live/presence.py; README, "Live events").
# A client further behind than this many events gets {"type": "resync"} instead of a replay.
TOWNHALL_REPLAY_LIMIT = int(os.environ.get("TOWNHALL_REPLAY_LIMIT", "1000"))
# Bytes a slow socket may have waiting beyond its transport's buffer before a 1013 close.
TOWNHALL_SOCKET_BUFFER_LIMIT = int(os.environ.get("TOWNHALL_SOCKET_BUFFER_LIMIT", str(256 * 1024)))
# A fixed kernel send buffer per socket in bytes (0: Linux autotunes it, up to tcp_wmem's 4 MB).
TOWNHALL_SOCKET_KERNEL_BUFFER = int(os.environ.get("TOWNHALL_SOCKET_KERNEL_BUFFER", "0"))
# vote.changed frames go out at most this often per session (seconds), the last count always.
TOWNHALL_VOTE_INTERVAL = float(os.environ.get("TOWNHALL_VOTE_INTERVAL", "0.25"))
# A poll's results are recorded (an event) at most this often per process while ballots come
# in, and once after the last (services/polls.py, ResultsPublisher); 0: after every ballot.
TOWNHALL_POLL_RESULTS_INTERVAL = float(os.environ.get("TOWNHALL_POLL_RESULTS_INTERVAL", "0.25"))
# A ballot's poll (with its session and municipality) is read at most this often per process
# (seconds; selectors.poll_for_ballot); 0 reads it for every ballot.
TOWNHALL_BALLOT_POLL_SECONDS = float(os.environ.get("TOWNHALL_BALLOT_POLL_SECONDS", "1"))
# Presence: frames at most this often (seconds); with Redis a viewer is renewed every HEARTBEAT
# seconds and forgotten TTL seconds after its last renewal.
TOWNHALL_PRESENCE_INTERVAL = float(os.environ.get("TOWNHALL_PRESENCE_INTERVAL", "2"))
TOWNHALL_PRESENCE_HEARTBEAT = 15
# A relay leaves a session's channel-layer group this many seconds after its last socket left.
TOWNHALL_RELAY_IDLE_SECONDS = float(os.environ.get("TOWNHALL_RELAY_IDLE_SECONDS", "10"))
# Write ready frames straight to each socket's TCP transport when nothing is buffered, instead of
# through ASGI send: 5-9x faster at 1,000-10,000 viewers (README, "Benchmarks"). Only on the
# versions it was written for, Daphne 4.2.3, Twisted 26.10.0, autobahn 26.10.2 (relay.py), and
# never under Daphne's TLS or compression; elsewhere, and with 0 here, the ASGI path.
TOWNHALL_DIRECT_SEND = env_bool("TOWNHALL_DIRECT_SEND", True)
# gc.freeze() after connection ramps of 1,000 viewers (relay.py): off until a measurement shows
# it helps (README, "Benchmarks").
TOWNHALL_GC_FREEZE = env_bool("TOWNHALL_GC_FREEZE", False)
TOWNHALL_PRESENCE_TTL = 45

# Rate-limit counters must hold across several Daphne processes: Redis when REDIS_URL is set,
# memory for the one process of the embedded mode. (Login lockouts are rows in the database.)
# Installations (or test runs) sharing one Redis keep their counts and presence apart.
TOWNHALL_CACHE_PREFIX = os.environ.get("TOWNHALL_CACHE_PREFIX") or "townhall"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "townhall.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": TOWNHALL_CACHE_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username-and-IP before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Danish unless the browser asks for English (Accept-Language) or the switcher chose it
# (remembered in the django_language cookie); a browser asking for neither gets Danish.
LANGUAGE_CODE = "da"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["townhall.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "townhall.staticfiles.ManifestStaticFilesStorage"
        )
    },
}

REST_FRAMEWORK = {
    # Token first, so an anonymous API call gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sessions.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "sessions.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only: form encodings would turn every value into a string and hide wrong types.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "sessions.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# API tokens (django-rest-knox): stored as a SHA-512 digest, sent as "Authorization: Token ...",
# ending TOWNHALL_API_TOKEN_HOURS after they were issued.
TOWNHALL_API_TOKEN_HOURS = float(os.environ.get("TOWNHALL_API_TOKEN_HOURS") or 10)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=TOWNHALL_API_TOKEN_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
}

# OpenAPI 3 at /api/schema/, Swagger UI at /api/docs/ from the sidecar's files (no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "Townhall API",
    "DESCRIPTION": "Live, moderated Q&A sessions between citizens and politicians. See README.md, "
    '"API".',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sessions.api.schema.forbid_unknown_fields",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "sessions.models.Session.Status",
        "PostStatusEnum": "sessions.models.Post.Status",
        # Moderation (api.moderation): "reason" and "action" fields with the same choices share
        # one name; the two kinds of "action" get their own.
        "ModerationReasonEnum": "sessions.models.ModerationReason",
        "PostModerationActionEnum": "sessions.api.moderation.POST_ACTION_CHOICES",
        "KeywordActionEnum": "sessions.models.WatchedKeyword.Action",
    },
}

# Behind a TLS-terminating proxy in production.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS") or 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

# Security headers on every response (Django's defaults, stated so they are not lost).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): no inline script or style anywhere, the pages' own
# ES modules and stylesheet only. Politicians' photos may come from another site (photo_url).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        # 'self' covers the page's own WebSocket (ws: or wss: on the same host).
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Client IPs, for rate limits and login lockouts. Behind a proxy, REMOTE_ADDR is the proxy's:
# name the header it sets (e.g. X-Forwarded-For) only when that proxy is trusted, since a client
# can write the header itself. See sessions/client_ip.py.
TOWNHALL_TRUSTED_PROXY_HEADER = os.environ.get("TOWNHALL_TRUSTED_PROXY_HEADER", "")

# Login brute force (django-axes): locked by username and IP together, so a stranger elsewhere
# cannot lock a citizen out. The lockout lasts AXES_COOLOFF_TIME, then the counter starts again.
AXES_FAILURE_LIMIT = int(os.environ.get("TOWNHALL_LOGIN_FAILURE_LIMIT") or 5)
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("TOWNHALL_LOGIN_COOLOFF_MINUTES") or 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failed attempts are kept only for the cool-off; successful logins are not logged (an IP address
# per login is personal data Townhall has no use for).
AXES_DISABLE_ACCESS_LOG = True
# Quiet: its start-up banner would land in the output of every management command.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "sessions.pages.accounts.locked_out"
AXES_CLIENT_IP_CALLABLE = "sessions.client_ip.client_ip_for_axes"
AXES_COOLOFF_MESSAGE = _("Too many failed logins for this username. Try again later.")
AXES_PERMALOCK_MESSAGE = AXES_COOLOFF_MESSAGE

# Two-factor sign-in (django-otp; README, "Two-factor sign-in"): staff and moderators must use an
# authenticator app or a recovery code after their password. 0 is for a local demo only.
TOWNHALL_REQUIRE_STAFF_2FA = env_bool("TOWNHALL_REQUIRE_STAFF_2FA", True)
# Login sessions end after this long unused (idle) and this long after signing in (absolute):
# staff and moderators, then citizens (sessions/pages/timeouts.py; README, "Session timeouts").
TOWNHALL_SESSION_IDLE_MINUTES = int(os.environ.get("TOWNHALL_SESSION_IDLE_MINUTES") or 30)
TOWNHALL_SESSION_MAX_HOURS = int(os.environ.get("TOWNHALL_SESSION_MAX_HOURS") or 12)
TOWNHALL_CITIZEN_SESSION_IDLE_MINUTES = int(
    os.environ.get("TOWNHALL_CITIZEN_SESSION_IDLE_MINUTES") or 12 * 60
)
TOWNHALL_CITIZEN_SESSION_MAX_HOURS = int(
    os.environ.get("TOWNHALL_CITIZEN_SESSION_MAX_HOURS") or 14 * 24
)
# How often (seconds) each process looks for open sockets whose login may have timed out
# (sessions/live/relay.py; README, "Open sockets end with their login").
TOWNHALL_LOGIN_CHECK_SECONDS = float(os.environ.get("TOWNHALL_LOGIN_CHECK_SECONDS") or 5)
# The session cookie lives as long as the longest login may.
SESSION_COOKIE_AGE = 3600 * max(TOWNHALL_SESSION_MAX_HOURS, TOWNHALL_CITIZEN_SESSION_MAX_HOURS)
# The name authenticator apps show next to the account.
OTP_TOTP_ISSUER = os.environ.get("TOWNHALL_OTP_ISSUER", "Townhall")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# seed_demo makes a staff login with a published password: development mode only. Read once here,
# since the test runner turns DEBUG off for its own reasons.
DEMO_DATA_ALLOWED = DEBUG

# Townhall's own limits.
TOWNHALL_MAX_POST_LENGTH = 2000
# Reports from this many different users hold a post for review (moderation).
TOWNHALL_REPORTS_TO_HOLD = int(os.environ.get("TOWNHALL_REPORTS_TO_HOLD", "3"))

# The accessibility statement (/accessibility/): where citizens report a barrier (an e-mail
# address or a web address), and the file the automated axe check writes its last figures to.
TOWNHALL_ACCESSIBILITY_CONTACT = os.environ.get("TOWNHALL_ACCESSIBILITY_CONTACT", "")
TOWNHALL_ACCESSIBILITY_CHECK_FILE = Path(
    os.environ.get("TOWNHALL_ACCESSIBILITY_CHECK_FILE")
    or BASE_DIR / "accessibility" / "last-check.json"
)

# Rate limits per action, per user and per IP address ("<action>:ip"); see
# sessions/services/ratelimits.py. TOWNHALL_RATE_LIMITS in the environment changes single
# entries ("question=5/m,vote=30/m,vote:ip=300/m", "vote=off") or turns all off ("off").
TOWNHALL_RATE_LIMITS = parse_rate_limits(
    os.environ.get("TOWNHALL_RATE_LIMITS", ""), DEFAULT_RATE_LIMITS
)

# Idempotency-Key (sessions/services/idempotency.py; README, "When things fail"): a write resent
# with the same key within this many hours gets its first answer; older keys are purged.
TOWNHALL_IDEMPOTENCY_HOURS = float(os.environ.get("TOWNHALL_IDEMPOTENCY_HOURS") or 24)
# A request that cannot reach the database gets 503 with this Retry-After, in seconds
# (townhall/outage.py).
TOWNHALL_UNAVAILABLE_RETRY_AFTER = int(os.environ.get("TOWNHALL_UNAVAILABLE_RETRY_AFTER") or 5)
# Each process's relay reads the newest seq of its sessions from the log this often (seconds),
# and after its channel layer fails, and relays what no doorbell announced (an event published
# while Redis was away): sessions/live/relay.py, README "When things fail".
TOWNHALL_RELAY_CATCH_UP_SECONDS = float(os.environ.get("TOWNHALL_RELAY_CATCH_UP_SECONDS") or 2)
# A worker told to stop (SIGTERM, townhall/serve.py; README "Rolling restarts") stops listening,
# serves its open sockets this many seconds more, closes them with 1001, then waits at most
# TOWNHALL_SHUTDOWN_SECONDS for requests in flight and the sockets' close handshakes.
TOWNHALL_DRAIN_SECONDS = float(os.environ.get("TOWNHALL_DRAIN_SECONDS") or 2)
TOWNHALL_SHUTDOWN_SECONDS = float(os.environ.get("TOWNHALL_SHUTDOWN_SECONDS") or 30)
# Verified citizens (README, "Sign in with MitID"): one OpenID Connect provider, e.g. a MitID
# broker. Off while OIDC_ISSUER is empty. The issuer must be https:// except on loopback.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip().rstrip("/")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = os.environ.get("OIDC_SCOPES") or "openid"
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME") or "MitID"
# The lowest assurance level accepted (NSIS: low, substantial, high; a full URI works too).
OIDC_MIN_LOA = os.environ.get("OIDC_MIN_LOA", "")
if OIDC_ISSUER and (_issuer_problem := url_problem(OIDC_ISSUER)):
    raise ImproperlyConfigured(f"OIDC_ISSUER: {_issuer_problem}.")
if OIDC_ISSUER:
    # The sign-in button and the logout form end at the provider (its authorization and
    # end-session endpoints, on the issuer's origin), and CSP's form-action covers redirects.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(origin_of(OIDC_ISSUER))
# The key of the HMAC that stores the provider's `sub`; defaults to SECRET_KEY. Set it apart in
# production: changing it (or SECRET_KEY without it) makes every verified citizen a new person.
TOWNHALL_IDENTITY_HMAC_KEY = os.environ.get("TOWNHALL_IDENTITY_HMAC_KEY") or SECRET_KEY
# 0 turns password sign-up off for citizens (they sign in with OIDC); staff keep password login.
TOWNHALL_PASSWORD_SIGNUP = env_bool("TOWNHALL_PASSWORD_SIGNUP", True)
# E-mail (notifications): EMAIL_URL as dj-email-url reads it (smtp://user:pass@host:587/?tls=True,
# console:, dummy:, ...); the console backend by default, so development prints the e-mails.
_email = dj_email_url.parse(os.environ.get("EMAIL_URL") or "console:")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "Townhall <townhall@localhost>"
# The site's address, for links in e-mails (no request to take it from in a task).
TOWNHALL_SITE_URL = (os.environ.get("TOWNHALL_SITE_URL") or "http://localhost:8000").rstrip("/")

# "Remind me" (issue 15): the e-mail goes this many minutes before a session starts.
TOWNHALL_REMINDER_MINUTES = int(os.environ.get("TOWNHALL_REMINDER_MINUTES") or 30)
if not 0 <= TOWNHALL_REMINDER_MINUTES <= 7 * 24 * 60:
    raise ImproperlyConfigured("TOWNHALL_REMINDER_MINUTES is 0 to 10080 (a week).")

# Tasks (django-tasks): e-mails go out of the request. "database" (django-tasks-db: a row per
# task, run by `manage.py db_worker`) when DATABASE_URL is set, "immediate" (run at once, after
# the commit) in the embedded mode and tests; TOWNHALL_TASK_BACKEND chooses either.
TOWNHALL_TASK_BACKEND = os.environ.get("TOWNHALL_TASK_BACKEND") or (
    "database" if os.environ.get("DATABASE_URL") else "immediate"
)
if TOWNHALL_TASK_BACKEND not in ("database", "immediate"):
    raise ImproperlyConfigured("TOWNHALL_TASK_BACKEND is database or immediate.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TOWNHALL_TASK_BACKEND == "database"
        else "django_tasks.backends.immediate.ImmediateBackend"
    }
}
