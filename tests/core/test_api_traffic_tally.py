"""The API traffic ceiling (louage.core.throttles.tallied_usage): each worker sends its count
to the shared cache in steps, never losing a request, and the workers together stop a flood
at the ceiling, give or take a few requests per worker."""

import types

import pytest
from django.core.cache import cache

from louage.core import throttles

NOW = 1_800_000_000.5  # one instant: no window ends during a test


@pytest.fixture(autouse=True)
def _frozen_time(monkeypatch):
    monkeypatch.setattr(throttles, "time", types.SimpleNamespace(time=lambda: NOW))


def shared_count(rate_period, key):
    window_end = int(NOW // rate_period + 1) * rate_period
    return cache.get(f"louage:api-traffic:{rate_period}:{window_end}:{key}") or 0


def test_far_from_the_ceiling_a_worker_writes_once_per_step_and_counts_every_request():
    for number in range(1, 101):
        usage = throttles.tallied_usage("ip:198.51.100.7", "100000/h")
        assert usage["count"] == number and not usage["should_limit"]
    # 100 requests, three writes of 32: the shared counter lags by what is not sent yet.
    assert shared_count(3600, "ip:198.51.100.7") == 96


def test_near_the_ceiling_every_request_is_written_and_the_next_refused():
    codes = [throttles.tallied_usage("ip:198.51.100.8", "40/h")["should_limit"]
             for _ in range(41)]  # fmt: skip
    assert codes == [False] * 40 + [True]
    assert shared_count(3600, "ip:198.51.100.8") == 41


@pytest.mark.parametrize("workers", [2, 5])
def test_workers_together_stop_a_flood_at_the_ceiling(monkeypatch, workers):
    memories = [{} for _ in range(workers)]  # each worker's own tallies
    allowed = 0
    for number in range(2000):
        monkeypatch.setattr(throttles, "_tallies", memories[number % workers])
        allowed += not throttles.tallied_usage("ip:203.0.113.9", "600/h")["should_limit"]
    assert 600 <= allowed <= 600 + 2 * workers, allowed
    sent = shared_count(3600, "ip:203.0.113.9")
    assert 2000 - workers * throttles.TALLY_STEP <= sent <= 2000


def test_another_key_is_counted_apart():
    for _ in range(40):
        throttles.tallied_usage("ip:198.51.100.9", "40/h")
    assert throttles.tallied_usage("ip:198.51.100.9", "40/h")["should_limit"]
    assert not throttles.tallied_usage("user:7", "40/h")["should_limit"]


def test_a_cache_away_lets_the_request_through(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(throttles.cache, "add", broken)
    assert throttles.tallied_usage("ip:198.51.100.10", "5/h") is None


def test_a_cache_that_hides_its_errors_lets_the_request_through(monkeypatch):
    """django-redis with IGNORE_EXCEPTIONS answers None while Redis is away (production)."""
    monkeypatch.setattr(throttles.cache, "add", lambda *args, **kwargs: None)
    monkeypatch.setattr(throttles.cache, "incr", lambda *args, **kwargs: None)
    for _ in range(3):
        assert throttles.tallied_usage("ip:198.51.100.11", "5/h") is None
