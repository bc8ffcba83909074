"""A short-lived cache of search answers.

Answers live in each worker's memory (no cache write per search: on one machine the shared
cache is SQLite files, and a crowd of writers there stalls); the *generation* they are stored
under lives in the shared cache, read once per search. Any write to a departure (seats taken
or given back, a time, a price, a cancellation), a station, a vehicle or a route's duration
raises the generation in every worker at once, so the next search reads the database again.
The generation is raised after the commit, so an answer cached between the write and its
commit cannot outlive it (and at once too inside a transaction that is not a service's: a
test's never commits). Answers also change as time passes (departures leave the list), hence
the clock bucket in the key and the short lifetime.

The cache failing never fails a search: it is then simply not used.
"""

import hashlib
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction
from django.utils import translation

from louage.core import clock
from louage.core.db import in_service_transaction

logger = logging.getLogger("louage.cache")

GENERATION = "search:generation"
# Raised by writes to stations and route durations only, whether answers are cached or not:
# each worker keeps those small tables in memory while it stays the same (trips.network).
NETWORK = "search:network"
# This worker's answers (thread-safe, the oldest third dropped when full).
answers = LocMemCache("louage-search-answers", {"OPTIONS": {"MAX_ENTRIES": 3000}})


def bump():
    """Forget every cached answer when the transaction commits (at once outside one)."""
    if settings.SEARCH_CACHE_SECONDS <= 0:
        return  # nothing is cached: no cache write on the booking path
    if connection.in_atomic_block and not in_service_transaction():
        _bump()  # a transaction that may never commit (a test's): forget now as well
    transaction.on_commit(_bump)  # outside a transaction: now


def bump_network():
    """A station or a route duration changed: every worker reads them again (now and once
    more when the transaction commits), and forgets its answers."""
    _raise(NETWORK)
    transaction.on_commit(lambda: _raise(NETWORK))
    bump()


def network_generation():
    """The stations' and route durations' generation; None when the cache is away."""
    try:
        generation = cache.get(NETWORK)
        if generation is None:
            _raise(NETWORK)
            generation = cache.get(NETWORK)
    except Exception:
        return None
    return generation


def _bump():
    _raise(GENERATION)


def _raise(name):
    try:
        try:
            cache.incr(name)
        except ValueError:  # no generation yet (or evicted): a value never used before
            cache.set(name, secrets.randbits(62), timeout=None)
    except Exception:  # the cache is away: answers expire by themselves
        logger.warning("search cache: could not raise the generation %s", name, exc_info=True)


def key(params):
    """The cache key of one search (its query string, language and clock bucket), or None when
    the cache is off or unreachable."""
    seconds = settings.SEARCH_CACHE_SECONDS
    if seconds <= 0:
        return None
    try:
        generation = cache.get(GENERATION)
        if generation is None:
            _bump()
            generation = cache.get(GENERATION)
    except Exception:
        return None
    if generation is None:
        return None
    bucket = int(clock.now().timestamp() // seconds)
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return f"search:{generation}:{bucket}:{translation.get_language()}:{digest}"


def get(cache_key):
    return answers.get(cache_key)


def put(cache_key, answer):
    answers.set(cache_key, answer, timeout=settings.SEARCH_CACHE_SECONDS * 2)
