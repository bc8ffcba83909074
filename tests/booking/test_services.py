from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone

from louage.booking import services
from louage.booking.errors import (
    HoldCooldown,
    HoldExpired,
    NotEnoughSeats,
    RefundCutoff,
    TooManyHeldSeats,
    TooManyHolds,
    TripNotBookable,
)
from louage.booking.models import Reservation, ReservationStatus
from louage.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from louage.payments.models import Payment, PaymentStatus
from louage.trips import services as trip_services
from louage.trips.models import Trip
from tests.factories import AdminFactory, ClientFactory
from tests.network_factories import StationFactory

pytestmark = pytest.mark.django_db
S = ReservationStatus


@pytest.fixture
def second_trip(trip):
    from tests.network_factories import TripFactory, VehicleFactory

    vehicle = VehicleFactory(station=trip.origin, plate="77 TU 7777")
    return TripFactory(
        origin=trip.origin, destination=trip.destination, vehicle=vehicle,
        departure=trip.departure + timedelta(hours=3),
    )  # fmt: skip


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr("louage.core.clock.now", fake)
    return fake


def assert_invariant(trip):
    trip.refresh_from_db()
    taken, held = services.seats_consistency(trip)
    assert 0 <= trip.seats_available <= trip.seats_total
    assert taken == held, (taken, held)


def test_reserving_holds_seats_at_the_server_price(trip, client_user, clock):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=3)
    assert reservation.status == S.PENDING
    assert reservation.total_price == 3 * 12_000
    assert reservation.expires_at == clock.now + timedelta(minutes=10)
    assert len(reservation.code) == 8
    trip.refresh_from_db()
    assert trip.seats_available == 5
    assert_invariant(trip)


@pytest.mark.parametrize("seats", [0, 9, -1, "2", None, True])
def test_bad_seat_counts_are_refused_and_change_nothing(trip, client_user, seats):
    with pytest.raises(InvalidInput):
        services.reserve_seats(trip=trip, client=client_user, seats=seats)
    assert not Reservation.objects.exists()
    trip.refresh_from_db()
    assert trip.seats_available == 8


def test_second_booking_of_the_last_seats_is_refused(trip, client_user, clock):
    services.reserve_seats(trip=trip, client=client_user, seats=7)
    with pytest.raises(NotEnoughSeats) as exc:
        services.reserve_seats(trip=trip, client=ClientFactory(), seats=2)
    assert "Il reste 1 place" in exc.value.message
    assert_invariant(trip)


def test_only_clients_book_online(trip, chief_user):
    with pytest.raises(NotAllowed):
        services.reserve_seats(trip=trip, client=chief_user, seats=1)


def test_cancelled_departed_or_imminent_trips_are_not_bookable(trip, client_user, clock):
    Trip.objects.filter(pk=trip.pk).update(departure=clock.now + timedelta(minutes=4))
    with pytest.raises(TripNotBookable):
        services.reserve_seats(trip=trip, client=client_user, seats=1)
    Trip.objects.filter(pk=trip.pk).update(
        departure=clock.now + timedelta(hours=2), status="cancelled"
    )
    with pytest.raises(TripNotBookable):
        services.reserve_seats(trip=trip, client=client_user, seats=1)
    assert not Reservation.objects.exists()


def test_a_client_holds_at_most_three_pending_reservations(trip, client_user, clock):
    for _ in range(3):
        services.reserve_seats(trip=trip, client=client_user, seats=1)
    with pytest.raises(TooManyHolds):
        services.reserve_seats(trip=trip, client=client_user, seats=1)
    services.cancel_reservation(reservation=Reservation.objects.first(), by=client_user)
    services.reserve_seats(trip=trip, client=client_user, seats=1)  # a slot is free again
    assert_invariant(trip)


def test_a_client_holds_at_most_eight_seats_across_departures(
    trip, client_user, clock, second_trip
):
    services.reserve_seats(trip=trip, client=client_user, seats=5)
    with pytest.raises(TooManyHeldSeats) as refused:
        services.reserve_seats(trip=second_trip, client=client_user, seats=4)
    assert "5 places non payées" in refused.value.message
    services.reserve_seats(trip=second_trip, client=client_user, seats=3)
    second_trip.refresh_from_db()
    assert second_trip.seats_available == 5
    assert_invariant(second_trip)


