"""Periodic chores: work an app needs done every so often without a request or an event to
start it (the open-data feed going stale as the days pass). The scheduler process of
`make run` (`manage.py sweep_holds --every N`) runs every registered chore on each round.

A chore stays quick (it checks and queues a task); one that fails is logged and the others
still run. Apps register theirs in `AppConfig.ready()`, so the scheduler imports none of them.
"""

import logging

logger = logging.getLogger("louage.chores")

_chores = {}  # name → function


def chore(function=None, *, name=None):
    """Register `function()` to run on each round of the scheduler."""

    def register(function):
        _chores[name or f"{function.__module__}.{function.__qualname__}"] = function
        return function

    return register(function) if function is not None else register


def run_chores():
    """Run every chore once; returns the names of those that failed."""
    failed = []
    for label, function in list(_chores.items()):
        try:
            function()
        except Exception:
            logger.exception("chore %s failed", label)
            failed.append(label)
    return failed
