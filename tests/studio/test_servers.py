"""The real servers the production shape depends on, over real connections."""

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection


@pytest.mark.redis
def test_the_cache_is_shared_through_redis():
    key = f"probe-{uuid.uuid4()}"

    cache.set(key, {"answer": 42}, timeout=30)

    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]
    assert cache.get(key) == {"answer": 42}


@pytest.mark.redis
def test_a_message_travels_through_a_redis_broker():
    queue_name = f"studio-probe-{uuid.uuid4()}"
    with Connection(settings.REDIS_URL) as broker:
        queue = broker.SimpleQueue(queue_name)
        try:
            queue.put({"hello": "studio"})
            message = queue.get(timeout=5)
            message.ack()
        finally:
            queue.clear()
            queue.close()

    assert message.payload == {"hello": "studio"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_has_btree_gist_for_the_overlap_constraints():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'")
        assert cursor.fetchone() == (1,)
