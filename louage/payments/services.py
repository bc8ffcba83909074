"""Payment records: cash at the desk now; online providers plug in through the same rows.

Each payment happens once (unique idempotency key, at most one successful payment per
reservation); a refund happens at most once and never exceeds the amount paid (conditional
UPDATE on status, CHECK constraint on the amount)."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from louage.core import clock
from louage.core.audit import audit
from louage.core.errors import InvalidTransition

from .event_data import record_payment_event
from .models import Payment, PaymentMethod, PaymentStatus

logger = logging.getLogger("louage.payments")


@transaction.atomic
def create_cash_payment(*, reservation, by):
    """Record the cash taken at the desk for the reservation's full price."""
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                reservation=reservation,
                client=reservation.client,
                amount=reservation.total_price,
                method=PaymentMethod.CASH,
                status=PaymentStatus.SUCCEEDED,
                paid_at=clock.now(),
                recorded_by=by,
                idempotency_key=f"cash:{reservation.pk}",
            )
    except IntegrityError:
        raise InvalidTransition(
            _("Cette réservation est déjà payée."), code="already_paid"
        ) from None
    # No audit entry of its own: the desk action that took the cash writes one, naming it.
    record_payment_event("payment.succeeded", payment)
    return payment


@transaction.atomic
def refund_payment(*, payment, by):
    """Mark a successful payment refunded for its full amount, once. Cash is handed back at
    the desk; an online payment goes back through its provider once the change is committed,
    whichever path refunds it (cancellation, cancelled departure, refund request)."""
    now = clock.now()
    changed = Payment.objects.filter(pk=payment.pk, status=PaymentStatus.SUCCEEDED).update(
        status=PaymentStatus.REFUNDED, refunded_at=now, refunded_amount=F("amount")
    )
    if not changed:
        raise InvalidTransition(
            _("Ce paiement a déjà été remboursé ou n'a pas abouti."), code="already_refunded"
        )
    payment.refresh_from_db()
    if payment.method != PaymentMethod.CASH:
        transaction.on_commit(lambda: _refund_through_provider(payment))
    audit(actor=by, action="payment.refunded", obj=payment, station_id=payment.reservation.trip.origin_id,
          amount=payment.refunded_amount)  # fmt: skip
    record_payment_event("payment.refunded", payment)
    return payment


def _refund_through_provider(payment):
    # After the commit: a provider that is down must not undo the cancellation nor fail the
    # request; the refund stays recorded and the log says what is left to do by hand.
    from .providers import get_provider

    try:
        get_provider(payment.method).refund(payment=payment)
    except Exception:
        logger.exception(
            "provider refund failed for payment %s (%s %s millimes): refund it by hand",
            payment.pk, payment.method, payment.amount,
        )  # fmt: skip


def refund_reservation_payment(*, reservation, by):
    """Refund the reservation's successful payment if it has one; returns it (or None)."""
    payment = Payment.objects.filter(
        reservation=reservation, status=PaymentStatus.SUCCEEDED
    ).first()
    if payment is None:
        return None
    return refund_payment(payment=payment, by=by)


def cash_close_for(*, station, by, day=None):
    """The cash close of a station for a day (default: today in Tunis): its chief or an admin."""
    from louage.stations.services import check_can_manage_station
    from louage.trips.selectors import local_today

    from .selectors import cash_close

    check_can_manage_station(by, station.pk)
    return cash_close(station, day or local_today())
