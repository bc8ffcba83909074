"""Start a command that dies with the process that started it.

A process manager (honcho in development, supervisord in production) may give each process a
session of its own, so killing the manager's process group — SIGKILL included — would leave
them running, the web server still on its port. Each command therefore goes through here: the
kernel sends it SIGTERM (PR_SET_PDEATHSIG, kept across exec) the moment its parent dies, and
it stops cleanly.

    python -m louage.core.child python -m louage.core.web
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent():
    """SIGTERM to this process when its parent dies (Linux); False when the parent is gone
    already."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before the request took effect
            return False
    return True


def main(argv):
    if not argv:
        sys.exit("usage: python -m louage.core.child COMMAND [ARGS...]")
    try:
        alive = die_with_parent()
    except OSError as exc:
        sys.exit(str(exc))
    if not alive:
        sys.exit(0)
    os.execvp(argv[0], argv)  # noqa: S606 - the Procfile command, by design


if __name__ == "__main__":
    main(sys.argv[1:])
