"""Transactions that survive the database's transient failures.

A deadlock or serialization failure (PostgreSQL), a busy database (SQLite), or a connection
lost before the commit aborts the whole transaction on the server: nothing of it happened,
so the service may run once more. A failure during the commit itself is never retried (it may
have committed); it reaches the caller, and the request answers 503 (see `is_unavailable`).
"""

import contextvars
import functools
import logging
import random
import time

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction

logger = logging.getLogger("louage.db")

# SQLSTATE classes of a transaction the server aborted on its own: retrying may succeed.
RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def _sqlstate(exc):
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def is_unavailable(exc):
    """The database cannot answer now (down, unreachable, busy, aborted us): a 503, not a 500."""
    return isinstance(exc, (OperationalError, InterfaceError))


def _retryable(exc):
    if _sqlstate(exc) in RETRYABLE_SQLSTATES:
        return True
    if "database is locked" in str(exc):
        return True
    # The connection broke: the server rolled the open transaction back.
    return isinstance(exc, InterfaceError) or not connection.is_usable()


class RunAgain(Exception):  # noqa: N818 (a request, not an error)
    """Raised inside a service when its whole transaction should run once more (a random
    value collided with a stored one): only where `runs_again_when_asked()` says so."""


# The run (1, 2) of the outermost transaction while `transactional` opened it; None inside
# anyone else's transaction (a test's, a management command's), or none.
_run = contextvars.ContextVar("transactional_run", default=None)


def runs_again_when_asked():
    """Whether a RunAgain raised now would run the whole transaction again. When not, the
    caller must recover on its own (with a savepoint)."""
    return _run.get() == 1


def in_service_transaction():
    """Whether the outermost transaction is a service's: it commits, or rolls back, when the
    service returns (a test's transaction, for one, never commits)."""
    return _run.get() is not None and connection.in_atomic_block


def transactional(service):
    """Run `service` in one transaction; when the database aborted it before the commit,
    run it once more after a short random pause. Nested inside another transaction it is a
    plain savepoint: only the outermost service may repeat the whole work."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        if connection.in_atomic_block:
            with transaction.atomic():
                return service(*args, **kwargs)
        for attempt in (1, 2):
            committing = False
            token = _run.set(attempt)  # the second run may not ask again
            try:
                with transaction.atomic():
                    result = service(*args, **kwargs)
                    committing = True
                return result
            except RunAgain:
                if attempt == 2:
                    raise AssertionError("RunAgain raised where it was not allowed") from None
                logger.info("%s: running the transaction again", service.__qualname__)
                continue
            except DatabaseError as exc:
                if attempt == 2 or committing or not is_unavailable(exc) or not _retryable(exc):
                    raise
                logger.warning("%s: transient database error, retrying once: %s",
                               service.__qualname__, exc)  # fmt: skip
                if not connection.is_usable():
                    connection.close()
                time.sleep(random.uniform(0.01, 0.15))  # noqa: S311 - jitter, not a secret
            finally:
                _run.reset(token)
        raise AssertionError("unreachable")

    return run
