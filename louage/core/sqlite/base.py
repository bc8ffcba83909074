"""SQLite, with the writers queued on a lock file instead of SQLite's busy handler.

Every transaction begins IMMEDIATE (settings), so one writer at a time. A writer that found
the database locked waited in SQLite's busy handler, which sleeps 1, 2, 5 … then 100 ms
between tries: under load the lock sat free while every waiter slept, and a writer that had
waited longest slept longest (holds: p99 of 2 s at 125/s). Here a transaction first takes an
exclusive `flock` on a file beside the database, trying again every few hundred microseconds
(a blocking `flock` could not give up), and holds it until its commit or rollback. SQLite's
lock still guards the data: the file only orders the queue, and a process that dies drops
its `flock` with it. Writers that do not use this backend (an autocommit statement, the
`sqlite3` shell, a backup) still meet SQLite's busy timeout, as before.
"""

import fcntl
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# Polls double from the first to the last, then stay there: a handover costs at most this.
FIRST_WAIT = 0.0001
LONGEST_WAIT = 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd = None
    _queue_pid = None
    _queued = False

    def _queue_file(self):
        """The lock file's descriptor, opened once per connection and process (a flock lock
        belongs to an open file: two connections exclude each other, and a forked child must
        not share its parent's); None in memory."""
        if self._queue_pid != os.getpid() and not self.is_in_memory_db():
            if self._queue_fd is not None:
                os.close(self._queue_fd)  # the parent's copy: its lock stays the parent's
            name = str(self.settings_dict["NAME"])
            flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
            self._queue_fd, self._queue_pid = os.open(f"{name}-writers", flags, 0o600), os.getpid()
            self._queued = False
        return self._queue_fd

    def _take_turn(self):
        fd = self._queue_file()
        if fd is None:
            return
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        wait = FIRST_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    # The message SQLite gives, so callers (louage.core.db) treat it alike.
                    raise OperationalError("database is locked") from None
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT)
        self._queued = True

    def _give_turn(self):
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._give_turn()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            # A failed COMMIT leaves the transaction open: Django rolls it back next.
            if not self.connection.in_transaction:
                self._give_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._give_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._give_turn()
            if self._queue_pid == os.getpid():
                os.close(self._queue_fd)
            self._queue_fd = self._queue_pid = None
