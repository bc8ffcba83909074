"""What a payment's domain events carry (louage.core.events)."""

from louage.core import events
from louage.core.times import api_time

from .models import Payment


def payment_data(payment):
    payment = Payment.objects.select_related("reservation__trip").get(pk=payment.pk)
    return {
        "id": payment.pk,
        "reservation_id": payment.reservation_id,
        "trip_id": payment.reservation.trip_id,
        "station_id": payment.reservation.trip.origin_id,
        "amount": payment.amount,
        "method": payment.method,
        "status": payment.status,
        "refunded_amount": payment.refunded_amount,
        "paid_at": api_time(payment.paid_at),
        "refunded_at": api_time(payment.refunded_at),
    }


def record_payment_event(event_type, payment, **extra):
    data = payment_data(payment)
    events.record(event_type, data={**data, **extra}, station_id=data["station_id"],
                  subject=f"payment:{payment.pk}")  # fmt: skip
