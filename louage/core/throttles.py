"""Rate limits that stop abuse without stopping the honest people behind one address.

A station's desk, a café's Wi-Fi and a mobile operator's carrier-grade NAT put hundreds of
travellers behind one IP address, so:

- failures are counted, not successes: failed logins per account and per address (allauth's
  `login_failed`, shared by the web form and `POST /auth/token`), failed refresh and social
  tokens per address; a spent address budget refuses failures only, so a correct password or
  a valid token still goes through where others failed;
- actions are counted per account: seat holds, payments;
- only anonymous API traffic is counted per address (with a high ceiling); a request that
  carries a valid access token is counted per account instead.

Counters are fixed windows in the shared cache (disk cache or Redis), incremented atomically
(django-ratelimit); a refusal carries the seconds until the window ends, sent as Retry-After.
A cache outage lets traffic through (RATELIMIT_FAIL_OPEN): bookings never stop for it.
"""

import functools
import ipaddress
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import _split_rate, get_usage
from ninja.throttling import BaseThrottle

from .errors import RateLimited
from .net import client_ip

logger = logging.getLogger("louage.cache")


def address_key(request):
    """The caller's address; an IPv6 caller's /64 (one subscriber's whole prefix)."""
    ip = client_ip(request)
    if ":" not in ip:
        return ip  # IPv4 (or not an address): itself, without parsing it on every request
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return ip


def account_key(user):
    return f"user:{user.pk}"


def per(spec):
    """ "60/h/ip,5/h/key" → {"ip": "60/h", "key": "5/h"}; a rate with no suffix is per address."""
    rates = {}
    for part in (spec or "").split(","):
        pieces = part.strip().split("/")
        if len(pieces) >= 2:
            rates[pieces[2] if len(pieces) > 2 else "ip"] = "/".join(pieces[:2])
    return rates


def _usage(request, group, rate, key, *, increment):
    if not rate:
        return None
    try:
        return get_usage(
            request, group=group, key=lambda _g, _r: key, rate=rate, increment=increment
        )
    except Exception:  # the counters' cache is away: limits loosen, requests go on
        logger.warning("rate limit %s not counted: cache unavailable", group, exc_info=True)
        return None


def _refuse(usage):
    raise RateLimited(retry_after=usage["time_left"] if usage["time_left"] > 0 else 1)


def take(request, group, rate, key):
    """Count one action under `key`; RateLimited once more than `rate` were taken."""
    usage = _usage(request, group, rate, key, increment=True)
    if usage and usage["should_limit"]:
        _refuse(usage)


class failures_counted:  # noqa: N801 (used as a context manager, reads as a sentence)
    """`with failures_counted(request, group, rate, key):` counts one failure when the block
    raises a 401 or 403 DomainError, and answers RateLimited instead once more than `rate`
    failures were counted. Only failures are refused: a valid token behind an address that
    others' failures spent (a carrier's NAT) still goes through."""

    def __init__(self, request, group, rate, key):
        self.args = (request, group, rate, key)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None and getattr(exc, "status", None) in (401, 403):
            take(*self.args)
        return False


def bearer_account_id(request):
    """The account id of a valid access token on the request (signature and expiry only: no
    query), or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    from ninja_jwt.exceptions import TokenError
    from ninja_jwt.tokens import AccessToken

    try:
        return AccessToken(token.strip()).get("user_id")
    except (TokenError, ValueError, TypeError):
        return None


# ApiTraffic's counters reach the shared cache in steps, not one write per request: on one
# machine the shared cache is SQLite files, and every request of an address wrote the same
# counter, so the workers queued on one file's lock (a cached search spent a fifth of its CPU
# there, and more waiting). Far from the ceiling a worker adds up to TALLY_STEP requests at
# once; the step shrinks as the count nears the ceiling, down to every request, so a flood is
# stopped at the ceiling give or take a few requests per worker.
TALLY_STEP = 32
TALLY_SLACK = 16  # the step is at most a sixteenth of what is left under the ceiling
_tallies = {}  # counter name → [requests not yet sent, shared count last seen]
_tallies_window = [0]
_tallies_lock = threading.Lock()


def forget_tallies():
    """Drop this worker's unsent counts (the shared counters were cleared: tests)."""
    with _tallies_lock:
        _tallies.clear()


@functools.lru_cache(maxsize=16)
def _parsed_rate(rate):
    return _split_rate(rate)


def tallied_usage(key, rate):
    """Count one request under `key` against `rate` (fixed windows), sending the count to the
    shared cache in steps; the usage dict of django-ratelimit's get_usage, or None."""
    if not rate:
        return None
    limit, period = _parsed_rate(rate)
    now = time.time()
    window_end = int(now // period + 1) * period
    name = f"louage:api-traffic:{period}:{window_end}:{key}"
    with _tallies_lock:
        if _tallies_window[0] != window_end:
            _tallies.clear()  # the windows that ended: their counts no longer matter
            _tallies_window[0] = window_end
        tally = _tallies.setdefault(name, [0, 0])
        tally[0] += 1
        unsent, seen = tally
        step = max(1, min(TALLY_STEP, (limit - seen) // TALLY_SLACK))
        if unsent >= step:
            tally[0] = 0
    if unsent >= step:
        try:
            if cache.add(name, unsent, timeout=period + 5):
                seen = unsent
            else:
                seen = cache.incr(name, unsent)
        except Exception:  # the counters' cache is away: limits loosen, requests go on
            logger.warning("rate limit api-traffic not counted: cache unavailable", exc_info=True)
            return None
        if not isinstance(seen, int):  # the same, from a cache that hides its errors (Redis)
            logger.warning("rate limit api-traffic not counted: cache unavailable")
            return None
        with _tallies_lock:
            if name in _tallies:
                _tallies[name][1] = seen
        count = seen
    else:
        count = seen + unsent
    return {"count": count, "limit": limit, "should_limit": count > limit,
            "time_left": int(window_end - now)}  # fmt: skip


class ApiTraffic(BaseThrottle):
    """Every API operation: anonymous callers per address, token holders per account, both at
    RATE_API_ANONYMOUS (a ceiling for floods, far above what one person does)."""

    def allow_request(self, request):
        account = getattr(request, "auth", None)
        account_id = account.pk if account is not None else bearer_account_id(request)
        key = f"user:{account_id}" if account_id else f"ip:{address_key(request)}"
        self.usage = tallied_usage(key, settings.API_RATE_ANONYMOUS)
        request.rate_usage = self.usage  # the answer's RateLimit headers (rate_limit_headers)
        return not (self.usage and self.usage["should_limit"])

    def wait(self):
        return max(1, self.usage["time_left"]) if self.usage else None


def rate_limit_headers(request):
    """`RateLimit-Policy` and `RateLimit` (IETF httpapi RateLimit header fields draft) for the
    API traffic limit this request was counted under: quota `q` per window `w` seconds, `r`
    left, `t` seconds until the window ends. Empty when it was not counted."""
    usage = getattr(request, "rate_usage", None)
    if not usage or not usage.get("limit"):
        return {}
    _count, window = _split_rate(settings.API_RATE_ANONYMOUS)
    left = max(0, usage["limit"] - usage["count"])
    return {
        "RateLimit-Policy": f'"api";q={usage["limit"]};w={window}',
        "RateLimit": f'"api";r={left};t={max(0, int(usage["time_left"]))}',
    }
