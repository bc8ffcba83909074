"""Log lines in one format: JSON objects with an ISO 8601 time in UTC, offset included.

`JsonFormatter` serves Django's LOGGING and the web server's logging configuration. Output that no
logging call makes (supervisord's own lines, Django's progress messages, a traceback before
logging is set up) goes through `python -m louage.core.logs NAME -- COMMAND...`, which runs
the command and writes each line it prints as a JSON object (lines that already are one pass
unchanged). Imported by settings.py and louage.core.web: it must not import Django.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def utc_time(timestamp=None):
    """2026-12-03T08:15:02.123+00:00"""
    moment = datetime.now(UTC) if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds")


class JsonFormatter(_BaseJsonFormatter):
    """python-json-logger with the record's time in UTC, ISO 8601 with its offset (the default
    is the server's local time without one)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", FORMAT)
        kwargs.setdefault("rename_fields", RENAMED)
        super().__init__(*args, **kwargs)

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's hook name
        return utc_time(record.created)


def json_wanted(environ=None):
    """The settings' rule: JSON when LOG_FORMAT says so, or by default with DEBUG off."""
    environ = os.environ if environ is None else environ
    debug = (environ.get("DEBUG") or "true").strip().lower() in {"1", "true", "yes", "on"}
    return (environ.get("LOG_FORMAT") or ("plain" if debug else "json")) == "json"


# supervisord's own lines: "2026-12-03 08:15:02,123 INFO spawned: 'web' with pid 42"
_LEVELED = re.compile(r"^\S+ \S+ (CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT)\w* (.*)$")
_LEVELS = {"CRIT": "CRITICAL", "ERRO": "ERROR", "WARN": "WARNING", "DEBG": "DEBUG",
           "TRAC": "DEBUG", "BLAT": "DEBUG", "INFO": "INFO"}  # fmt: skip


def as_json_line(line, logger, level="INFO"):
    """One output line as a JSON log line; a JSON object is kept as it is."""
    text = line.rstrip("\r\n")
    if text.startswith("{"):
        try:
            if isinstance(json.loads(text), dict):
                return text
        except ValueError:
            pass
    leveled = _LEVELED.match(text)
    if leveled:
        level, text = _LEVELS[leveled.group(1)], leveled.group(2)
    return json.dumps(
        {"time": utc_time(), "level": level, "logger": logger, "message": text},
        ensure_ascii=False,
    )


_WRITE = threading.Lock()  # stdout and stderr readers write whole lines, one at a time


def _copy(stream, out, logger, level):
    closed = False  # our reader went away: keep draining, so the command never blocks
    for raw in iter(stream.readline, b""):
        if closed or not raw.strip():
            continue
        line = as_json_line(raw.decode("utf-8", "replace"), logger, level)
        with _WRITE:
            try:
                out.write(line + "\n")
                out.flush()
            except (BrokenPipeError, ValueError):
                closed = True


def run(logger, command):
    """Run `command`, its output as JSON lines on ours; → its exit status. Signals that stop
    us (TERM, INT, HUP) are passed on; it gets SIGTERM if we die (PR_SET_PDEATHSIG)."""
    from louage.core.child import die_with_parent

    child = subprocess.Popen(  # noqa: S603 - the operator's own command
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=die_with_parent
    )
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda number, _frame: child.send_signal(number))
    readers = [
        threading.Thread(target=_copy, args=(child.stdout, sys.stdout, logger, "INFO")),
        threading.Thread(target=_copy, args=(child.stderr, sys.stdout, logger, "WARNING")),
    ]
    for reader in readers:
        reader.start()
    status = child.wait()
    for reader in readers:
        reader.join()
    return status if status >= 0 else 128 - status


def main(argv):
    """python -m louage.core.logs NAME -- COMMAND [ARGS...]: JSON lines when JSON is wanted,
    else the command as it is."""
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: python -m louage.core.logs NAME -- COMMAND [ARGS...]")
    logger, command = argv[0], argv[2:]
    if not json_wanted():
        os.execvp(command[0], command)  # noqa: S606 - the operator's own command
    sys.exit(run(logger, command))


if __name__ == "__main__":
    main(sys.argv[1:])
