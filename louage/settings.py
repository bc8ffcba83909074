"""Louage settings: one file, every value from the environment, safe development defaults.

Production mode (DEBUG off) refuses to start with unsafe values: see `louage.core.checks`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from louage.accounts import social_config as _social
from louage.core import start as _start
from louage.keys import derive_key, installation_secret, is_weak, vapid_key_pair, vapid_public_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LOUAGE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# DEBUG=true (the default) is development: defaults that are safe on one machine (a secret made
# for this installation, loopback hosts, http cookies, the sandbox gateway, demo data).
# DEBUG=false is production, which refuses unsafe values (end of this file).
DEVELOPMENT = env_bool("DEBUG", True)
# Django's debug pages (tracebacks, settings, the URL list) only when asked for in development:
# `make dev` asks; `make run` serves the site's own 404/403/500/503 pages, in the page's language.
DEBUG = DEVELOPMENT and env_bool("DEBUG_PAGES", False)
VAR_DIR.mkdir(parents=True, exist_ok=True)

# No key comes from the repository. In development, a random secret made for this installation
# under VAR_DIR; in production, SECRET_KEY from the environment (checked at the end of this
# file). Each other purpose gets a key of its own derived from it, unless set explicitly.
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (
    installation_secret(VAR_DIR) if DEVELOPMENT else ""
)
# Key rotation: the previous keys, still accepted (sessions, signed links, the keys derived
# below) while SECRET_KEY signs and encrypts everything new. docs/operations.md walks it.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")


def derived_keys(purpose, explicit_name):
    """(key, fallbacks) of one purpose: set apart in the environment, or derived from
    SECRET_KEY, its fallbacks then derived from SECRET_KEY_FALLBACKS."""
    explicit = os.environ.get(explicit_name, "")
    fallbacks = env_list(f"{explicit_name}_FALLBACKS")
    if explicit:
        return explicit, fallbacks
    return derive_key(SECRET_KEY, purpose), fallbacks + [
        derive_key(old, purpose) for old in SECRET_KEY_FALLBACKS
    ]


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEVELOPMENT else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "csp",
    "django_htmx",
    "ninja",
    "ninja_jwt",
    "ninja_jwt.token_blacklist",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "django_tasks",
    "django_tasks_db",
    "louage.core",
    "louage.accounts",
    "louage.stations",
    "louage.trips",
    "louage.booking",
    "louage.payments",
    "louage.tickets",
    "louage.notifications",
    "louage.reporting",
    "louage.queues",
    "louage.webhooks",
    "louage.auditlog",
    "louage.opendata",
    "louage.sms",
]

MIDDLEWARE = [
    "louage.core.observability.RequestObservabilityMiddleware",
    # Health probes and metrics by an instance's own address, whatever ALLOWED_HOSTS says.
    "louage.core.middleware.ProbeMiddleware",
    "louage.core.middleware.RequestSizeLimitMiddleware",
    "louage.core.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "louage.core.middleware.PreferredLanguageMiddleware",
    # Django's messages, the storage made when first used (louage.core.lean_middleware).
    "louage.core.lean_middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp with the header built once (louage.core.lean_middleware).
    "louage.core.lean_middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "louage.core.middleware.OverflowAsBadRequestMiddleware",
    "louage.reporting.middleware.VisitCounterMiddleware",
]

ROOT_URLCONF = "louage.urls"
WSGI_APPLICATION = "louage.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "louage" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "louage.core.context_processors.navigation",
                "louage.notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'louage.sqlite3'}"
# Persistent connections (one per worker thread): opening one costs more than most requests.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so two
    # transactions never deadlock upgrading a read lock; louage.core.sqlite queues writers
    # (the timeout bounds the wait).
    DATABASES["default"]["ENGINE"] = "louage.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    # Connections are checked before each request's first query, so a database that
    # restarted is used again at once. Nothing waits longer than a request may take.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 3),
            "options": f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT_MS', 15000)}",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits are shared across workers through it) --------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Shared by every machine. When Redis is down, reads miss and counters fail open (logged):
    # rate limits and caching degrade, bookings never stop for it.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "louage.cache"
    # Sessions read from Redis and fall back to the database when it is away.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # One machine: a disk cache shared by its processes (SQLite files of its own, atomic
    # counters), so rate limits never write to the application's database.
    CACHES = {
        "default": {
            "BACKEND": "louage.core.diskcache.PersistentDiskCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "SHARDS": 8,
            "DATABASE_TIMEOUT": 0.1,
            "OPTIONS": {"size_limit": 256 * 1024 * 1024},
        }
    }
# Search answers kept this many seconds at most (any change to a departure forgets them; 0: off).
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 10)
RATELIMIT_FAIL_OPEN = True

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "louage.accounts.backends.LoginEmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
# A short sign-up: the password is typed once (it can be reset by email).
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_SIGNUP_FORM_CLASS = "louage.accounts.forms.SignupExtraForm"
ACCOUNT_FORMS = {"signup": "louage.accounts.signup_forms.SignupForm"}
# Mandatory: an account logs in once its address is confirmed. It is also what lets sign-up
# answer the same for a taken address (allauth's enumeration prevention needs it).
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
# A new login email waits beside the old one until its link is opened, then replaces it;
# the old address is told (ACCOUNT_EMAIL_NOTIFICATIONS), with a link to undo.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "louage.accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Louage] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEVELOPMENT else "https"
# Failures per account (key) and per address, with a higher ceiling per address: hundreds of
# people share one address behind a carrier's NAT. `POST /api/v1/auth/token` counts in the same
# `login_failed` budget as the web form.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("RATE_LOGIN_FAILED", "30/m/ip,5/5m/key"),
    # Every web login attempt, successful or not: a flood ceiling only (allauth's 30/m/ip
    # would turn away a busy station desk).
    "login": os.environ.get("RATE_LOGIN", "600/m/ip"),
    "signup": os.environ.get("RATE_SIGNUP", "60/h/ip"),
    "reset_password": os.environ.get("RATE_RESET_PASSWORD", "20/m/ip,5/m/key"),
    "reset_password_email": "5/m/ip,5/h/key",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
SOCIALACCOUNT_PROVIDERS = {}

# --- JWT (API) ------------------------------------------------------------------------------
NINJA_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Production requires its own JWT_SIGNING_KEY (checked below); development derives one.
    "SIGNING_KEY": derived_keys("jwt", "JWT_SIGNING_KEY")[0],
    "ALGORITHM": "HS256",
}
# Tokens signed with these still verify (key rotation); new ones are signed with SIGNING_KEY
# (louage.accounts.jwt_keys).
JWT_SIGNING_KEY_FALLBACKS = derived_keys("jwt", "JWT_SIGNING_KEY")[1]
# Reverse proxies (nginx, load balancer) in front of the web server: rate limits then key on the
# client address they report in X-Forwarded-For instead of the proxy's own.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
RATELIMIT_IP_META_KEY = "louage.core.net.client_ip"
# API rate limits (louage.core.throttles): failures, accounts, and only anonymous traffic per
# address. Each refusal is a 429 with Retry-After.
API_RATE_TOKEN = os.environ.get(
    "RATE_API_TOKEN", "30/m"
)  # failed refresh/social tokens, per address
API_RATE_REGISTER = os.environ.get(
    "RATE_API_REGISTER", "60/h/ip,5/h/key"
)  # sign-ups: address, email
API_RATE_BOOKING = os.environ.get("RATE_API_BOOKING", "30/m")  # seat holds, per account
API_RATE_PAYMENT = os.environ.get("RATE_API_PAYMENT", "20/m")  # payments and refunds, per account
API_RATE_ANONYMOUS = os.environ.get(
    "RATE_API_ANONYMOUS", "600/m"
)  # any call: per address / account

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
# Each language in its own name, whatever the page's language: a reader looks for theirs.
LANGUAGES = [("fr", "Français"), ("ar", "العربية"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "louage" / "locale"]
TIME_ZONE = "Africa/Tunis"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATIC_ROOT.mkdir(
    parents=True, exist_ok=True
)  # whitenoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "louage" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEVELOPMENT
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # The GTFS feed the task worker builds (and the web processes serve): with several app
    # machines, point OPENDATA_ROOT at storage they share.
    "opendata": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("OPENDATA_ROOT") or str(VAR_DIR / "opendata")},
    },
}
WHITENOISE_USE_FINDERS = DEVELOPMENT
AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_SIZE = 256

# Request bodies larger than this are refused with 413 before Django reads them.
REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 8 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# --- Email ----------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Printed on the console: text parts in full, attachments (PDF tickets) as one line.
    EMAIL_BACKEND = "louage.core.mail.ConsoleBackend"
# Absolute address of the site, for links in emails, payment callbacks and the GTFS feed.
# Defaults to the address the web process serves (HOST/PORT). Under `make run` every role gets
# the web's, set once before honcho gives each role a PORT of its own (louage.core.start).
SITE_URL = _start.site_url(os.environ)
if not os.environ.get("SITE_URL") and not os.environ.get("HONCHO_PROCESS_NAME", "web.").startswith(
    "web."
):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SITE_URL is unset in a Procfile role other than the web: its PORT is not the site's. "
        "Start the roles with `make run` (python -m louage.core.start), or set SITE_URL."
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Louage <no-reply@louage.tn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- SMS through Kannel (louage.sms) ---------------------------------------------------------
# "kannel": smsbox's HTTP interface; "console": printed by the task worker (development);
# empty or "off": no SMS. Delivery reports come back to SITE_URL.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console" if DEVELOPMENT else "").strip().lower()
if SMS_BACKEND == "off":
    SMS_BACKEND = ""
KANNEL_SENDSMS_URL = os.environ.get("KANNEL_SENDSMS_URL", "")
KANNEL_USERNAME = os.environ.get("KANNEL_USERNAME", "")
KANNEL_PASSWORD = os.environ.get("KANNEL_PASSWORD", "")
KANNEL_FROM = os.environ.get("KANNEL_FROM", "")
# The secret Kannel's sms-service puts in its get-url (`&token=`); inbound SMS are refused
# without it.
KANNEL_INBOUND_TOKEN = os.environ.get("KANNEL_INBOUND_TOKEN", "")
KANNEL_TIMEOUT = env_int("KANNEL_TIMEOUT", 10)
# A message never takes more than this many SMS (segments): longer texts are cut.
SMS_MAX_SEGMENTS = env_int("SMS_MAX_SEGMENTS", 3)
# What one segment costs, for the admins' daily estimate.
SMS_COST_MILLIMES = env_int("SMS_COST_MILLIMES", 40)

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Domain events (louage.core.events) are relayed by `manage.py relay_events` (a make run
# process); inline, each commit relays its events in the same process (tests, tools).
EVENTS_RELAY_INLINE = env_bool("EVENTS_RELAY_INLINE", False)
EVENTS_KEEP_DAYS = env_int("EVENTS_KEEP_DAYS", 30)

# Partner webhooks never go to private, loopback or link-local addresses unless allowed (tests,
# on-premise partners); an endpoint failing this many days in a row is switched off.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_DISABLE_AFTER_DAYS = env_int("WEBHOOKS_DISABLE_AFTER_DAYS", 3)

# A task still RUNNING after this long was left by a worker that died: it runs again.
TASK_STALLED_SECONDS = env_int("TASK_STALLED_SECONDS", 300)

# --- Payments -------------------------------------------------------------------------------
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "sandbox")
# The in-app sandbox card gateway: on in development, off in production unless asked for.
PAYMENTS_SANDBOX_ENABLED = env_bool("PAYMENTS_SANDBOX_ENABLED", DEVELOPMENT)
# Test cards confirm real reservations: production runs the sandbox only when told twice.
PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION = env_bool("PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION", False)
PAYMENTS_WEBHOOK_SECRET, PAYMENTS_WEBHOOK_SECRET_FALLBACKS = derived_keys(
    "payments.sandbox-webhook", "PAYMENTS_WEBHOOK_SECRET"
)
KONNECT_API_KEY = os.environ.get("KONNECT_API_KEY", "")
KONNECT_WALLET_ID = os.environ.get("KONNECT_WALLET_ID", "")
KONNECT_BASE_URL = os.environ.get("KONNECT_BASE_URL", "https://api.sandbox.konnect.network/api/v2")

# --- Tickets --------------------------------------------------------------------------------
# The Ed25519 keys that sign the token in each ticket's QR code, each derived from a secret.
# TICKET_SIGNING_KEYS lists the secrets, newest first: the first signs, all verify, so the
# tickets signed before a rotation stay valid until they expire. Default: one key, from
# TICKET_SIGNING_KEY (itself derived from SECRET_KEY unless set).
# Derived from SECRET_KEY, the keys derived from SECRET_KEY_FALLBACKS verify too.
TICKET_SIGNING_KEY, TICKET_SIGNING_KEY_FALLBACKS = derived_keys("tickets", "TICKET_SIGNING_KEY")
TICKET_SIGNING_KEYS = env_list("TICKET_SIGNING_KEYS") or [
    TICKET_SIGNING_KEY,
    *TICKET_SIGNING_KEY_FALLBACKS,
]

# --- Web Push -------------------------------------------------------------------------------
# The VAPID key pair that signs pushes (base64url: the private P-256 scalar and the public
# point, as `vapid --gen`/web-push tools print them); default: derived from SECRET_KEY.
# Subscriptions are bound to the public key: changing it silences the phones until they
# subscribe again. WEBPUSH_CONTACT (mailto: or https:) is what push services write to.
WEBPUSH_ENABLED = env_bool("WEBPUSH_ENABLED", True)
_vapid_default = vapid_key_pair(derive_key(SECRET_KEY, "webpush-vapid"))
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "") or _vapid_default[0]
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "")
if not WEBPUSH_VAPID_PUBLIC_KEY:
    try:
        WEBPUSH_VAPID_PUBLIC_KEY = vapid_public_key(WEBPUSH_VAPID_PRIVATE_KEY)
    except ValueError:
        pass  # refused at start-up with DEBUG off (below); pushes fail and are logged otherwise
WEBPUSH_CONTACT = os.environ.get("WEBPUSH_CONTACT", "") or "mailto:contact@louage.tn"
WEBPUSH_TTL_SECONDS = env_int("WEBPUSH_TTL_SECONDS", 24 * 3600)

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
SESSION_COOKIE_SAMESITE = "Lax"
# A refused form says why, in the page's language (Django's own page is English).
CSRF_FAILURE_VIEW = "louage.core.views.csrf_failure"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEVELOPMENT)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = not DEVELOPMENT
CSRF_COOKIE_SECURE = not DEVELOPMENT
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEVELOPMENT else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEVELOPMENT
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEVELOPMENT)
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Maps (stations pages) -------------------------------------------------------------------
# Leaflet is served by the app; the tiles come from this server ({s}, {z}, {x}, {y} as Leaflet
# reads them). Empty: no tiles, the stations' markers alone.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)


def _tile_origin(url):
    """The CSP source that lets the browser load the tiles: scheme and host, `{s}` → `*`."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "tiles-subdomain"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.replace('tiles-subdomain', '*')}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *filter(None, [_tile_origin(MAP_TILE_URL)])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False

