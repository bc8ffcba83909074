"""Webhook signing secrets: made here, shown once, stored encrypted with a key derived from
the installation's secret (a database copy alone cannot sign a forged event)."""

import base64
import hashlib
import hmac
import secrets as random

from cryptography.fernet import Fernet
from django.conf import settings

from louage.keys import derive_key

PREFIX = "whsec_"


def new_secret():
    return PREFIX + random.token_urlsafe(32)


def _fernet():
    key = derive_key(settings.SECRET_KEY, "webhooks.secrets")[:32].encode()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret):
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token):
    return _fernet().decrypt(token.encode()).decode()


def signature(secret, timestamp, body):
    """`X-Louage-Signature`: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"
