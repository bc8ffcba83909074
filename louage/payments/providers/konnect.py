"""Konnect (Tunisian payment gateway) adapter.

Flow: init-payment (amount in millimes) → redirect to `payUrl` → Konnect calls our webhook
with `payment_ref` → we fetch the payment from Konnect and trust only what it says there
(status "completed" and the expected amount)."""

import logging

import httpx
from django.conf import settings
from django.urls import reverse

from louage.core import clock

from . import CallbackResult, ForgedCallback, PaymentProvider, ProviderUnavailable

logger = logging.getLogger("louage.payments")


class KonnectProvider(PaymentProvider):
    name = "konnect"

    def enabled(self):
        return bool(settings.KONNECT_API_KEY and settings.KONNECT_WALLET_ID)

    def _client(self):
        return httpx.Client(
            base_url=settings.KONNECT_BASE_URL.rstrip("/"),
            headers={"x-api-key": settings.KONNECT_API_KEY},
            timeout=15,
        )

    def start(self, *, payment, reservation):
        client = reservation.client
        body = {
            "receiverWalletId": settings.KONNECT_WALLET_ID,
            "token": "TND",
            "amount": payment.amount,
            "type": "immediate",
            "description": f"Louage {reservation.code}",
            "acceptedPaymentMethods": ["bank_card", "e-DINAR", "wallet"],
            # The payment page closes with the hold (never after booking closes).
            "lifespan": max(1, int((reservation.expires_at - clock.now()).total_seconds() // 60)),
            "checkoutForm": False,
            "addPaymentFeesToAmount": False,
            "firstName": client.first_name if client else "",
            "lastName": client.last_name if client else "",
            "phoneNumber": (client.phone if client else "").replace("+216", ""),
            "email": client.email if client else "",
            "orderId": reservation.code,
            "webhook": settings.SITE_URL + reverse("api:payment_webhook", args=["konnect"]),
            "silentWebhook": True,
            "successUrl": settings.SITE_URL + reverse("booking:detail", args=[reservation.pk]),
            "failUrl": settings.SITE_URL + reverse("booking:detail", args=[reservation.pk]),
            "theme": "light",
        }
        try:
            with self._client() as http:
                response = http.post("/payments/init-payment", json=body)
                response.raise_for_status()
                data = response.json()
            return str(data["paymentRef"]), str(data["payUrl"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            logger.warning("konnect init-payment failed: %s", exc)
            raise ProviderUnavailable("Konnect did not accept the payment") from exc

    def verify_callback(self, *, body, headers, query):
        reference = (query.get("payment_ref") or "").strip()
        if not reference or len(reference) > 100:
            raise ForgedCallback("missing payment_ref")
        try:
            with self._client() as http:
                response = http.get(f"/payments/{reference}")
            if response.status_code == 404:
                raise ForgedCallback("unknown payment_ref at Konnect")
            response.raise_for_status()
            payment = response.json()["payment"]
            status = {"completed": "succeeded", "pending": "pending"}.get(
                payment.get("status"), "failed"
            )
            return CallbackResult(
                reference=reference,
                status=status,
                amount=int(payment.get("amount", 0)),
            )
        except (httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            logger.warning("konnect payment lookup failed for %s: %s", reference, exc)
            raise ProviderUnavailable("Konnect could not confirm the payment") from exc

    def refund(self, *, payment):
        # Konnect's public API has no refund call: the refund is recorded here and made from
        # the Konnect dashboard; this line is what the accounts team follows.
        logger.warning(
            "konnect refund to make by hand: reference %s, %s millimes",
            payment.provider_reference,
            payment.amount,
        )
        return False
