"""Shared fixtures, and the rule that CI runs on the real servers.

Under CI=true the suite must run on PostgreSQL and reach Redis: a missing
server fails the run instead of skipping tests. Outside CI it runs on
SQLite and skips only the tests that need a server, saying why.
"""

import os
import sys
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import translation

from studio import celery_app, identity

IS_CI = os.environ.get("CI", "").lower() == "true"
# "gw0", "gw1", … in each process of pytest-xdist (dev.py test runs two or more); "" without it.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_sessionstart(session: pytest.Session) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if IS_CI and "postgresql" not in engine:
        pytest.exit(
            f"CI=true needs DATABASE_URL on PostgreSQL, but the database engine is {engine}",
            returncode=3,
        )
    if IS_CI and not settings.REDIS_URL:
        pytest.exit("CI=true needs REDIS_URL pointing at a Redis server", returncode=3)
    if IS_CI and not os.environ.get("RABBITMQ_URL"):
        pytest.exit("CI=true needs RABBITMQ_URL pointing at a RabbitMQ server", returncode=3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if item.get_closest_marker("redis") and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
        if item.get_closest_marker("rabbitmq") and not os.environ.get("RABBITMQ_URL"):
            item.add_marker(pytest.mark.skip(reason="needs RabbitMQ: set RABBITMQ_URL"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """pytest-xdist runs tests by node id: two tests sharing one would run once, or fail it."""
    seen: set[str] = set()
    for item in session.items:
        if item.nodeid in seen:
            raise pytest.UsageError(f"two tests have the node id {item.nodeid}")
        seen.add(item.nodeid)


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process() -> Iterator[None]:
    """Tasks enqueued by the code under test run at once, in the test's process.

    The test of a real worker on a real broker turns this off for itself.
    """
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


def _redis_url_of_worker(url: str, worker: str) -> str:
    """REDIS_URL's database number plus the worker's: gw0 keeps it, gw1 takes the next."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    return parts._replace(path=f"/{database}").geturl()


@pytest.fixture(autouse=True, scope="session")
def _a_redis_database_per_worker() -> Iterator[None]:
    """Each pytest-xdist worker has a Redis database of its own for the cache.

    `_fresh_cache` empties the whole database (Django's Redis cache flushes
    it), so workers sharing one would wipe each other's throttle counters
    and idempotency keys mid-test. The servers the tests start (gunicorn)
    read `settings.REDIS_URL`, so they follow. Each worker has its own test
    database already (pytest-django suffixes its name), and live servers
    take a free port. Only tests/booking/test_worker.py consumes from the
    Celery broker, and `--dist loadfile` keeps a file on one worker.
    """
    if not settings.REDIS_URL or not XDIST_WORKER:
        yield
        return
    url = _redis_url_of_worker(settings.REDIS_URL, XDIST_WORKER)
    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    with override_settings(REDIS_URL=url, CACHES=caches):
        yield


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Passwords hashed with MD5, not PBKDF2's million rounds.

    Every `admin_client`, `admin_user` and seeded login hashes a password;
    with the production hasher that cost about half a second a test. No
    test is about the hasher itself.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _sms_to_a_temporary_folder(settings, tmp_path) -> None:
    settings.SMS_BACKEND = "booking.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Throttle counters and idempotency keys must not leak between tests.

    The studio's identity starts as a warm cache holding "no profile
    saved" (true of a fresh test database), as it is in a running
    studio: pages pin their query counts without the one read that
    refills it after a save (tests/studio/test_identity_profile.py
    counts that one). It is kept with no expiry: the embedded LocMemCache
    times entries out by `time.time()`, which the tests that travel to
    2027 with time_machine would otherwise put past its five minutes.
    """
    cache.clear()
    cache.set(identity.CACHE_KEY, {}, None)
    yield
    cache.clear()


@pytest.fixture(scope="module")
def migrated_data_around_module(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Start each test from the data the migrations wrote, and leave it behind.

    `serialized_rollback` loads that data (the catalog, permissions, the
    integrations group) before each test, and Django empties every table
    after it. Loading needs empty tables: a transactional test without
    `serialized_rollback` that ran earlier leaves content types behind,
    so empty them once first. Load once more at the end, so transactional
    tests after this module still find the catalog.
    """
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents is None:
        yield
        return
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    yield
    with django_db_blocker.unblock():
        connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the studio's default language.

    LocaleMiddleware activates a request's language in the thread and
    leaves it active, so a request in Russian would change what the
    next test's `reverse` and messages give.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# The count of requests schemathesis generated (tests/studio/test_api_fuzz.py),
# said at the end. Here, not beside that test: under pytest-xdist the main
# process collects nothing and loads only this conftest.
_worker_calls: Counter[str] = Counter()


def _calls_here() -> Counter[str]:
    fuzz = sys.modules.get("tests.studio.test_api_fuzz")
    return getattr(fuzz, "calls", None) or Counter()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand the counts to the main process."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["schemathesis_calls"] = dict(_calls_here())


def pytest_testnodedown(node, error) -> None:
    _worker_calls.update(getattr(node, "workeroutput", {}).get("schemathesis_calls", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many requests schemathesis generated, when its test ran."""
    calls = _calls_here() + _worker_calls
    if calls:
        terminalreporter.write_line(
            f"schemathesis: {sum(calls.values())} generated requests over {len(calls)} operations"
        )