def test_holds_that_keep_expiring_unpaid_bring_a_pause(trip, client_user, clock, settings):
    settings.MAX_PENDING_HOLDS = 5
    for _ in range(3):
        services.reserve_seats(trip=trip, client=client_user, seats=1)
    clock.advance(minutes=11)  # all three ran out unpaid
    with pytest.raises(HoldCooldown) as paused:
        services.reserve_seats(trip=trip, client=client_user, seats=1)
    assert paused.value.status == 429
    assert 0 < paused.value.retry_after <= 30 * 60
    services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)  # others are not paused
    clock.advance(minutes=30)
    services.reserve_seats(trip=trip, client=client_user, seats=1)
    assert_invariant(trip)


def test_an_unconfirmed_address_holds_nothing_when_verification_is_required(
    trip, client_user, settings
):
    settings.BOOKING_REQUIRES_VERIFIED = True
    EmailAddress.objects.filter(user=client_user).update(verified=False)
    with pytest.raises(NotAllowed) as refused:
        services.reserve_seats(trip=trip, client=client_user, seats=1)
    assert refused.value.code == "email_unverified"
    EmailAddress.objects.filter(user=client_user).update(verified=True)
    services.reserve_seats(trip=trip, client=client_user, seats=1)


def test_a_hold_never_outlives_the_booking_close_of_its_departure(trip, client_user, clock):
    Trip.objects.filter(pk=trip.pk).update(departure=clock.now + timedelta(minutes=9))
    trip.refresh_from_db()
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    assert reservation.expires_at == trip.departure - timedelta(minutes=5)
    assert reservation.expires_at == clock.now + timedelta(minutes=4)


def test_stale_holds_expire_on_the_booking_path_without_any_worker(trip, client_user, clock):
    hold = services.reserve_seats(trip=trip, client=client_user, seats=8)
    with pytest.raises(NotEnoughSeats):
        services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)
    clock.advance(minutes=10, seconds=1)
    services.reserve_seats(trip=trip, client=ClientFactory(), seats=2)
    hold.refresh_from_db()
    assert hold.status == S.EXPIRED and hold.expired_at == clock.now
    trip.refresh_from_db()
    assert trip.seats_available == 6
    assert_invariant(trip)


def test_the_sweep_expires_every_stale_hold_on_time(trip, client_user, clock):
    first = services.reserve_seats(trip=trip, client=client_user, seats=2)
    second = services.reserve_seats(trip=trip, client=ClientFactory(), seats=3)
    call_command("sweep_holds")
    first.refresh_from_db()
    assert first.status == S.PENDING  # too early: nothing happens
    clock.advance(minutes=11)
    call_command("sweep_holds")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == S.EXPIRED
    assert_invariant(trip)


def test_expiring_twice_gives_seats_back_once(trip, client_user, clock):
    services.reserve_seats(trip=trip, client=client_user, seats=4)
    clock.advance(minutes=11)
    assert services.expire_stale_holds() == 1
    assert services.expire_stale_holds() == 0
    trip.refresh_from_db()
    assert trip.seats_available == 8


def test_chief_confirms_with_cash_once(trip, client_user, clock):
    chief = trip.origin.chief
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    services.record_cash_payment(reservation=reservation, by=chief)
    reservation.refresh_from_db()
    assert reservation.status == S.CONFIRMED and reservation.confirmed_at == clock.now
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.status, payment.recorded_by) == (
        "cash",
        24_000,
        "succeeded",
        chief,
    )
    assert payment.paid_at == clock.now
    with pytest.raises(InvalidTransition):
        services.record_cash_payment(reservation=reservation, by=chief)
    assert Payment.objects.count() == 1
    assert_invariant(trip)


def test_cash_confirmation_is_for_the_chief_of_the_departure_station(
    trip, client_user, other_station
):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    for outsider in (other_station.chief, client_user, AdminFactory()):
        with pytest.raises(NotAllowed):
            services.record_cash_payment(reservation=reservation, by=outsider)
    reservation.refresh_from_db()
    assert reservation.status == S.PENDING and not Payment.objects.exists()


