"""Webhook signing secrets: made here, shown once, stored encrypted with a key derived from
the installation's secret (a database copy alone cannot sign a forged event).

After a key rotation the secrets encrypted under a key of SECRET_KEY_FALLBACKS still decrypt;
`manage.py reencrypt_webhook_secrets` encrypts them all under the new SECRET_KEY."""

import base64
import hashlib
import hmac
import secrets as random

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

from louage.keys import derive_key

PREFIX = "whsec_"


def new_secret():
    return PREFIX + random.token_urlsafe(32)


def _fernet_of(master):
    key = derive_key(master, "webhooks.secrets")[:32].encode()
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet():
    """Encrypts with the SECRET_KEY's key; decrypts with it or a fallback's."""
    masters = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet_of(master) for master in masters])


def encrypt(secret):
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token):
    return _fernet().decrypt(token.encode()).decode()


def reencrypt(token):
    """The same secret encrypted under the current SECRET_KEY."""
    return _fernet().rotate(token.encode()).decode()


def signature(secret, timestamp, body):
    """`X-Louage-Signature`: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"
