"""Online payments: start one, receive the provider's callback, cancel a payment (refund).

A callback changes something only once: the payment leaves `pending` through a conditional
UPDATE, so duplicates, replays and late arrivals find nothing to change. Forged, unknown or
wrong-amount callbacks change nothing and are logged."""

import logging
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from louage.booking import services as booking
from louage.booking.errors import HoldExpired, TripNotBookable
from louage.booking.models import ReservationStatus
from louage.core import clock
from louage.core.audit import audit
from louage.core.errors import Conflict, InvalidTransition, NotAllowed, NotFound
from louage.trips.models import Trip

from .event_data import record_payment_event
from .models import Payment, PaymentStatus
from .providers import ForgedCallback, get_provider

logger = logging.getLogger("louage.payments")


def start_online_payment(*, reservation, by):
    """Open a payment with the configured provider for a pending reservation of `by`, while
    its hold lasts (a hold never lasts past booking close). A retried API request does not
    open a second one: its Idempotency-Key replays the first answer (core.idempotency)."""
    if reservation.client_id != by.pk:
        raise NotAllowed()
    # A departure sent early, cancelled or closed to online booking takes no payment.
    booking.check_bookable(Trip.objects.get(pk=reservation.trip_id), clock.now())
    if reservation.status != ReservationStatus.PENDING or reservation.expires_at <= clock.now():
        raise InvalidTransition(
            _("Seule une réservation en attente, dans son délai, se paie en ligne.")
        )
    provider = get_provider()
    payment = Payment(
        reservation=reservation, client=by, amount=reservation.total_price, method=provider.name,
        status=PaymentStatus.PENDING, idempotency_key=f"online:{secrets.token_hex(16)}",
    )  # fmt: skip
    reference, redirect_url = provider.start(payment=payment, reservation=reservation)
    payment.provider_reference = reference
    payment.save()
    payment.redirect_url = redirect_url
    audit(
        actor=by,
        action="payment.started",
        obj=payment,
        station_id=reservation.trip.origin_id,
        provider=provider.name,
    )
    return payment


def link_expired(payment):
    """A hosted payment page's link is good for PAYMENT_LINK_MINUTES after the payment started."""
    from django.conf import settings

    return payment.created_at + timedelta(minutes=settings.PAYMENT_LINK_MINUTES) <= clock.now()


def redirect_url_of(payment, request=None):
    """Where to send the traveller to pay. The in-app sandbox page is addressed on the host the
    request came in on; a real gateway's page is the URL it gave us."""
    provider = get_provider(payment.method)
    if provider.name == "sandbox":
        from django.conf import settings
        from django.urls import reverse

        path = reverse("payments:sandbox_page", args=[payment.provider_reference])
        return request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path
    return getattr(payment, "redirect_url", "")


def handle_callback(*, provider_name, body=b"", headers=None, query=None):
    """Apply a provider callback. Returns the payment (unchanged when the callback is a
    duplicate). Raises ForgedCallback, NotFound or Conflict for callbacks to ignore."""
    provider = get_provider(provider_name)
    try:
        result = provider.verify_callback(body=body, headers=headers or {}, query=query or {})
    except ForgedCallback as exc:
        logger.warning("forged %s callback refused: %s", provider_name, exc)
        raise
    payment = Payment.objects.filter(
        provider_reference=result.reference, method=provider.name
    ).first()
    if payment is None:
        logger.warning("%s callback for an unknown reference %s", provider_name, result.reference)
        raise NotFound(_("Paiement inconnu."), code="unknown_payment")
    if result.amount != payment.amount:
        logger.warning(
            "%s callback amount %s differs from %s for payment %s",
            provider_name,
            result.amount,
            payment.amount,
            payment.pk,
        )
        raise Conflict(_("Le montant ne correspond pas au paiement."), code="amount_mismatch")
    now = clock.now()
    if result.status == "pending":
        return payment
    if not result.succeeded:
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED
        )
        payment.refresh_from_db()
        return payment
    try:
        with transaction.atomic():
            changed = Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
                status=PaymentStatus.SUCCEEDED, paid_at=now, card_last4=result.card_last4
            )
            if changed:
                record_payment_event("payment.succeeded", payment)
    except IntegrityError:
        # Another payment of this reservation already succeeded: this one is refunded at once.
        changed = 0
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED, card_last4=result.card_last4
        )
        logger.warning(
            "second successful payment for reservation %s: refunding", payment.reservation_id
        )
        provider.refund(payment=payment)
    if not changed:
        logger.info(
            "duplicate or late %s callback for payment %s ignored", provider_name, payment.pk
        )
        payment.refresh_from_db()
        return payment
    payment.refresh_from_db()
    try:
        booking.confirm_reservation(reservation=payment.reservation, payment=payment)
    except (HoldExpired, InvalidTransition, TripNotBookable) as exc:
        # The hold ran out, the reservation was cancelled or its departure left or was
        # cancelled: the money goes back at once and the traveller is told.
        _refund_unusable(payment, provider, reason=exc.code)
    payment.refresh_from_db()
    return payment


def _refund_unusable(payment, provider, reason=""):
    with transaction.atomic():
        changed = Payment.objects.filter(pk=payment.pk, status=PaymentStatus.SUCCEEDED).update(
            status=PaymentStatus.REFUNDED, refunded_at=clock.now(), refunded_amount=payment.amount
        )
        if changed:
            audit(actor=None, action="payment.refunded_late", obj=payment,
                  station_id=payment.reservation.trip.origin_id, reason=reason)  # fmt: skip
            # late: the traveller hears that the money went back (hold over, reservation
            # cancelled, departure gone), as for any cancelled reservation with a refund.
            record_payment_event("payment.refunded", payment, late=True)
    if changed:
        provider.refund(payment=payment)


def request_refund(*, payment, by):
    """Cancel a payment: refund it and cancel its reservation (freeing the seats). The client
    while booking's rule allows (selectors.online_cancel_open), the chief of the station and
    admins always."""
    if payment.status != PaymentStatus.SUCCEEDED:
        raise InvalidTransition(
            _("Ce paiement n'est pas remboursable (déjà remboursé ou non abouti)."),
            code="already_refunded",
        )
    # The cancellation refunds the payment (through its provider for an online one).
    booking.cancel_reservation(reservation=payment.reservation, by=by, reason="payment refund")
    payment.refresh_from_db()
    return payment
