from django import template
from django.conf import settings

from louage.booking.selectors import refund_deadline
from louage.booking.services import MAX_SEATS, booking_close
from louage.core import clock

register = template.Library()


@register.filter
def seat_choices(trip):
    """1 … min(8, free seats): what the reserve box offers for this departure."""
    return range(1, min(MAX_SEATS, max(trip.seats_available, 0)) + 1)


@register.simple_tag
def hold_minutes():
    return settings.HOLD_MINUTES


@register.simple_tag
def booking_closes_at(trip):
    return booking_close(trip)


@register.simple_tag
def refund_deadline_of(trip):
    """Until when a seat booked now can be cancelled and refunded online; None when that
    moment has already passed (never show a deadline in the past) or has no hour."""
    deadline = refund_deadline(trip)
    return deadline if deadline is not None and deadline > clock.now() else None


@register.simple_tag
def refund_cutoff_minutes():
    return settings.REFUND_CUTOFF_MINUTES


@register.simple_tag(takes_context=True)
def booking_intent(context):
    """The seats a visitor chose before logging in ({"trip", "seats"}), with the trip."""
    from louage.trips.selectors import public_trip

    request = context.get("request")
    intent = request.session.get("booking_intent") if request is not None else None
    if not isinstance(intent, dict):
        return None
    trip = public_trip(intent.get("trip")) if isinstance(intent.get("trip"), int) else None
    if trip is None:
        return None
    return {"trip": trip, "seats": intent.get("seats")}
