"""Periodic chores, run by the sweeper (`manage.py sweep_holds --every 5`, a make run
process). Apps register theirs in `ready()`, so the sweeper, which lives low in the layers,
never imports the apps above it."""

import logging

logger = logging.getLogger("louage.housekeeping")

_chores = []  # (name, function)


def chore(function):
    name = f"{function.__module__}.{function.__qualname__}"
    _chores[:] = [entry for entry in _chores if entry[0] != name]
    _chores.append((name, function))
    return function


def run():
    """Run every chore once; one that fails is logged and the others still run. Returns the
    names of those that failed."""
    failed = []
    for name, function in list(_chores):
        try:
            function()
        except Exception:
            logger.exception("housekeeping chore %s failed", name)
            failed.append(name)
    return failed
