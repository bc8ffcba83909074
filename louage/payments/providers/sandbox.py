"""The sandbox card gateway: lives inside the app (development and demo), behaves like a real
one — hosted payment page, HMAC-signed callback to the webhook, redirect back."""

import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.urls import reverse

from . import CallbackResult, ForgedCallback, PaymentProvider

SIGNATURE_HEADER = "X-Louage-Signature"
APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


def sign(body: bytes, secret=None) -> str:
    secret = secret or settings.PAYMENTS_WEBHOOK_SECRET
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_by_us(signature, body):
    """Signed with the current secret, or one of before a key rotation (a callback in flight)."""
    secrets_ = [settings.PAYMENTS_WEBHOOK_SECRET, *settings.PAYMENTS_WEBHOOK_SECRET_FALLBACKS]
    return any(hmac.compare_digest(signature, sign(body, secret)) for secret in secrets_)


def luhn_ok(number):
    digits = [int(d) for d in number]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def callback_body(*, reference, card_number, amount):
    """What the gateway posts to the webhook once the card is charged or declined."""
    approved = card_number == APPROVED_CARD
    payload = {
        "reference": reference,
        "status": "succeeded" if approved else "declined",
        "amount": amount,
        "card_last4": card_number[-4:],
    }
    return json.dumps(payload, sort_keys=True).encode()


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def enabled(self):
        return settings.PAYMENTS_SANDBOX_ENABLED

    def start(self, *, payment, reservation):
        reference = f"sbx_{secrets.token_hex(12)}"
        return reference, settings.SITE_URL + reverse("payments:sandbox_page", args=[reference])

    def verify_callback(self, *, body, headers, query):
        signature = headers.get(SIGNATURE_HEADER, "")
        if not signature or not signed_by_us(signature, body):
            raise ForgedCallback("bad signature")
        try:
            data = json.loads(body)
            return CallbackResult(
                reference=str(data["reference"]),
                status="succeeded" if data["status"] == "succeeded" else "failed",
                amount=int(data["amount"]),
                card_last4=str(data.get("card_last4", ""))[-4:],
            )
        except (ValueError, KeyError, TypeError):
            raise ForgedCallback("malformed body") from None

    def refund(self, *, payment):
        return True  # the sandbox has no money to move