def test_a_hold_past_its_expiry_cannot_be_confirmed(trip, client_user, clock):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    clock.advance(minutes=11)
    with pytest.raises(HoldExpired):
        services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    reservation.refresh_from_db()
    assert reservation.status == S.EXPIRED and not Payment.objects.exists()
    assert_invariant(trip)


def test_desk_sale_is_confirmed_and_paid_at_once(trip, clock):
    reservation = services.sell_at_desk(
        trip=trip,
        seats=3,
        passenger_name="Hédi Ben Said",
        passenger_phone="98 765 432",
        by=trip.origin.chief,
    )
    assert reservation.status == S.CONFIRMED and reservation.client is None
    assert reservation.passenger_phone == "+21698765432"
    assert Payment.objects.get().amount == 36_000
    with pytest.raises(InvalidInput):
        services.sell_at_desk(trip=trip, seats=1, passenger_name="", by=trip.origin.chief)
    with pytest.raises(NotEnoughSeats):
        services.sell_at_desk(trip=trip, seats=6, passenger_name="X", by=trip.origin.chief)
    assert_invariant(trip)


def test_desk_sale_only_by_the_departure_stations_chief(trip, other_station, client_user):
    for outsider in (other_station.chief, client_user):
        with pytest.raises(NotAllowed):
            services.sell_at_desk(trip=trip, seats=1, passenger_name="X", by=outsider)
    assert not Reservation.objects.exists()


def test_client_cancels_a_pending_hold_and_the_seats_come_back(trip, client_user, clock):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=4)
    services.cancel_reservation(reservation=reservation, by=client_user)
    reservation.refresh_from_db()
    assert reservation.status == S.CANCELLED and reservation.cancelled_by == client_user
    trip.refresh_from_db()
    assert trip.seats_available == 8


def test_cancelling_a_paid_reservation_refunds_it_once(trip, client_user, clock):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    services.cancel_reservation(reservation=reservation, by=client_user)
    payment = Payment.objects.get()
    assert (
        payment.status == PaymentStatus.REFUNDED
        and payment.refunded_amount == payment.amount == 24_000
    )
    with pytest.raises(InvalidTransition):
        services.cancel_reservation(reservation=reservation, by=trip.origin.chief)
    assert Payment.objects.get().refunded_amount == 24_000
    assert_invariant(trip)


def test_client_cannot_cancel_a_paid_reservation_close_to_departure(trip, client_user, clock):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    clock.advance(hours=2, minutes=1)  # the trip leaves 3 hours after booking: 59 minutes left
    with pytest.raises(RefundCutoff):
        services.cancel_reservation(reservation=reservation, by=client_user)
    services.cancel_reservation(reservation=reservation, by=trip.origin.chief)  # the desk still can
    reservation.refresh_from_db()
    assert reservation.status == S.CANCELLED


def test_nobody_else_cancels_a_reservation(trip, client_user, other_station):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    for outsider in (ClientFactory(), other_station.chief):
        with pytest.raises(NotAllowed):
            services.cancel_reservation(reservation=reservation, by=outsider)
    services.cancel_reservation(reservation=reservation, by=AdminFactory())


def test_only_the_allowed_transitions_happen(trip, client_user, clock):
    chief = trip.origin.chief
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    with pytest.raises(InvalidTransition):
        services.board_reservation(reservation=reservation, by=chief)  # pending → boarded
    services.record_cash_payment(reservation=reservation, by=chief)
    services.board_reservation(reservation=reservation, by=chief)
    reservation.refresh_from_db()
    assert reservation.status == S.BOARDED
    with pytest.raises(InvalidTransition):
        services.cancel_reservation(reservation=reservation, by=chief)  # boarded → cancelled
    with pytest.raises(InvalidTransition):
        services.board_reservation(reservation=reservation, by=chief)  # boarded twice
    expired = services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)
    clock.advance(minutes=11)
    services.expire_stale_holds()
    with pytest.raises(InvalidTransition):
        services.cancel_reservation(reservation=Reservation.objects.get(pk=expired.pk), by=chief)
    with pytest.raises(InvalidTransition):
        services.confirm_reservation(reservation=Reservation.objects.get(pk=expired.pk))
    assert_invariant(trip)


