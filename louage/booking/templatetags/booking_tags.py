from django import template
from django.conf import settings

from louage.booking.services import MAX_SEATS

register = template.Library()


@register.filter
def seat_choices(trip):
    """1 … min(8, free seats): what the reserve box offers for this departure."""
    return range(1, min(MAX_SEATS, max(trip.seats_available, 0)) + 1)


@register.simple_tag
def hold_minutes():
    return settings.HOLD_MINUTES
