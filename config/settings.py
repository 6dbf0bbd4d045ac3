"""Junction's settings, all in one place.

Every value comes from an environment variable with a safe embedded default: with nothing set,
Junction runs on one machine with SQLite and Celery on kombu's filesystem broker. Setting
``DATABASE_URL`` (PostgreSQL) and ``CELERY_BROKER_URL`` (Redis) switches to the distributed stack.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

#: Local state of an embedded install: SQLite database, broker folders, secret key, beat schedule.
DATA_DIR = Path(env("JUNCTION_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _stored_secret_key() -> str:
    """Generate the secret key on first start and keep it, so sessions survive restarts."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def duration_seconds(text: str) -> float:
    """Seconds in "72h", "30m", "45s", "2d" or a plain number of seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    return float(text[:-1]) * units[text[-1]] if text and text[-1] in units else float(text)


SECRET_KEY = env("SECRET_KEY", default=None) or _stored_secret_key()
DEBUG = env.bool("DEBUG", default=False)
#: Fernet keys for secrets at rest, newest first; derived from SECRET_KEY when not given.
SECRETS_ENCRYPTION_KEYS = env.list("SECRETS_ENCRYPTION_KEYS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "apps.console.apps.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "apps.core",
    "oauth2_provider",
    "apps.eventstore",
    "apps.hub",
    "apps.ingest",
    "apps.delivery",
    "apps.checks",
    "apps.discovery",
    "apps.landscape",
    "apps.alerting",
    "apps.activity",
    "apps.live",
    "apps.eventlog",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

#: What a machine endpoint's hot methods go through on the web server's direct route
#: (apps/core/machine_api.py): the guard and what sets headers, in MIDDLEWARE's order. The rest serves
#: people (sessions, CSRF, sign-in, messages, static files, the sign-in lockout).
MACHINE_MIDDLEWARE = [
    "apps.core.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- Served over HTTPS (production) -----------------------------------------------------------------
#: JUNCTION_HTTPS=true when the hub is reached over HTTPS (itself or behind a proxy that sets
#: X-Forwarded-Proto): secure cookies, HSTS and redirects to HTTPS; /healthz stays reachable over HTTP.
if env.bool("JUNCTION_HTTPS", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'junction.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat write to one file: WAL lets readers run beside the writer, IMMEDIATE
    # transactions take the write lock up front (no deadlock on lock upgrade), and the busy
    # timeout makes a writer wait for the lock instead of failing with "database is locked".
    # synchronous=FULL syncs the WAL at every commit: an accepted event survives a power cut too.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-junction.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
#: Connections are kept for a while, not opened for each request: opening one (and, on SQLite, its
#: PRAGMAs) cost the embedded default's webhook a third of its time.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared by web and workers: wake-ups, locks, API keys, discovery verdicts) ---
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "apps.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A table in the database that web, worker and beat share: its add() is atomic (a primary key
    # insert), which the locks need; a file-based cache checks and then writes, so two processes
    # could both take a lock. `manage.py createcachetable` creates it (the run command does).
    # Past MAX_ENTRIES Django culls a third of the table in key order, locks included: far above
    # what it holds (a few entries per agent and API key; verdicts expire after an hour).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "junction_cache",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }

# --- Auth, i18n, static ---------------------------------------------------------------------
# --- Admin sign-in: locked for a while after repeated wrong passwords (django-axes) ---------------
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
#: After this many wrong passwords for one user from one address, sign-in waits AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False

#: People's passwords keep Django's PBKDF2; the last one is for OAuth2 client secrets only.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "apps.ingest.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
#: Times to the second everywhere in the admin (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["apps.core.rest.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.rest.Pagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Junction API",
    "DESCRIPTION": "Configure systems, events, actions and contracts; send events; read the event store.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from the installed sidecar package: the hub works with no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "HealthEnum": "apps.landscape.models.Health",
        "ExecutionStateEnum": "apps.delivery.models.Execution.State",
        "ReplayJobStateEnum": "apps.delivery.models.ReplayJob.State",
    },
}

# --- Celery ---------------------------------------------------------------------------------
#: kombu's filesystem transport: a real broker (queues, countdowns, ETA, beat) needing no service.
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)
#: Celery's Django fixup closes the database connection around every task unless this is set, which
#: costs a new PostgreSQL connection per task; config/celery.py applies CONN_MAX_AGE and health
#: checks around tasks instead, as Django does around requests.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "scheduler-heartbeat": {
        "task": "apps.core.tasks.record_scheduler_tick",
        "schedule": timedelta(seconds=env.int("SCHEDULER_HEARTBEAT_SECONDS", default=5)),
    },
}

# --- OAuth2 for producers (django-oauth-toolkit, client credentials) -------------------------
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH2_ACCESS_TOKEN_SECONDS", default=3600),
    "SCOPES": {"events": "Send events to Junction"},
    "DEFAULT_SCOPES": ["events"],
    # Only a checksum of each token is stored, never the token itself (RFC 9700).
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # Client secrets are random: a fast salted hash, so a wrong secret costs no CPU to refuse.
    "CLIENT_SECRET_HASHER": "sha256_secret",
    # Junction issues tokens by client credentials only: everything RFC 9700 advises against is off.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# --- Failed authentication (webhook, agents, OAuth2 token endpoint) -------------------------------
#: This many failures per window from one address, or with one key prefix or client id, then 429.
AUTH_FAILURES_ALLOWED = env.int("AUTH_FAILURES_ALLOWED", default=20)
AUTH_FAILURE_WINDOW_SECONDS = env.int("AUTH_FAILURE_WINDOW_SECONDS", default=60)

# --- Ingest -----------------------------------------------------------------------------------
INGEST_MAX_BODY_BYTES = env.int("INGEST_MAX_BODY_BYTES", default=1024 * 1024)
#: A batch (POST /api/v1/events): at most this many events, in a body of at most this many bytes.
INGEST_BATCH_MAX_EVENTS = env.int("INGEST_BATCH_MAX_EVENTS", default=500)
INGEST_BATCH_MAX_BYTES = env.int("INGEST_BATCH_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(INGEST_MAX_BODY_BYTES, INGEST_BATCH_MAX_BYTES) + 1024
#: Refused webhook requests kept per system, for the admin's "Refused requests" (newest first).
INGEST_REFUSALS_KEPT = env.int("INGEST_REFUSALS_KEPT", default=200)

# --- Web server (uvicorn, see apps/core/asgi.py) ------------------------------------------------
#: Threads per web process running Django; each keeps one database connection.
WEB_THREADS = env.int("WEB_THREADS", default=4)
#: A request body must arrive whole within this many seconds (408 otherwise); until then it holds no thread.
WEB_BODY_SECONDS = env.float("WEB_BODY_SECONDS", default=30)
#: Threads per web process for requests that wait for events (the feed's long polls and Server-Sent
#: Events), apart from those above so waiting readers never hold up a webhook; each waits with its connection.
WEB_WAITING_THREADS = env.int("WEB_WAITING_THREADS", default=16)

# --- Outbound HTTP (actions) -----------------------------------------------------------------
#: Private or loopback networks that actions may call (SSRF protection blocks them otherwise),
#: e.g. "127.0.0.1/32,10.0.0.0/8".
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])
OUTBOUND_MAX_RESPONSE_BYTES = env.int("OUTBOUND_MAX_RESPONSE_BYTES", default=64 * 1024)

# --- Delivery ---------------------------------------------------------------------------------
#: Every Celery worker runs the delivery engine beside its pool (``--without-delivery`` opts out).
DELIVERY_ENGINE = env.bool("DELIVERY_ENGINE", default=True)
#: Requests in flight at most per engine, over all actions (each action also has its own limit).
DELIVERY_CAPACITY = env.int("DELIVERY_CAPACITY", default=500)
#: How often an idle engine looks for new events in the store (a cheap query).
DELIVERY_POLL_SECONDS = env.float("DELIVERY_POLL_SECONDS", default=0.02)
#: How often it looks for due executions it was not told about (retries coming due, replays).
DELIVERY_DUE_POLL_SECONDS = env.float("DELIVERY_DUE_POLL_SECONDS", default=0.25)
#: How often it routes even if no new position appeared (a lower position committed late).
DELIVERY_ROUTE_SWEEP_SECONDS = env.float("DELIVERY_ROUTE_SWEEP_SECONDS", default=0.5)
#: A worker renews the leases of its tries in flight; one not renewed for this long was lost with
#: its worker and is tried again (after a SIGKILL, deliveries resume within this plus one sweep).
DELIVERY_LEASE_SECONDS = env.float("DELIVERY_LEASE_SECONDS", default=30)
#: How often an engine takes back lost tries.
DELIVERY_SWEEP_SECONDS = env.float("DELIVERY_SWEEP_SECONDS", default=5)
#: On shutdown, how long requests in flight may take to finish before the worker exits anyway.
DELIVERY_SHUTDOWN_GRACE_SECONDS = env.float("DELIVERY_SHUTDOWN_GRACE_SECONDS", default=10)
DELIVERY_MAX_CHAIN_DEPTH = env.int("DELIVERY_MAX_CHAIN_DEPTH", default=5)
#: Circuit breaker: after this many failed tries in a row an action's deliveries pause for
#: DELIVERY_BREAKER_SECONDS, doubling after each failed probe up to DELIVERY_BREAKER_MAX_SECONDS.
DELIVERY_BREAKER_FAILURES = env.int("DELIVERY_BREAKER_FAILURES", default=5)
DELIVERY_BREAKER_SECONDS = env.float("DELIVERY_BREAKER_SECONDS", default=10)
DELIVERY_BREAKER_MAX_SECONDS = env.float("DELIVERY_BREAKER_MAX_SECONDS", default=600)
#: An action whose every delivery has failed for this long is disabled ("72h", "30m" or seconds).
DELIVERY_DISABLE_AFTER_SECONDS = duration_seconds(env("DELIVERY_DISABLE_AFTER", default="72h"))
CELERY_BEAT_SCHEDULE["delivery-replay-jobs"] = {
    "task": "apps.delivery.tasks.resume_replay_jobs_task",
    "schedule": timedelta(seconds=60),
}

# --- Event store ---------------------------------------------------------------------------
EVENTSTORE_BATCH_SIZE = env.int("EVENTSTORE_BATCH_SIZE", default=500)
#: Appends wake subscribers through Celery once their transaction commits.
EVENTSTORE_WAKE_SUBSCRIBERS = env.bool("EVENTSTORE_WAKE_SUBSCRIBERS", default=True)
EVENTSTORE_WAKE_DEBOUNCE_SECONDS = env.int("EVENTSTORE_WAKE_DEBOUNCE_SECONDS", default=10)
#: A snapshot of an aggregate is stored every this many events of its stream.
EVENTSTORE_SNAPSHOT_EVERY = env.int("EVENTSTORE_SNAPSHOT_EVERY", default=100)
EVENTSTORE_COMMAND_RETRIES = env.int("EVENTSTORE_COMMAND_RETRIES", default=5)

# --- Event log for outside consumers (GET /api/v1/events, POST /api/v1/commands) ---------------
#: The longest wait a long poll may ask for (``wait=``, seconds).
EVENTLOG_MAX_WAIT_SECONDS = env.float("EVENTLOG_MAX_WAIT_SECONDS", default=60)
#: How often a waiting reader (long poll, Server-Sent Events) looks for new events.
EVENTLOG_POLL_SECONDS = env.float("EVENTLOG_POLL_SECONDS", default=0.1)
#: A filtered page looks at no more than this many events, so a reader of rare events still moves on.
EVENTLOG_SCAN_WINDOW = env.int("EVENTLOG_SCAN_WINDOW", default=5000)
#: A Server-Sent Events answer ends after this long (the client reconnects with Last-Event-ID) ...
EVENTLOG_STREAM_SECONDS = env.float("EVENTLOG_STREAM_SECONDS", default=300)
#: ... after this many milliseconds, as told to it; a comment keeps a quiet line open every so often.
EVENTLOG_STREAM_RETRY_MS = env.int("EVENTLOG_STREAM_RETRY_MS", default=1000)
EVENTLOG_KEEPALIVE_SECONDS = env.float("EVENTLOG_KEEPALIVE_SECONDS", default=15)
EVENTLOG_STREAM_BATCH = env.int("EVENTLOG_STREAM_BATCH", default=500)
#: Forward the log to a Redis stream (XADD), e.g. "redis://127.0.0.1:6379/0"; off when empty.
EVENTLOG_REDIS_STREAM_URL = env.str("EVENTLOG_REDIS_STREAM_URL", default="")
EVENTLOG_REDIS_STREAM_KEY = env.str("EVENTLOG_REDIS_STREAM_KEY", default="junction:events")
#: Keep about this many entries in the Redis stream (XADD MAXLEN ~); 0 keeps all.
EVENTLOG_REDIS_STREAM_MAXLEN = env.int("EVENTLOG_REDIS_STREAM_MAXLEN", default=0)
CELERY_BEAT_SCHEDULE["eventstore-sweep"] = {
    "task": "apps.eventstore.tasks.sweep_subscriptions",
    "schedule": timedelta(seconds=env.int("EVENTSTORE_SWEEP_SECONDS", default=5)),
}

# --- Checks -----------------------------------------------------------------------------------
#: Folders of check definitions (one <ID>.yaml each), the first folder winning for an id. Default:
#: the shared Trento catalog beside the project when it is there, else no catalog.
_SHARED_CATALOG = BASE_DIR.parent / "shared" / "trento-checks" / "catalog"
CHECKS_CATALOG_DIRS = env.list("CHECKS_CATALOG_DIRS", default=[str(_SHARED_CATALOG)] * _SHARED_CATALOG.is_dir())
#: An agent that has not posted its facts this long after an execution started is reported timed out.
CHECKS_EXECUTION_TIMEOUT_SECONDS = env.int("CHECKS_EXECUTION_TIMEOUT_SECONDS", default=300)
#: The longest an agent's GET of its facts requests waits for one to arrive (long polling).
CHECKS_AGENT_LONG_POLL_SECONDS = env.int("CHECKS_AGENT_LONG_POLL_SECONDS", default=20)
CELERY_BEAT_SCHEDULE["checks-sweep"] = {
    "task": "apps.checks.tasks.sweep_executions",
    "schedule": timedelta(seconds=env.int("CHECKS_SWEEP_SECONDS", default=15)),
}
CELERY_BEAT_SCHEDULE["checks-schedules"] = {
    "task": "apps.checks.tasks.run_schedules",
    "schedule": timedelta(seconds=env.int("CHECKS_SCHEDULES_SECONDS", default=30)),
}

# --- Discovery and landscape ------------------------------------------------------------------
#: Discoveries and discarded discoveries older than this are pruned daily (spec §2.1).
DISCOVERY_RETENTION_DAYS = env.int("DISCOVERY_RETENTION_DAYS", default=10)
DISCOVERY_PRUNE_BATCH_SIZE = env.int("DISCOVERY_PRUNE_BATCH_SIZE", default=1000)
DISCOVERY_PRUNE_MAX_BATCHES = env.int("DISCOVERY_PRUNE_MAX_BATCHES", default=10000)
#: How long one observation of a target may hold its lock (a crashed processor frees it then).
#: How long an "identical to the last one" verdict stays in the shared cache (agents repeat every 10 s).
DISCOVERY_SEEN_SECONDS = env.int("DISCOVERY_SEEN_SECONDS", default=3600)
DISCOVERY_LOCK_SECONDS = env.int("DISCOVERY_LOCK_SECONDS", default=60)
#: A discovery still pending this long after it was received is processed by the sweep.
DISCOVERY_SWEEP_GRACE_SECONDS = env.int("DISCOVERY_SWEEP_GRACE_SECONDS", default=30)
DISCOVERY_SWEEP_LIMIT = env.int("DISCOVERY_SWEEP_LIMIT", default=1000)
#: Heartbeats (spec §2.2): expiry = interval x (allowed missed + 1) + tolerance.
HOST_HEARTBEAT_INTERVAL_SECONDS = env.int("HOST_HEARTBEAT_INTERVAL", default=5)
HOST_HEARTBEAT_TOLERANCE_SECONDS = env.int("HOST_HEARTBEAT_TOLERANCE", default=1)
HOST_HEARTBEAT_ALLOWED_MISSED = env.int("HOST_HEARTBEAT_ALLOWED_MISSED", default=0)
HEARTBEAT_CHECK_LOCK_SECONDS = env.int("HEARTBEAT_CHECK_LOCK_SECONDS", default=60)
#: Once this many hosts pass, the hub judges from their beats whether it is itself behind (the whole
#: fleet's beats run late); while it is, a host is marked only after HOST_HEARTBEAT_MAX_HOLD_SECONDS more.
HOST_HEARTBEAT_FLEET_MIN_HOSTS = env.int("HOST_HEARTBEAT_FLEET_MIN_HOSTS", default=10)
HOST_HEARTBEAT_MAX_HOLD_SECONDS = env.int("HOST_HEARTBEAT_MAX_HOLD_SECONDS", default=30)
#: Expired heartbeats are looked for this often: a lost agent is seen at most expiry + this after its last beat.
CELERY_BEAT_SCHEDULE["landscape-heartbeats"] = {
    "task": "apps.landscape.tasks.check_heartbeats_task",
    "schedule": timedelta(seconds=env.int("HEARTBEAT_CHECK_SECONDS", default=2)),
}
#: Every cluster and host with selected checks runs them this often (minutes, as Trento's CHECKS_INTERVAL).
CELERY_BEAT_SCHEDULE["landscape-checks"] = {
    "task": "apps.landscape.tasks.request_checks_executions_task",
    "schedule": timedelta(minutes=env.float("CHECKS_INTERVAL", default=5)),
}
CELERY_BEAT_SCHEDULE["discovery-sweep"] = {
    "task": "apps.discovery.tasks.sweep_discoveries_task",
    "schedule": timedelta(seconds=env.int("DISCOVERY_SWEEP_SECONDS", default=15)),
}
CELERY_BEAT_SCHEDULE["discovery-prune"] = {
    "task": "apps.discovery.tasks.prune_discoveries_task",
    "schedule": timedelta(days=1),
}

# --- Queues -----------------------------------------------------------------------------------
#: Beat's periodic work (sweeps, heartbeat checks, pruning) has a queue of its own, so a backlog of
#: discoveries or subscription runs never holds it back. Every worker takes both queues. Deliveries
#: take no queue at all: each worker's delivery engine claims them from the database.
CELERY_TASK_QUEUES = (Queue("celery"), Queue("housekeeping"))
for _entry in CELERY_BEAT_SCHEDULE.values():
    _entry.setdefault("options", {})["queue"] = "housekeeping"

# --- E-mail alerts (spec §6) ----------------------------------------------------------------------
#: Trento's variables. When ENABLE_ALERTING is set at all they configure alerting and the settings in
#: the admin and at /api/v1/settings/alerting are read-only; otherwise staff edit those.
ALERTING_ENFORCED = "ENABLE_ALERTING" in os.environ
ENABLE_ALERTING = env.bool("ENABLE_ALERTING", default=False)
SMTP_SERVER = env("SMTP_SERVER", default="")
SMTP_PORT = env.int("SMTP_PORT", default=587)
SMTP_USER = env("SMTP_USER", default="")
SMTP_PASSWORD = env("SMTP_PASSWORD", default="")
ALERT_SENDER = env("ALERT_SENDER", default="")
#: One or more addresses, comma-separated.
ALERT_RECIPIENT = env("ALERT_RECIPIENT", default="")
#: Alerts raised within this many seconds of the first go out as one e-mail.
ALERT_DIGEST_SECONDS = env.float("ALERT_DIGEST_SECONDS", default=2)
ALERT_MAX_TRIES = env.int("ALERT_MAX_TRIES", default=5)
ALERT_MAX_AGE_MINUTES = env.int("ALERT_MAX_AGE_MINUTES", default=60)
ALERT_SMTP_TIMEOUT_SECONDS = env.float("ALERT_SMTP_TIMEOUT_SECONDS", default=10)
CELERY_BEAT_SCHEDULE["alerting-retry"] = {
    "task": "apps.alerting.tasks.send_alerts_task",
    "schedule": timedelta(seconds=env.int("ALERT_RETRY_SECONDS", default=30)),
    "options": {"queue": "housekeeping"},
}

# --- Activity log -----------------------------------------------------------------------------
ACTIVITY_LOG_RETENTION_DAYS = env.int("ACTIVITY_LOG_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["activity-prune"] = {
    "task": "apps.activity.tasks.prune_activity_task",
    "schedule": timedelta(days=1),
    "options": {"queue": "housekeeping"},
}

# --- Live updates of the admin's pages (websockets, apps/live) ---------------------------------------
#: Each web process follows the event store itself, so its in-memory channel layer is all it needs.
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
#: How often a web process with websocket clients looks for new events.
LIVE_POLL_SECONDS = env.float("LIVE_POLL_SECONDS", default=0.1)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
