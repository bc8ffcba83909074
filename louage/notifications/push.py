"""Web Push delivery: the payload encrypted to the browser's keys (RFC 8291, `aes128gcm`,
pywebpush's encoder), a VAPID token signed with the site's key (RFC 8292, py_vapid), and one
POST to the push service. Sent through the webhooks' guarded transport, so a subscription
cannot make the worker reach an internal address."""

import json
import logging
import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPusher

from louage.webhooks.network import ForbiddenAddress, check_url
from louage.webhooks.services import GuardedTransport

logger = logging.getLogger("louage.notifications")
TIMEOUT_SECONDS = 10
GONE = (404, 410)  # the browser unsubscribed or the subscription expired: forget it


class PushGone(Exception):
    pass


def check_endpoint(url):
    """A push service's address: https (http only where private addresses are allowed, in
    tests), resolving to a public address; ForbiddenAddress otherwise."""
    if urlsplit(url).scheme != "https" and not settings.WEBHOOKS_ALLOW_PRIVATE:
        raise ForbiddenAddress("push services are reached over https")
    check_url(url)


def vapid_headers(endpoint):
    parts = urlsplit(endpoint)
    claims = {
        "sub": settings.WEBPUSH_CONTACT,
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + 12 * 3600,
    }
    return Vapid.from_string(settings.WEBPUSH_VAPID_PRIVATE_KEY).sign(claims)


def send(subscription, message):
    """POST one encrypted message; True when the push service took it, PushGone for a
    subscription that no longer exists, False for any other failure (logged)."""
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        check_endpoint(subscription.endpoint)
        body = WebPusher(info).encode(
            json.dumps(message, ensure_ascii=False).encode(), content_encoding="aes128gcm"
        )["body"]
    except (ForbiddenAddress, ValueError, TypeError) as exc:
        logger.warning("push subscription %s refused: %s", subscription.pk, exc)
        return False
    headers = {
        **vapid_headers(subscription.endpoint),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(settings.WEBPUSH_TTL_SECONDS),
        "Urgency": "normal",
    }
    try:
        with httpx.Client(transport=GuardedTransport(), timeout=TIMEOUT_SECONDS,
                          follow_redirects=False) as http:  # fmt: skip
            response = http.post(subscription.endpoint, content=body, headers=headers)
    except (httpx.HTTPError, ForbiddenAddress) as exc:
        logger.warning("push to subscription %s failed: %s", subscription.pk, exc)
        return False
    if response.status_code in GONE:
        raise PushGone(response.status_code)
    if not 200 <= response.status_code < 300:
        logger.warning("push service answered %s for subscription %s", response.status_code,
                       subscription.pk)  # fmt: skip
        return False
    return True
