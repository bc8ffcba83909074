"""The one-machine cache backend: diskcache's Django cache, kept open between requests.

Django closes every cache at the end of each request. For diskcache that closes its SQLite
connections (one per shard touched), and closing the last connection of a WAL database
checkpoints it: milliseconds per request, paid again to reopen and run the PRAGMAs on the
next one. diskcache's connections are per thread and safe to keep, so they stay open for the
life of the worker.
"""

from diskcache import DjangoCache


class PersistentDiskCache(DjangoCache):
    def close(self, **kwargs):
        """Kept open (see the module's note); the worker's exit closes them."""