# --- Social login: Google, Facebook and one OpenID Connect provider, each only when configured --
INSTALLED_APPS += [
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.openid_connect",
]
MIDDLEWARE += ["louage.accounts.middleware.ProviderOutageMiddleware"]
SOCIALACCOUNT_PROVIDERS.update(_social.providers_from_env(os.environ))
SOCIALACCOUNT_ADAPTER = "louage.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "louage.accounts.social_forms.SocialSignupForm"}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_QUERY_EMAIL = True
# An existing account is reached through a provider only when the provider says that the email
# is verified; the social account is then connected to it for the next time.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("SOCIALACCOUNT_REQUESTS_TIMEOUT", 5)
# The sign-in buttons post to us and we redirect to the provider: CSP must allow that target.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += _social.sign_in_origins(
    SOCIALACCOUNT_PROVIDERS
)

# --- Business settings ----------------------------------------------------------------------
HOLD_MINUTES = env_int("HOLD_MINUTES", 10)
# A hosted payment page's link (the sandbox gateway's) works this long after the payment started.
PAYMENT_LINK_MINUTES = env_int("PAYMENT_LINK_MINUTES", 30)
# A client may cancel (and be refunded) a paid reservation until this long before departure.
REFUND_CUTOFF_MINUTES = env_int("REFUND_CUTOFF_MINUTES", 60)
# Online booking closes this long before departure; the desk keeps selling until departure.
BOOKING_CLOSES_MINUTES = env_int("BOOKING_CLOSES_MINUTES", 5)
MAX_PENDING_HOLDS = env_int("MAX_PENDING_HOLDS", 3)
# Seats one account may hold unpaid at once, across every departure.
MAX_HELD_SEATS = env_int("MAX_HELD_SEATS", 8)
# Holding seats needs a confirmed email address (always the case with mandatory verification).
BOOKING_REQUIRES_VERIFIED = env_bool("BOOKING_REQUIRES_VERIFIED", not DEVELOPMENT)
# An account whose holds expired unpaid this many times within a day waits before holding again.
HOLD_COOLDOWN_AFTER_EXPIRED = env_int("HOLD_COOLDOWN_AFTER_EXPIRED", 3)
HOLD_COOLDOWN_MINUTES = env_int("HOLD_COOLDOWN_MINUTES", 30)
# Depart-when-full queues: a no-show's seat is released this long after the vehicle is full;
# the estimated departure comes from the fill rate over this many past hours.
QUEUE_NO_SHOW_MINUTES = env_int("QUEUE_NO_SHOW_MINUTES", 10)
QUEUE_ESTIMATE_HOURS = env_int("QUEUE_ESTIMATE_HOURS", 3)

