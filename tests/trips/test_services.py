"""Departure rules, tested on the services themselves."""

from datetime import timedelta

import pytest
from django.db.models import F

from louage.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotFound
from louage.core.models import AuditEntry
from louage.trips import services
from louage.trips.models import RouteDuration, Trip, TripStatus
from tests.factories import AdminFactory, ClientFactory
from tests.network_factories import StationFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def plan(by, vehicle, destination, midday, **extra):
    data = {
        "destination_id": destination.pk,
        "vehicle_id": vehicle.pk,
        "departure": midday + timedelta(hours=3),
        "price": 12_500,
        **extra,
    }
    return services.plan_trip(by=by, **data)


def take_seats(trip, n):
    """What booking does: one conditional UPDATE, never a read-modify-write."""
    return Trip.objects.filter(pk=trip.pk, seats_available__gte=n).update(
        seats_available=F("seats_available") - n
    )


def field_of(excinfo):
    return [e["field"] for e in excinfo.value.errors]


def test_planned_trip_starts_with_every_seat_free_and_is_audited(
    chief_user, vehicle, other_station, midday
):
    trip = plan(chief_user, vehicle, other_station, midday, seats_total=6)
    assert (trip.origin_id, trip.seats_total, trip.seats_available) == (vehicle.station_id, 6, 6)
    assert trip.status == TripStatus.SCHEDULED
    assert AuditEntry.objects.filter(action="trip.planned", object_id=str(trip.pk)).exists()


def test_seats_default_to_the_vehicles(chief_user, station, other_station, midday):
    small = VehicleFactory(station=station, seats=5)
    assert plan(chief_user, small, other_station, midday).seats_total == 5


def test_chiefs_origin_is_forced_to_its_station_whatever_it_sends(
    chief_user, vehicle, other_station, midday
):
    trip = plan(chief_user, vehicle, other_station, midday, origin_id=other_station.pk)
    assert trip.origin_id == vehicle.station_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": 0}, "price"),
        ({"price": -500}, "price"),
        ({"seats_total": 9}, "seats_total"),
        ({"seats_total": 0}, "seats_total"),
        ({"destination_id": 999_999}, "destination_id"),
        ({"vehicle_id": 999_999}, "vehicle_id"),
    ],
)
def test_bad_plan_is_refused_and_nothing_is_written(
    chief_user, vehicle, other_station, midday, change, field
):
    # Bad values are 422; more seats than the vehicle has (409) and unknown ids (404) too
    # are refused with the field named.
    with pytest.raises((InvalidInput, Conflict, NotFound)) as excinfo:
        plan(chief_user, vehicle, other_station, midday, **change)
    assert field_of(excinfo) == [field]
    assert Trip.objects.count() == 0


def test_departure_in_the_past_is_refused(chief_user, vehicle, other_station, midday):
    with pytest.raises(InvalidInput) as excinfo:
        plan(chief_user, vehicle, other_station, midday, departure=midday - timedelta(minutes=1))
    assert field_of(excinfo) == ["departure"]


def test_inactive_vehicle_or_another_stations_vehicle_is_refused(
    chief_user, vehicle, other_station, midday
):
    foreign = VehicleFactory(station=other_station)
    with pytest.raises(NotFound):
        plan(chief_user, foreign, StationFactory(city="Sfax"), midday)
    vehicle.active = False
    vehicle.save()
    with pytest.raises(Conflict):
        plan(chief_user, vehicle, other_station, midday)
    assert Trip.objects.count() == 0


def test_clients_and_chiefs_without_a_station_cannot_plan(vehicle, other_station, midday):
    from tests.factories import ChiefFactory

    for user in (ClientFactory(), ChiefFactory()):
        with pytest.raises(NotAllowed):
            plan(user, vehicle, other_station, midday)


def test_admin_must_name_the_origin(vehicle, other_station, midday):
    admin = AdminFactory()
    with pytest.raises(InvalidInput) as excinfo:
        plan(admin, vehicle, other_station, midday)
    assert field_of(excinfo) == ["origin_id"]
    trip = plan(admin, vehicle, other_station, midday, origin_id=vehicle.station_id)
    assert trip.origin_id == vehicle.station_id


@pytest.mark.parametrize(
    ("minutes", "gap", "allowed"),
    [
        (60, timedelta(hours=1, minutes=59), False),
        (60, timedelta(hours=-1, minutes=-59), False),
        (60, timedelta(0), False),
        (60, timedelta(hours=2), True),
        (60, timedelta(hours=-2), True),
        # A longer route keeps the vehicle away longer: 2 h 30 there, 2 h 30 back.
        (150, timedelta(hours=4), False),
        (150, timedelta(hours=-4), False),
        (150, timedelta(hours=5), True),
    ],
)
def test_a_vehicle_is_away_for_its_routes_duration_there_and_back(
    chief_user, vehicle, other_station, midday, minutes, gap, allowed
):
    RouteDuration.objects.create(
        origin_city=vehicle.station.city, destination_city=other_station.city, minutes=minutes
    )
    first = plan(chief_user, vehicle, other_station, midday, departure=midday + timedelta(hours=8))
    second = {"departure": first.departure + gap}
    if allowed:
        plan(chief_user, vehicle, other_station, midday, **second)
    else:
        with pytest.raises(Conflict) as refused:
            plan(chief_user, vehicle, other_station, midday, **second)
        assert refused.value.code == "vehicle_busy"
        assert Trip.objects.count() == 1


def test_a_cancelled_departure_frees_its_vehicle(chief_user, vehicle, other_station, midday):
    first = plan(chief_user, vehicle, other_station, midday)
    services.cancel_trip(trip=first, by=chief_user)
    plan(chief_user, vehicle, other_station, midday, departure=first.departure)
    assert Trip.objects.count() == 2


