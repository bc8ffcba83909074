"""Counting page views without slowing pages down: a per-process buffer in memory.

A page view costs the request a few dictionary operations; nothing touches the database.
Each process (web worker, runserver) keeps its counts in memory and a background thread
of that process writes them every VISITS_FLUSH_SECONDS in one transaction
(`services.record_visits`), and once more when the process exits (the web server's graceful stop,
worker recycling). A process killed outright loses at most those few seconds of counts.
The default cache is the database, so cache counters would have cost a write per request.

The client address and user agent stay in this memory for those seconds only: the flush
turns them into a keyed hash with the day's salt before anything reaches the database.
"""

import atexit
import logging
import multiprocessing.util
import os
import re
import threading
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, close_old_connections

from louage.core import clock
from louage.core.net import client_ip

from .periods import TUNIS

logger = logging.getLogger("louage.reporting")

# Known robots, crawlers, link previews, monitors and HTTP libraries; an empty user agent too.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|monitor|pingdom|"
    r"uptime|lighthouse|headless|phantomjs|python|curl|wget|httpie|httpx|go-http-client|"
    r"java/|okhttp|libwww|scrapy|axios|node-fetch|postman|insomnia",
    re.IGNORECASE,
)
EXCLUDED_PREFIXES = ("/static/", "/media/", "/api/", "/healthz", "/readyz", "/django-admin/")
# Never let a flood of distinct visitors grow a process's memory without bound.
MAX_PENDING_VISITORS = 50_000


def is_bot(user_agent):
    return not user_agent or bool(BOT_PATTERN.search(user_agent))


def page_name(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return (match.view_name or match.route or "")[:100] or None


def is_page_view(request, response):
    """A human's successful GET of an HTML page (not an htmx fragment, not a prefetch)."""
    if request.method != "GET" or response.status_code != 200:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    if request.path.startswith(EXCLUDED_PREFIXES):
        return False
    if request.headers.get("HX-Request") or "prefetch" in (
        request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    ):
        return False
    return not is_bot(request.headers.get("User-Agent", ""))


class VisitBuffer:
    """Counts of one process since its last flush. Thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._views = Counter()  # (day, page) → page views
        self._visitors = set()  # (day, address, user agent)

    def add(self, day, page, address, user_agent):
        with self._lock:
            self._views[(day, page)] += 1
            if len(self._visitors) < MAX_PENDING_VISITORS:
                self._visitors.add((day, address, user_agent[:512]))

    def take(self):
        with self._lock:
            views, visitors = self._views, self._visitors
            self._views, self._visitors = Counter(), set()
        return views, visitors

    def give_back(self, views, visitors):
        """Counts whose flush failed wait for the next one."""
        with self._lock:
            self._views.update(views)
            room = MAX_PENDING_VISITORS - len(self._visitors)
            self._visitors.update(list(visitors)[: max(room, 0)])

    def __len__(self):
        with self._lock:
            return sum(self._views.values())


buffer = VisitBuffer()
_flusher = {"pid": None, "thread": None, "stop": None}
_background = {"enabled": False}
_flush_lock = threading.Lock()


def record(request):
    """Count this request as a page view of today (Africa/Tunis)."""
    day = clock.now().astimezone(TUNIS).date()
    buffer.add(day, page_name(request), client_ip(request), request.headers.get("User-Agent", ""))
    if _background["enabled"] and _flusher["pid"] != os.getpid():
        _start_flusher()


def flush():
    """Write this process's pending counts to the database; True when something was written.
    A database error keeps the counts for the next flush."""
    from . import services

    with _flush_lock:
        views, visitors = buffer.take()
        if not views:
            return False
        try:
            services.record_visits(views=views, visitors=visitors)
        except DatabaseError:
            logger.exception("could not write %s page views; kept for the next flush", len(views))
            buffer.give_back(views, visitors)
            return False
        return True


def enable_background_flush():
    """Called by the WSGI entry point: real servers flush from a thread in each process.
    (Tests flush explicitly, inside their own transaction.)"""
    _background["enabled"] = settings.VISITS_FLUSH_SECONDS > 0


def _run(stop, interval):
    while not stop.wait(interval):
        try:
            close_old_connections()
            flush()
        except Exception:  # the thread must survive anything and try again next time
            logger.exception("visit flush failed")
        finally:
            close_old_connections()


def _start_flusher():
    stop = threading.Event()
    thread = threading.Thread(
        target=_run, args=(stop, settings.VISITS_FLUSH_SECONDS), name="visit-flush", daemon=True
    )
    _flusher.update(pid=os.getpid(), thread=thread, stop=stop)
    thread.start()
    # A worker started by multiprocessing (granian's) leaves through os._exit, which skips
    # atexit: its finalizers are what still runs.
    multiprocessing.util.Finalize(None, _flush_at_exit, exitpriority=10)


def _flush_at_exit():
    if _flusher["pid"] != os.getpid():
        return
    _flusher["stop"].set()
    try:
        flush()
    except Exception:
        logger.exception("visit flush at exit failed")


def _forget_parent_state():
    # A forked child starts with an empty buffer and no flusher: the parent's counts are the
    # parent's to write.
    global buffer, _flush_lock
    buffer = VisitBuffer()
    _flush_lock = threading.Lock()
    _flusher.update(pid=None, thread=None, stop=None)


atexit.register(_flush_at_exit)
os.register_at_fork(after_in_child=_forget_parent_state)
