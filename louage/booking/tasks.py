from django_tasks import task

from louage.core import clock

from .models import Reservation, ReservationStatus


@task()
def expire_reservation(reservation_id):
    """Scheduled at booking time to run when the hold ends."""
    from .services import expire_stale_holds

    reservation = Reservation.objects.filter(
        pk=reservation_id, status=ReservationStatus.PENDING
    ).first()
    if reservation is None or reservation.expires_at > clock.now():
        return 0
    return expire_stale_holds(trip=reservation.trip)


@task()
def sweep_expired_holds():
    """Catch-all: expire every stale hold (run periodically by `manage.py sweep_holds`)."""
    from .services import expire_stale_holds

    return expire_stale_holds()


@task()
def remind_hold_expiring(reservation_id):
    """A few minutes before a hold ends, remind the traveller to pay (if still unpaid): an
    internal event, which the notifications turn into a reminder."""
    from django.db import transaction

    from .event_data import record_reservation_event

    reservation = Reservation.objects.filter(
        pk=reservation_id, status=ReservationStatus.PENDING
    ).first()
    if reservation is None or reservation.expires_at <= clock.now():
        return False
    with transaction.atomic():
        record_reservation_event("reservation.expiring", reservation)
    return True