def test_moving_a_departure_next_to_another_of_the_same_vehicle_is_refused(
    chief_user, vehicle, other_station, midday
):
    first = plan(chief_user, vehicle, other_station, midday)
    second = plan(
        chief_user, vehicle, other_station, midday, departure=first.departure + timedelta(hours=4)
    )
    with pytest.raises(Conflict):
        services.update_trip(
            trip=second, by=chief_user, departure=first.departure + timedelta(hours=1)
        )
    # Moving a departure by less than two hours from its own old time is fine.
    services.update_trip(
        trip=second, by=chief_user, departure=second.departure + timedelta(hours=1)
    )


def test_seats_total_never_drops_below_the_seats_taken(chief_user, trip):
    assert take_seats(trip, 5) == 1
    with pytest.raises(Conflict) as excinfo:
        services.update_trip(trip=trip, by=chief_user, seats_total=4)
    assert field_of(excinfo) == ["seats_total"]
    trip.refresh_from_db()
    assert (trip.seats_total, trip.seats_available) == (8, 3)
    services.update_trip(trip=trip, by=chief_user, seats_total=5)
    trip.refresh_from_db()
    assert (trip.seats_total, trip.seats_available) == (5, 0)


def test_resizing_keeps_seats_taken_meanwhile(chief_user, trip):
    """The service holds a stale copy; seats taken since still count (one conditional UPDATE)."""
    stale = Trip.objects.get(pk=trip.pk)
    take_seats(trip, 2)
    services.update_trip(trip=stale, by=chief_user, seats_total=6)
    trip.refresh_from_db()
    assert (trip.seats_total, trip.seats_available) == (6, 4)


def test_editing_the_price_of_a_departure_keeps_its_seats(chief_user, trip):
    take_seats(trip, 3)
    services.update_trip(trip=trip, by=chief_user, price=15_000)
    trip.refresh_from_db()
    assert (trip.price, trip.seats_total, trip.seats_available) == (15_000, 8, 5)


def test_resending_the_unchanged_time_of_a_due_departure_is_accepted(chief_user, trip, midday):
    Trip.objects.filter(pk=trip.pk).update(departure=midday - timedelta(minutes=10))
    trip.refresh_from_db()
    services.update_trip(trip=trip, by=chief_user, departure=trip.departure, price=11_000)
    trip.refresh_from_db()
    assert trip.price == 11_000


def test_a_smaller_vehicle_shrinks_the_departure(chief_user, trip, station):
    small = VehicleFactory(station=station, seats=6)
    updated = services.update_trip(trip=trip, by=chief_user, vehicle_id=small.pk)
    assert (updated.vehicle_id, updated.seats_total, updated.seats_available) == (small.pk, 6, 6)


def test_cancelled_or_departed_departures_are_not_edited(chief_user, trip):
    services.mark_departed(trip=trip, by=chief_user)
    with pytest.raises(InvalidTransition):
        services.update_trip(trip=trip, by=chief_user, price=1_000)
    with pytest.raises(InvalidTransition):
        services.cancel_trip(trip=trip, by=chief_user)
    trip.refresh_from_db()
    assert trip.status == TripStatus.DEPARTED and trip.departed_at is not None


def test_cancel_keeps_the_trip_and_calls_the_booking_hook(chief_user, trip, monkeypatch):
    from django.apps import apps

    calls = []
    if apps.is_installed("louage.booking"):
        monkeypatch.setattr(
            "louage.booking.services.cancel_reservations_of_trip",
            lambda *, trip, by: calls.append((trip.pk, trip.status, by.pk)),
        )
    services.cancel_trip(trip=trip, by=chief_user, reason="Panne")
    trip.refresh_from_db()
    assert trip.status == TripStatus.CANCELLED and trip.cancelled_at is not None
    if apps.is_installed("louage.booking"):
        assert calls == [(trip.pk, TripStatus.CANCELLED, chief_user.pk)]
    assert AuditEntry.objects.filter(action="trip.cancelled", object_id=str(trip.pk)).exists()
    with pytest.raises(InvalidTransition):
        services.cancel_trip(trip=trip, by=chief_user)


def test_a_failing_booking_hook_rolls_the_cancellation_back(chief_user, trip, monkeypatch):
    from django.apps import apps

    if not apps.is_installed("louage.booking"):
        pytest.skip("booking is not installed")

    def broken(*, trip, by):
        raise RuntimeError("refund provider down")

    monkeypatch.setattr("louage.booking.services.cancel_reservations_of_trip", broken)
    with pytest.raises(RuntimeError):
        services.cancel_trip(trip=trip, by=chief_user)
    trip.refresh_from_db()
    assert trip.status == TripStatus.SCHEDULED and trip.cancelled_at is None


def test_another_stations_chief_gets_not_found_and_a_client_not_allowed(trip, other_station):
    with pytest.raises(NotFound):
        services.cancel_trip(trip=trip, by=other_station.chief)
    with pytest.raises(NotFound):
        services.update_trip(trip=trip, by=other_station.chief, price=1)
    with pytest.raises(NotAllowed):
        services.mark_departed(trip=trip, by=ClientFactory())
    trip.refresh_from_db()
    assert (trip.status, trip.price) == (TripStatus.SCHEDULED, 12_000)


def test_admin_manages_any_departure(trip):
    admin = AdminFactory()
    services.update_trip(trip=trip, by=admin, price=9_000)
    services.mark_departed(trip=trip, by=admin)
    trip.refresh_from_db()
    assert (trip.price, trip.status) == (9_000, TripStatus.DEPARTED)
