"""Django's `migrate`, one instance at a time.

Several instances starting together (two machines booting, `make run` on each) would all
apply the same migrations at once, and all but one fail halfway ("relation already exists").
Each takes one lock first — a PostgreSQL advisory lock on the database, a file lock beside a
SQLite database — then finds the migrations already applied by whoever held it before.
"""

import fcntl
import logging
import time
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

logger = logging.getLogger("louage.migrate")

ADVISORY_LOCK_ID = 0x4C6F7561  # "Loua": Louage's migrations, on any database of the cluster
WAIT_SECONDS = 1800  # a long migration of another instance; past this, something is stuck
POLL_SECONDS = 0.5


@contextmanager
def _postgres_lock(connection):
    # Polled rather than a blocking pg_advisory_lock: statement_timeout would cut the wait.
    deadline, said = time.monotonic() + WAIT_SECONDS, False
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_ID])
            if cursor.fetchone()[0]:
                break
            if not said:
                logger.info("another instance is migrating this database: waiting for it")
                said = True
            if time.monotonic() > deadline:
                raise CommandError("gave up waiting for another instance's migrations")
            time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_ID])


@contextmanager
def _file_lock(path):
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("another process is migrating this database: waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migration_lock(connection):
    if connection.vendor == "postgresql":
        return _postgres_lock(connection)
    name = str(connection.settings_dict.get("NAME") or "")
    if (
        connection.vendor == "sqlite"
        and name
        and ":memory:" not in name
        and "mode=memory" not in name
    ):
        return _file_lock(Path(name).with_name(Path(name).name + ".migrate-lock"))
    return _no_lock()


@contextmanager
def _no_lock():
    yield


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " One instance at a time (a lock on the database)."

    def handle(self, *args, **options):
        with migration_lock(connections[options["database"]]):
            return super().handle(*args, **options)