# --- Open data: the GTFS feed at /gtfs.zip ---------------------------------------------------
# route_type 1501 is "communal taxi" in GTFS's extended route types; 700 ("bus service") is the
# fallback for consumers that know only the basic and European types.
GTFS_ROUTE_TYPE = env_int("GTFS_ROUTE_TYPE", 1501)
# The feed carries today's departures and those of the next GTFS_DAYS days.
GTFS_DAYS = env_int("GTFS_DAYS", 30)
GTFS_AGENCY_NAME = os.environ.get("GTFS_AGENCY_NAME", "Louage")
GTFS_AGENCY_URL = os.environ.get("GTFS_AGENCY_URL", "")  # default: SITE_URL
GTFS_CONTACT_EMAIL = os.environ.get("GTFS_CONTACT_EMAIL", "")
# A change of departures rebuilds the feed this long after (the changes meanwhile join it);
# the scheduler rebuilds a feed older than GTFS_MAX_AGE_MINUTES (stations, fares, queues).
GTFS_REBUILD_DELAY_SECONDS = env_int("GTFS_REBUILD_DELAY_SECONDS", 30)
GTFS_MAX_AGE_MINUTES = env_int("GTFS_MAX_AGE_MINUTES", 15)
# Depart-when-full queues: their service hours, and their interval without a history.
GTFS_QUEUE_HOURS = os.environ.get("GTFS_QUEUE_HOURS", "06:00-20:00")
GTFS_QUEUE_HEADWAY_MINUTES = env_int("GTFS_QUEUE_HEADWAY_MINUTES", 30)

