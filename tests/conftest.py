"""Shared fixtures, and the rule that CI runs on the real servers.

Under CI=true the suite must run on PostgreSQL and reach Redis: a missing
server fails the run instead of skipping tests. Outside CI it runs on
SQLite and skips only the tests that need a server, saying why.
"""

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache

IS_CI = os.environ.get("CI", "").lower() == "true"


def pytest_sessionstart(session: pytest.Session) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if IS_CI and "postgresql" not in engine:
        pytest.exit(
            f"CI=true needs DATABASE_URL on PostgreSQL, but the database engine is {engine}",
            returncode=3,
        )
    if IS_CI and not settings.REDIS_URL:
        pytest.exit("CI=true needs REDIS_URL pointing at a Redis server", returncode=3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if item.get_closest_marker("redis") and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Throttle counters and idempotency keys must not leak between tests."""
    cache.clear()
    yield
    cache.clear()
