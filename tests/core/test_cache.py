"""The one-machine cache (diskcache) keeps its SQLite connections between requests: closing
them after every request cost milliseconds (a WAL checkpoint, then PRAGMAs to reopen)."""

import pytest
from django.core.cache import cache


def open_connections():
    return [
        shard._local.con for shard in cache._cache._shards if getattr(shard._local, "con", None)
    ]


@pytest.mark.django_db
def test_the_disk_cache_stays_open_between_requests(client, settings):
    if settings.CACHES["default"]["BACKEND"] != "louage.core.diskcache.PersistentDiskCache":
        pytest.fail("these tests run on the one-machine cache: unset REDIS_URL")
    for number in range(20):
        cache.set(f"warm-{number}", number)  # touch every shard
    before = open_connections()
    assert before
    client.get("/healthz")  # Django closes every cache when a request finishes
    assert open_connections() == before
    assert cache.get("warm-3") == 3