# --- Visitor reports ------------------------------------------------------------------------
# Page views are counted in each process's memory and written every VISITS_FLUSH_SECONDS
# (and at exit): a process killed outright loses at most that much.
VISITS_TRACKING = env_bool("VISITS_TRACKING", True)
VISITS_FLUSH_SECONDS = env_int("VISITS_FLUSH_SECONDS", 5)

# --- Logging, metrics, error reports -------------------------------------------------------
# JSON lines (one per request from louage.core.observability, tracebacks inside the line) in
# production; readable text in development unless LOG_FORMAT=json.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEVELOPMENT else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # Times in UTC, ISO 8601 with the offset (louage.core.logs).
        "json": {"()": "louage.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The request line is ours (with its id and duration); Django's would repeat it.
        "django.request": {"level": "ERROR"},
        "louage.request": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
    },
}
# GET /metrics (Prometheus) answers only with `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get(
            "SENTRY_ENVIRONMENT", "development" if DEVELOPMENT else "production"
        ),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )

# --- Production refuses unsafe settings -----------------------------------------------------
if not DEVELOPMENT:
    from django.core.exceptions import ImproperlyConfigured

    _problems = []
    if is_weak(SECRET_KEY):
        _problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if any(is_weak(old) for old in SECRET_KEY_FALLBACKS):
        _problems.append("each SECRET_KEY_FALLBACKS key must be at least 50 random characters")
    _jwt_key = os.environ.get("JWT_SIGNING_KEY", "")
    if is_weak(_jwt_key) or _jwt_key == SECRET_KEY:
        _problems.append(
            "JWT_SIGNING_KEY must be set to a random value of at least 50 characters, "
            "different from SECRET_KEY"
        )
    if any(is_weak(secret) for secret in TICKET_SIGNING_KEYS):
        _problems.append("each TICKET_SIGNING_KEYS secret must be at least 50 random characters")
    if PAYMENTS_SANDBOX_ENABLED and not PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION:
        _problems.append(
            "the sandbox payment gateway confirms reservations with test cards: turn it off "
            "(PAYMENTS_SANDBOX_ENABLED=false) or set PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION=true"
        )
    if WEBPUSH_ENABLED:
        try:
            _vapid_ok = vapid_public_key(WEBPUSH_VAPID_PRIVATE_KEY) == WEBPUSH_VAPID_PUBLIC_KEY
        except ValueError:
            _vapid_ok = False
        if not _vapid_ok:
            _problems.append(
                "WEBPUSH_VAPID_PRIVATE_KEY must be a base64url P-256 key and "
                "WEBPUSH_VAPID_PUBLIC_KEY its public half"
            )
        if not WEBPUSH_CONTACT.startswith(("mailto:", "https://")):
            _problems.append("WEBPUSH_CONTACT must be a mailto: or https:// address")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        _problems.append("ALLOWED_HOSTS must list the site's host names")
    if SMS_BACKEND not in ("", "kannel", "console"):
        _problems.append("SMS_BACKEND must be kannel, console or off")
    if SMS_BACKEND == "console":
        _problems.append(
            "SMS_BACKEND=console prints travellers' messages and phone numbers in the logs: "
            "use kannel, or off"
        )
    if SMS_BACKEND == "kannel":
        if not KANNEL_SENDSMS_URL.startswith(("http://", "https://")):
            _problems.append("KANNEL_SENDSMS_URL must be smsbox's http(s)://…/cgi-bin/sendsms")
        if not KANNEL_USERNAME or not KANNEL_PASSWORD:
            _problems.append("KANNEL_USERNAME and KANNEL_PASSWORD must be set (sendsms-user)")
        if len(KANNEL_INBOUND_TOKEN) < 32 or len(set(KANNEL_INBOUND_TOKEN)) < 5:
            _problems.append("KANNEL_INBOUND_TOKEN must be at least 32 random characters")
    if _problems:
        raise ImproperlyConfigured("Refusing to start with DEBUG off: " + "; ".join(_problems))