def test_cancelling_a_departure_cancels_refunds_and_frees_its_reservations(
    trip, client_user, clock
):
    chief = trip.origin.chief
    paid = services.reserve_seats(trip=trip, client=client_user, seats=2)
    services.record_cash_payment(reservation=paid, by=chief)
    held = services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)
    desk = services.sell_at_desk(trip=trip, seats=1, passenger_name="Walk-in", by=chief)
    trip_services.cancel_trip(trip=trip, by=chief)
    for reservation in (paid, held, desk):
        reservation.refresh_from_db()
        assert reservation.status == S.CANCELLED
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.REFUNDED}
    trip.refresh_from_db()
    assert trip.status == "cancelled" and trip.seats_available == trip.seats_total
    assert Reservation.objects.count() == 3  # nothing is lost


def test_trip_resize_and_bookings_keep_the_invariant(trip, client_user, clock):
    services.reserve_seats(trip=trip, client=client_user, seats=3)
    trip_services.update_trip(trip=trip, by=trip.origin.chief, seats_total=5)
    trip.refresh_from_db()
    assert (trip.seats_total, trip.seats_available) == (5, 2)
    with pytest.raises(Conflict):
        trip_services.update_trip(trip=trip, by=trip.origin.chief, seats_total=2)
    assert_invariant(trip)


def test_codes_are_unique_and_unambiguous(trip, clock):
    codes = {
        services.reserve_seats(trip=trip, client=ClientFactory(), seats=1).code for _ in range(8)
    }
    assert len(codes) == 8
    assert not any(ch in code for code in codes for ch in "01OI")


def test_reservations_of_other_stations_are_unaffected(trip, client_user, clock):
    other_trip = Trip.objects.create(
        origin=trip.destination, destination=StationFactory(name="Mahdia", city="Mahdia"), vehicle=trip.vehicle,
        departure=trip.departure + timedelta(hours=5), price=5000, seats_total=8, seats_available=8,
    )  # fmt: skip
    services.reserve_seats(trip=other_trip, client=client_user, seats=2)
    clock.advance(minutes=11)
    services.reserve_seats(trip=trip, client=ClientFactory(), seats=1)  # touches only its own trip
    assert Reservation.objects.filter(trip=other_trip, status=S.PENDING).count() == 1


def test_stale_holds_found_with_the_limits_count_the_same_expired_or_not(trip, settings):
    """The limits and the departure's stale holds come from one query, before the expiry:
    a hold past its time counts as run out whether the booking has expired it yet or not,
    and the stale holds of other accounts and of a day ago are not the client's."""
    settings.HOLD_COOLDOWN_AFTER_EXPIRED = 2
    client, other = ClientFactory(), ClientFactory()
    now = timezone.now()
    mine = services.reserve_seats(trip=trip, client=client, seats=1)
    theirs = services.reserve_seats(trip=trip, client=other, seats=2)
    old = services.reserve_seats(trip=trip, client=client, seats=1)
    Reservation.objects.filter(pk__in=[mine.pk, theirs.pk]).update(
        expires_at=now - timedelta(minutes=1)
    )
    Reservation.objects.filter(pk=old.pk).update(expires_at=now - timedelta(days=2))
    # One of the client's holds ran out within a day (the older one does not count): a
    # second hold is still allowed, and every stale hold of the departure is expired by it.
    booked = services.reserve_seats(trip=trip, client=client, seats=1)
    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses == {mine.pk: S.EXPIRED, theirs.pk: S.EXPIRED, old.pk: S.EXPIRED,
                        booked.pk: S.PENDING}  # fmt: skip
    assert Trip.objects.get(pk=trip.pk).seats_available == trip.seats_total - 1
    # Its own hold running out too makes two within a day: the pause, and nothing changes.
    Reservation.objects.filter(pk=booked.pk).update(expires_at=now - timedelta(seconds=1))
    with pytest.raises(HoldCooldown):
        services.reserve_seats(trip=trip, client=client, seats=1)
    assert Reservation.objects.get(pk=booked.pk).status == S.PENDING
    assert Trip.objects.get(pk=trip.pk).seats_available == trip.seats_total - 1
    # Another account is not paused by them.
    assert services.reserve_seats(trip=trip, client=other, seats=1).status == S.PENDING
