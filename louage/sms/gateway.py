"""The SMS gateway: Kannel's smsbox over HTTP (`/cgi-bin/sendsms`), or the console.

Every Kannel request asks for delivery reports (`dlr-mask`) and gives the address they come
back to (`dlr-url`, with the message's own unguessable token and Kannel's `%d` report type).
"""

import logging
import sys
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.urls import reverse

logger = logging.getLogger("louage.sms")

# Delivered (1), undeliverable (2), buffered at the SMS centre (4), accepted by it (8),
# rejected by it (16).
DLR_MASK = 31


class GatewayError(Exception):
    """The gateway did not take the message (down, refused, timed out): try again later."""


def dlr_url(token):
    return f"{settings.SITE_URL}{reverse('sms:dlr', args=[token])}?type=%d"


def send(message):
    """Hand one SmsMessage to the gateway; raises GatewayError when it does not take it."""
    backend = settings.SMS_BACKEND
    if backend == "kannel":
        _send_kannel(message)
    elif backend == "console":
        coding = "UCS-2" if message.ucs2 else "GSM-7"
        sys.stdout.write(
            f"SMS to {message.to} ({coding}, segments: {message.segments}):\n{message.text}\n"
            + "-" * 79 + "\n"
        )  # fmt: skip
        sys.stdout.flush()
    else:
        raise GatewayError(f"SMS_BACKEND is {backend or 'off'}")


def _send_kannel(message):
    params = {
        "username": settings.KANNEL_USERNAME,
        "password": settings.KANNEL_PASSWORD,
        "to": message.to,
        "text": message.text,
        "charset": "utf-8",
        "coding": "2" if message.ucs2 else "0",
        "dlr-mask": str(DLR_MASK),
        "dlr-url": dlr_url(message.dlr_token),
    }
    if settings.KANNEL_FROM:
        params["from"] = settings.KANNEL_FROM
    url = f"{settings.KANNEL_SENDSMS_URL}?{urllib.parse.urlencode(params)}"
    try:
        # The URL is the operator's smsbox, from the settings, never from a request.
        with urllib.request.urlopen(url, timeout=settings.KANNEL_TIMEOUT) as response:  # noqa: S310
            answer = response.read(500).decode("utf-8", "replace").strip()
            status = response.status
    except urllib.error.HTTPError as exc:
        answer = exc.read(500).decode("utf-8", "replace").strip()
        raise GatewayError(f"Kannel answered {exc.code}: {answer}") from None
    except (OSError, ValueError) as exc:  # refused, timed out, bad URL
        raise GatewayError(f"Kannel unreachable: {exc}") from None
    if not 200 <= status < 300:
        raise GatewayError(f"Kannel answered {status}: {answer}")
    logger.info("SMS %s accepted by Kannel (%s)", message.pk, answer)
