"""Settings for the studio, read from the environment.

Every variable is listed, with its default, in `.env.example`. The
defaults run the studio embedded, with nothing to install: a SQLite file,
a Celery broker on the file system and e-mails written to files, all
under `var/`. Production sets DATABASE_URL, CELERY_BROKER_URL, REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
import django_stubs_ext
import phonenumbers
from django.core.exceptions import ImproperlyConfigured

from studio.env import env_bool, env_int, env_list, env_str

# Lets the code write `admin.ModelAdmin[Offering]` and the like for mypy.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("STUDIO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: put a long random string in SECRET_KEY "
            "or in a file named by SECRET_KEY_FILE."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105 - dev only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set when DEBUG is off, e.g. ALLOWED_HOSTS=booking.example.com"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin, as django-modeltranslation asks: it patches the
    # admin's forms of the catalog's translated fields.
    "modeltranslation",
    # Django's admin under the studio's name (studio/admin_site.py).
    "studio.apps.StudioAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "studio",
    "catalog",
    "booking",
    "payments",
    "notifications",
    "staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise serves the collected static files in production; with
    # DEBUG on, runserver and the test server serve them from the apps.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language from its URL (/en/, /ru/), else the browser's
    # Accept-Language; an address without one is redirected to it.
    "django.middleware.locale.LocaleMiddleware",
    # The API's `?lang=`, which wins over Accept-Language there.
    "studio.language.api_language",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # PostgreSQL refuses NUL in text: a query or header holding one is a 400.
    "studio.api.refuse_null_characters",
    # An admin list's actions with forged ids or index is a 400, not a 500.
    "studio.admin_guard.RefuseForgedAdminActions",
    # Last, as django-axes asks: it turns a locked-out log-in into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studio.context_processors.studio",
                "staff.context_processors.staff",
            ],
        },
    },
]

# Database ---------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    # The embedded default: a SQLite file in var/, made on first use.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'studio.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Every transaction takes SQLite's write lock when it begins, so a
        # booking's availability check and its insert cannot interleave
        # with another writer's (DESIGN.md, invariant 1 on SQLite).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A persistent SQLite connection gains nothing and keeps files open.
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, so throttling and idempotency keys
# are shared by every web process; otherwise in this process's memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "studio"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Internationalisation and the studio's clock ------------------------------

LANGUAGE_CODE = "en"
# The languages clients and staff read; Russian words live in
# locale/ru/LC_MESSAGES/django.po, compiled by `dev.py` at install.
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The catalog's content (catalog/translation.py) has a column per
# language: `name_en`, `name_ru`; `name` reads the active language's and
# falls back to English where a Russian text is missing.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# Slugs are made from the English name, so URLs stay the same in both.
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "en"
STUDIO_TIME_ZONE = env_str("STUDIO_TIME_ZONE", "Europe/Berlin")
try:
    ZoneInfo(STUDIO_TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"STUDIO_TIME_ZONE: {STUDIO_TIME_ZONE!r} is not an IANA time zone such as Europe/Berlin"
    ) from None
# Pages and e-mails show the studio's local time; storage stays in UTC.
TIME_ZONE = STUDIO_TIME_ZONE
USE_I18N = True
# One way to write a date, a time and a moment per language, in the admin
# and the staff pages alike (studio/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["studio.formats"]
USE_TZ = True

STUDIO_NAME = env_str("STUDIO_NAME", "Studio")
STUDIO_ADDRESS = env_str("STUDIO_ADDRESS", "")
STUDIO_PHONE = env_str("STUDIO_PHONE", "")
STUDIO_EMAIL = env_str("STUDIO_EMAIL", "")
STUDIO_MAP_URL = env_str("STUDIO_MAP_URL", "")
# The studio's identity in Russian (studio/identity.py); empty, the
# English one is shown. The hours note is a line such as "Mon-Sat 9-19".
STUDIO_NAME_RU = env_str("STUDIO_NAME_RU", "")
STUDIO_ADDRESS_RU = env_str("STUDIO_ADDRESS_RU", "")
STUDIO_HOURS_NOTE = env_str("STUDIO_HOURS_NOTE", "")
STUDIO_HOURS_NOTE_RU = env_str("STUDIO_HOURS_NOTE_RU", "")
# Where a phone number typed without +country code is dialled from: an
# ISO 3166 region such as DE. Numbers are stored in E.164 (+493012345678).
STUDIO_PHONE_REGION = env_str("STUDIO_PHONE_REGION", "DE").upper()
if STUDIO_PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"STUDIO_PHONE_REGION: expected a region such as DE or AT, got {STUDIO_PHONE_REGION!r}"
    )
# The public holidays the studio closes on (`manage.py close_public_holidays`):
# a country, or a country and its subdivision, as ISO 3166 codes: DE, DE-BE.
# Empty: none.
STUDIO_HOLIDAYS = env_str("STUDIO_HOLIDAYS", "").upper()
if STUDIO_HOLIDAYS:
    # Only then: the package takes a twentieth of a second to import.
    import holidays

    _country, _, _subdivision = STUDIO_HOLIDAYS.partition("-")
    _subdivisions = holidays.list_supported_countries().get(_country)
    if _subdivisions is None or _subdivision not in ["", *_subdivisions]:
        raise ImproperlyConfigured(
            "STUDIO_HOLIDAYS: expected a country or a country and its subdivision "
            f"as the `holidays` package knows them, such as DE or DE-BE, got {STUDIO_HOLIDAYS!r}"
        )
# Where the studio's website is reached, for links in e-mails and calendars.
STUDIO_BASE_URL = env_str("STUDIO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
STUDIO_CURRENCY = env_str("STUDIO_CURRENCY", "EUR").upper()
if len(STUDIO_CURRENCY) != 3 or not STUDIO_CURRENCY.isalpha():
    raise ImproperlyConfigured(
        f"STUDIO_CURRENCY: expected an ISO 4217 code such as EUR, got {STUDIO_CURRENCY!r}"
    )

# Booking rules, the same for the website, the API and the admin.
STUDIO_MIN_NOTICE_MINUTES = env_int("STUDIO_MIN_NOTICE_MINUTES", default=120, minimum=0)
# Far enough for a course of ten weekly sessions, booked in one go: its
# last session is 63 days after the first.
STUDIO_HORIZON_DAYS = env_int("STUDIO_HORIZON_DAYS", default=90, minimum=1)
STUDIO_SLOT_STEP_MINUTES = env_int("STUDIO_SLOT_STEP_MINUTES", default=15, minimum=5)
if 60 % STUDIO_SLOT_STEP_MINUTES:
    # The grid must survive a clock change: offsets move by whole hours,
    # so a step that divides the hour stays on the local grid.
    raise ImproperlyConfigured(
        "STUDIO_SLOT_STEP_MINUTES must divide an hour (5, 10, 12, 15, 20, 30 or 60), "
        f"got {STUDIO_SLOT_STEP_MINUTES}"
    )
STUDIO_GUEST_CANCEL_HOURS = env_int("STUDIO_GUEST_CANCEL_HOURS", default=24, minimum=0)
# The longest range one availability request may ask for.
STUDIO_AVAILABILITY_MAX_DAYS = env_int("STUDIO_AVAILABILITY_MAX_DAYS", default=31, minimum=1)

# Limits on what one source books and changes online (booking/services/
# limits.py); 0 turns one off. Staff and integrations are not limited.
STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP = env_int(
    "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_IP", default=10, minimum=0
)
STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL = env_int(
    "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_EMAIL", default=5, minimum=0
)
STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_PHONE = env_int(
    "STUDIO_LIMIT_BOOKINGS_PER_HOUR_PER_PHONE", default=5, minimum=0
)
# Future bookings one e-mail, and one phone, may hold at once.
STUDIO_LIMIT_ACTIVE_BOOKINGS = env_int("STUDIO_LIMIT_ACTIVE_BOOKINGS", default=4, minimum=0)
# Future bookings made without login from one address (IPv6: one /64)
# at once; higher than per e-mail, as an office or hotel shares one.
STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP = env_int(
    "STUDIO_LIMIT_ACTIVE_BOOKINGS_PER_IP", default=8, minimum=0
)
# How often a guest may move one booking.
STUDIO_LIMIT_CHANGES_PER_BOOKING = env_int("STUDIO_LIMIT_CHANGES_PER_BOOKING", default=3, minimum=0)
# How many reverse proxies stand in front of gunicorn, each appending to
# X-Forwarded-For: the client's address is that many entries from the
# right. With 0 the header is ignored, since anyone can send it.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", default=0, minimum=0)
# A booking made without a login (the website, the API without a token)
# is only held this many minutes until the client opens the link in the
# confirmation e-mail, and released if they don't; 0 books at once.
STUDIO_WEB_BOOKING_HOLD_MINUTES = env_int("STUDIO_WEB_BOOKING_HOLD_MINUTES", default=0, minimum=0)
# The waitlist: how long a freed time offered to the first in line is
# held for them before it passes to the next (notifications.waitlist).
STUDIO_WAITLIST_OFFER_MINUTES = env_int("STUDIO_WAITLIST_OFFER_MINUTES", default=30, minimum=1)
# Entries that ended (expired, withdrawn, booked) are deleted, with their
# offers, once their last day is this many days past.
STUDIO_WAITLIST_KEEP_DAYS = env_int("STUDIO_WAITLIST_KEEP_DAYS", default=30, minimum=0)

# Reminders: the day-before one goes out at this local time the day
# before; the hours-before one this many hours ahead. A reminder that
# would go out sooner than STUDIO_REMINDER_MIN_GAP_HOURS after the
# booking is not sent: the confirmation has only just arrived.
STUDIO_REMINDER_DAY_BEFORE_TIME = env_str("STUDIO_REMINDER_DAY_BEFORE_TIME", "18:00")
try:
    _hour, _minute = (int(part) for part in STUDIO_REMINDER_DAY_BEFORE_TIME.split(":"))
    if not (0 <= _hour < 24 and 0 <= _minute < 60):
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(
        f"STUDIO_REMINDER_DAY_BEFORE_TIME: expected HH:MM, got {STUDIO_REMINDER_DAY_BEFORE_TIME!r}"
    ) from None
STUDIO_REMINDER_HOURS_BEFORE = env_int("STUDIO_REMINDER_HOURS_BEFORE", default=2, minimum=1)
STUDIO_REMINDER_MIN_GAP_HOURS = env_int("STUDIO_REMINDER_MIN_GAP_HOURS", default=3, minimum=0)
# Sending: how often a failing message is tried, and how long a worker
# may hold one before another takes it over.
STUDIO_REMINDER_MAX_ATTEMPTS = env_int("STUDIO_REMINDER_MAX_ATTEMPTS", default=6, minimum=1)
STUDIO_REMINDER_LEASE_SECONDS = env_int("STUDIO_REMINDER_LEASE_SECONDS", default=300, minimum=30)
# The health check calls the outbox stuck when a due reminder waits longer.
STUDIO_REMINDER_STALE_SECONDS = env_int("STUDIO_REMINDER_STALE_SECONDS", default=300, minimum=60)
# A monitor sending `Authorization: Bearer <this>` sees the health check's
# figures; empty, only logged-in staff see them (anyone sees ok or stuck).
STUDIO_MONITORING_TOKEN = env_str("STUDIO_MONITORING_TOKEN")
if STUDIO_MONITORING_TOKEN and len(STUDIO_MONITORING_TOKEN) < 32:
    raise ImproperlyConfigured(
        "STUDIO_MONITORING_TOKEN: use at least 32 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )

# Privacy: health answers and notes of a visit that ended longer ago than
# this are dropped by a daily beat task; the visit's facts stay.
STUDIO_HEALTH_RETENTION_DAYS = env_int("STUDIO_HEALTH_RETENTION_DAYS", default=365, minimum=1)

# SMS, pluggable like Django's e-mail backends.
SMS_BACKEND = env_str("SMS_BACKEND", "booking.sms.FileBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(VAR_DIR / "sms"))
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", default=10, minimum=1)
SMS_SENDER = env_str("SMS_SENDER", "Studio")

# Payments, pluggable like SMS (payments/backends/). The embedded default
# takes nothing online: what a payment policy asks for is paid at the
# studio. "payments.backends.stripe.StripeBackend" takes cards through
# Stripe, at STRIPE_API_BASE (Stripe's own, or localstripe in the tests).
PAYMENT_BACKEND = env_str("PAYMENT_BACKEND", "payments.backends.studio.PayAtStudioBackend")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
# Stripe.js must come from the gateway itself (it is how card numbers
# stay off the studio's pages); localstripe serves a test version.
STRIPE_JS_URL = env_str("STRIPE_JS_URL", "https://js.stripe.com/v3/")
# localstripe knows no `setup_future_usage`: with this on, a card is
# saved by attaching it to the customer after the payment (tests only).
STRIPE_SAVE_CARD_BY_ATTACHING = env_bool("STRIPE_SAVE_CARD_BY_ATTACHING", default=False)
# How long a visit waiting for its online payment holds its time before
# it frees itself and the time is offered again.
PAYMENT_HOLD_MINUTES = env_int("PAYMENT_HOLD_MINUTES", default=15, minimum=1)
# Gift cards: valid three years by default, German law's usual limitation
# period for such claims (BGB 195); a shorter term is hard to defend.
GIFT_CARD_VALID_DAYS = env_int("GIFT_CARD_VALID_DAYS", default=3 * 365, minimum=1)
# Tries of gift card codes per hour (a wrong code counts), per address and
# per browser session, so that codes cannot be guessed; 0 turns one off.
GIFT_CARD_TRIES_PER_HOUR_PER_IP = env_int("GIFT_CARD_TRIES_PER_HOUR_PER_IP", default=20, minimum=0)
GIFT_CARD_TRIES_PER_HOUR_PER_SESSION = env_int(
    "GIFT_CARD_TRIES_PER_HOUR_PER_SESSION", default=10, minimum=0
)

# Static files -------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# E-mail -------------------------------------------------------------------

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "studio@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Webhooks (notifications/webhooks.py): how long a receiver may take to
# answer; how many failed deliveries in a row pause a subscription; and
# which receivers may be called besides public https hosts.
STUDIO_WEBHOOK_TIMEOUT = env_int("STUDIO_WEBHOOK_TIMEOUT", default=10, minimum=1)
STUDIO_WEBHOOK_PAUSE_AFTER_FAILURES = env_int(
    "STUDIO_WEBHOOK_PAUSE_AFTER_FAILURES", default=10, minimum=1
)
STUDIO_WEBHOOKS_ALLOW_PRIVATE = env_bool("STUDIO_WEBHOOKS_ALLOW_PRIVATE", default=False)
STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK = env_bool("STUDIO_WEBHOOKS_ALLOW_HTTP_LOOPBACK", default=False)
# Webhook events, and the deliveries done with them, are deleted this
# many days after the event by a daily beat task; those still to send stay.
STUDIO_WEBHOOK_EVENT_RETENTION_DAYS = env_int(
    "STUDIO_WEBHOOK_EVENT_RETENTION_DAYS", default=30, minimum=1
)
# A worker renews a reminder's lease right before each send; a send that
# outlasts the lease can be claimed and sent by a second worker.
_longest_send_seconds = max(EMAIL_TIMEOUT, SMS_GATEWAY_TIMEOUT, STUDIO_WEBHOOK_TIMEOUT)
if _longest_send_seconds >= STUDIO_REMINDER_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "STUDIO_REMINDER_LEASE_SECONDS must be longer than EMAIL_TIMEOUT, "
        f"SMS_GATEWAY_TIMEOUT and STUDIO_WEBHOOK_TIMEOUT, got {STUDIO_REMINDER_LEASE_SECONDS}"
    )

# Security -----------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Secure by default in production; each can be relaxed explicitly, for
# instance SECURE_SSL_REDIRECT=0 behind a proxy that already redirects.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", default=False):
    # Only trust this header when a proxy in front of gunicorn sets it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGIN_URL = "admin:login"

# Admin log-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong
# passwords for one username from one address, that pair is refused,
# the right password included, for AXES_COOLOFF_MINUTES. The owner lifts
# it sooner with `manage.py axes_reset_username <name>` (or axes_reset).
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out log-in never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", default=15, minimum=1))
# Username and address together: a stranger guessing at a username
# cannot lock its owner out from the studio's own address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries made while locked out do not restart the wait the page promises.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client's address as the rate limits see it: the socket's, or
# through TRUSTED_PROXIES; a forged X-Forwarded-For never dodges it.
AXES_CLIENT_IP_CALLABLE = "studio.clientip.client_ip"
# Successful log-ins would pile up addresses and browsers forever; only
# the failures that count towards a lockout are kept, until it expires.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "studio.lockout.locked_out"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No log line shows a guest's manage token (see studio.log_redaction).
    "filters": {"redact_tokens": {"()": "studio.log_redaction.RedactTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own handlers for these (request lines, "Not Found: <path>")
    # would write past the filter: their records go to the console above.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
    },
}

# REST API -----------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Closed unless a view opens itself; the public catalog does so.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the bodies nest objects, which forms cannot carry, and the
    # schema then advertises exactly what the API takes (a form is a 415).
    "DEFAULT_PARSER_CLASSES": ["studio.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "studio.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's own, counted atomically and by the client IP of TRUSTED_PROXIES.
        "studio.throttling.AnonRateThrottle",
        "studio.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/minute"),
        "user": env_str("API_THROTTLE_USER", "1200/minute"),
    },
    "EXCEPTION_HANDLER": "studio.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "studio.schema.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Studio booking API",
    "DESCRIPTION": (
        "Catalog, availability, appointments, visits (several massages booked as one) and "
        "courses of the massage studio. "
        "Every error has the body `{error: {code, message, fields}}`."
    ),
    "VERSION": "1.0.0",
    # 3.1 for its `webhooks` section (the events a subscription receives).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The interactive docs are served from our own static files, not a CDN,
    # so they work on a studio network without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A booking's status (with `awaiting_payment`, held for its payment)
    # keeps the name integrations' generated clients know; a payment's
    # and a status filter's choices get names of their own.
    # What a webhook subscription's URL receives (notifications/api/docs.py).
    "WEBHOOKS": [
        f"notifications.api.docs.{name}"
        for name in [
            "VISIT_BOOKED",
            "VISIT_MOVED",
            "VISIT_CANCELLED",
            "VISIT_COMPLETED",
            "VISIT_NO_SHOW",
            "PAYMENT_RECEIVED",
            "PAYMENT_REFUNDED",
            "WAITLIST_OFFER_MADE",
            "WAITLIST_OFFER_TAKEN",
        ]
    ],
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "booking.api.payment_fields.STATUSES",
        "BookingStatusEnum": "booking.models.BookingStatus",
        "PaymentStatusEnum": "payments.models.Payment.Status",
        "WaitlistStatusEnum": "notifications.models.WaitlistEntry.Status",
    },
}

# Celery -------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker: messages are files under var/, so the studio
    # runs with no broker server. One machine only; production uses Redis
    # or RabbitMQ.
    _queue_dir = VAR_DIR / "celery" / "queue"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Every minute on a UTC interval, the dispatcher sends the due reminders
# from the outbox. No countdowns or ETAs: Redis would deliver those twice
# once they outlive its visibility timeout.
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-messages": {"task": "notifications.tasks.dispatch_messages", "schedule": 60.0},
    "forget-idempotency-keys": {
        "task": "booking.tasks.forget_idempotency_keys",
        "schedule": 3600.0,
    },
    "purge-old-health-answers": {
        "task": "booking.tasks.purge_old_health_answers",
        "schedule": 86400.0,
    },
    "release-expired-holds": {"task": "booking.tasks.release_expired_holds", "schedule": 60.0},
    # The payments of visits released, cancelled at the gateway.
    "cancel-released-payments": {
        "task": "payments.tasks.cancel_released_payments",
        "schedule": 60.0,
    },
    # The hashed addresses of bookings no longer to come are not kept.
    "forget-booking-addresses": {
        "task": "booking.tasks.forget_booking_addresses",
        "schedule": 3600.0,
    },
    # A cancellation whose settlement task was lost is settled here.
    "settle-missed-cancellations": {
        "task": "payments.tasks.settle_missed_cancellations",
        "schedule": 600.0,
    },
    # Waitlist entries whose dates have passed end; old ended ones go.
    "expire-waitlist-entries": {
        "task": "notifications.tasks.expire_waitlist_entries",
        "schedule": 3600.0,
    },
    # Webhook events older than their retention period, with their deliveries.
    "forget-old-webhook-events": {
        "task": "notifications.tasks.forget_old_webhook_events",
        "schedule": 86400.0,
    },
    # Expired sessions, and the manage tokens they hold, are not kept.
    "clear-expired-sessions": {"task": "studio.tasks.clear_expired_sessions", "schedule": 86400.0},
}
