"""Demo figures for the dashboards: three months of page views and visitors, accounts that
joined over several months, and the cancellations, refunds and expired holds a real month
has. Idempotent: nothing happens when visit counts already exist."""

import random
from datetime import timedelta

from django.db import transaction

from louage.accounts.models import Role, User
from louage.booking.models import Reservation, ReservationStatus
from louage.core import clock
from louage.payments.models import Payment, PaymentMethod, PaymentStatus
from louage.trips.models import Trip, TripStatus

from . import sales
from .models import DailyPageViews, DailyVisitors
from .periods import TUNIS

# page → share of page views
PAGES = {
    "home": 30, "trips:search": 25, "trips:detail": 20, "stations:list": 6,
    "stations:detail": 5, "booking:mine": 5, "account_login": 4, "booking:detail": 3,
    "account_signup": 2,
}  # fmt: skip
DAYS = 90


@transaction.atomic
def seed_reporting(stdout=None):
    if not DailyPageViews.objects.exists():
        _seed_history(stdout)
    # The demo's older bookings were written directly: their departures' sales are computed
    # here (idempotent), as the events do for everything made through the services.
    sales.rebuild()


def _seed_history(stdout):
    rng = random.Random(9)
    today = clock.now().astimezone(TUNIS).date()
    views, visitors = [], []
    for age in range(DAYS, -1, -1):
        day = today - timedelta(days=age)
        weekend = day.weekday() >= 5
        people = int((120 + (DAYS - age) * 1.5) * (1.3 if weekend else 1) * rng.uniform(0.85, 1.15))
        visitors.append(DailyVisitors(day=day, visitors=people))
        for page, share in PAGES.items():
            views.append(
                DailyPageViews(
                    day=day, page=page, views=int(people * share / 25 * rng.uniform(0.8, 1.2))
                )
            )
    DailyVisitors.objects.bulk_create(visitors)
    DailyPageViews.objects.bulk_create(views)
    _spread_sign_ups(rng, today)
    _seed_cancellations(rng)
    if stdout:
        stdout.write(f"Reports: {len(visitors)} days of visits.")


def _spread_sign_ups(rng, today):
    """The demo accounts joined over the last months, not all at once."""
    for user in User.objects.filter(email__endswith="@louage.tn").exclude(role=Role.ADMIN):
        joined = clock.now() - timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 23))
        User.objects.filter(pk=user.pk).update(date_joined=joined)


def _seed_cancellations(rng):
    """Past departures also had holds that expired, travellers who cancelled and were
    refunded, and a few departures cancelled before any sale."""
    now = clock.now()
    past = list(
        Trip.objects.filter(status=TripStatus.DEPARTED, departure__lt=now)
        .select_related("origin__chief")
        .order_by("departure")[:400]
    )
    if not past:
        return
    for index, trip in enumerate(rng.sample(past, min(60, len(past)))):
        created = trip.departure - timedelta(hours=rng.randint(2, 30))
        if index % 3:
            Reservation.objects.create(
                code=f"DX{trip.pk:06d}{index:02d}"[:12], trip=trip, passenger_name="Hold demo",
                seats=1, total_price=trip.price, status=ReservationStatus.EXPIRED,
                expires_at=created + timedelta(minutes=10), expired_at=created + timedelta(minutes=10),
            )  # fmt: skip
            continue
        reservation = Reservation.objects.create(
            code=f"DC{trip.pk:06d}{index:02d}"[:12], trip=trip, passenger_name="Annulation demo",
            seats=2, total_price=2 * trip.price, status=ReservationStatus.CANCELLED,
            confirmed_at=created, cancelled_at=created + timedelta(hours=1),
        )  # fmt: skip
        Payment.objects.create(
            reservation=reservation, amount=reservation.total_price, method=PaymentMethod.CASH,
            status=PaymentStatus.REFUNDED, paid_at=created, refunded_at=created + timedelta(hours=1),
            refunded_amount=reservation.total_price, recorded_by=trip.origin.chief,
            idempotency_key=f"demo-refund:{reservation.pk}",
        )  # fmt: skip
    unsold = [t.pk for t in past if not t.reservations.exists()][:8]
    Trip.objects.filter(pk__in=unsold).update(
        status=TripStatus.CANCELLED, cancelled_at=now, departed_at=None
    )
