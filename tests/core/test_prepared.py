"""Hot queries compiled once (louage.core.prepared): the same objects as the ORM gives, for
any arguments, and the ORM itself whenever the compiled form cannot be proved."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from louage.booking.models import Reservation
from louage.core import clock
from louage.core.prepared import Prepared
from louage.trips.durations import with_route_minutes
from louage.trips.models import RouteDuration, Trip
from tests.booking_factories import ReservationFactory
from tests.factories import ClientFactory
from tests.network_factories import TripFactory

pytestmark = pytest.mark.django_db


def _trip_with_stations(trip_id):
    return with_route_minutes(
        Trip.objects.select_related("origin", "destination", "vehicle").filter(pk=trip_id)
    )


def _fields(trip):
    return (
        {f.attname: getattr(trip, f.attname) for f in Trip._meta.concrete_fields},
        trip.origin.name,
        trip.destination.city,
        trip.vehicle.plate,
        trip.route_minutes,
    )


def test_models_with_joins_and_annotations_are_what_the_orm_gives():
    trips = [TripFactory(), TripFactory()]
    RouteDuration.objects.create(
        origin_city=trips[0].origin.city, destination_city=trips[0].destination.city, minutes=95
    )
    prepared = Prepared(_trip_with_stations)
    for trip in trips:
        for _ in range(2):  # planned on the first call, bound on the second
            mine = prepared.first(trip.pk)
            orm = _trip_with_stations(trip.pk).get()
            assert _fields(mine) == _fields(orm)
            assert mine.departure.tzinfo is not None and mine._state.db == "default"
    assert _fields(prepared.first(trips[0].pk))[-1] == 95
    assert prepared.first(10**6) is None
    assert prepared._plans, "the query was not planned"
    with CaptureQueriesContext(connection) as captured:
        prepared.first(trips[1].pk)
    assert len(captured) == 1  # the related rows came with it


def test_every_argument_is_bound_where_it_belongs():
    """Two datetimes and two ids, some used twice: the counts match the ORM's for other
    values than those planned with."""
    now = clock.now()

    def counts(client_id, trip_id, since, until):
        mine = Q(client_id=client_id)
        return (
            Reservation.objects.filter(mine | Q(trip_id=trip_id))
            .order_by()
            .values("status")
            .annotate(
                live=Count("pk", filter=mine & Q(expires_at__gt=until)),
                recent=Count("pk", filter=Q(created_at__gt=since, trip_id=trip_id)),
            )
            .values_list("status", "live", "recent")
            .order_by("status")
        )

    client = ClientFactory()
    first = ReservationFactory(client=client)
    ReservationFactory(trip=first.trip)
    ReservationFactory(client=client, status="expired")
    Reservation.objects.filter(client=client).update(expires_at=now + timedelta(minutes=5))
    prepared = Prepared(counts)
    for args in [
        (client.pk, first.trip_id, now - timedelta(days=1), now),
        (client.pk, first.trip_id, now + timedelta(days=1), now + timedelta(hours=1)),
        (ClientFactory().pk, first.trip_id, now - timedelta(hours=1), now - timedelta(days=2)),
    ]:
        assert prepared.all(*args) == list(counts(*args))
    assert any(plan is not None for plan in prepared._plans.values())


def test_arguments_it_cannot_bind_run_through_the_orm():
    trip = TripFactory()
    prepared = Prepared(_trip_with_stations)
    assert prepared.first(str(trip.pk)).pk == trip.pk  # a string: the ORM converts it
    with pytest.raises(ValueError):
        prepared.first("not a number")  # and refuses it, as before
    # A value transformed on its way into the SQL (LIKE's wildcards): not provable, the ORM.
    by_prefix = Prepared(lambda trip_id: Trip.objects.filter(id__startswith=trip_id))
    assert [t.pk for t in by_prefix.all(trip.pk)] == [trip.pk]
    assert list(by_prefix._plans.values()) == [None]


@pytest.mark.django_db(transaction=True)
def test_a_locking_query_refuses_to_run_outside_a_transaction():
    prepared = Prepared(lambda trip_id: Trip.objects.select_for_update().filter(pk=trip_id))
    trip = TripFactory()
    with transaction.atomic():
        assert prepared.first(trip.pk).pk == trip.pk
    assert connection.get_autocommit()
    with pytest.raises(TransactionManagementError):
        prepared.first(trip.pk)


def test_an_update_changes_what_the_orm_would_and_says_how_many_rows():
    from django.db.models import F

    from louage.core.prepared import PreparedUpdate

    full, room = TripFactory(seats_total=8), TripFactory(seats_total=8)
    Trip.objects.filter(pk=full.pk).update(seats_available=1)
    take = PreparedUpdate(
        lambda trip_id, seats: (
            Trip.objects.filter(pk=trip_id, seats_available__gte=seats),
            {"seats_available": F("seats_available") - seats},
        )
    )
    assert take.run(full.pk, 2) == 0  # the condition is in the statement
    assert take.run(room.pk, 3) == 1
    assert take.run(full.pk, 1) == 1
    assert [p for p in take._plans.values() if p is not None]
    assert take.run(room.pk, -1) == 1  # out of the planned range: through the ORM
    seats = dict(Trip.objects.values_list("pk", "seats_available"))
    assert seats == {full.pk: 0, room.pk: 6}


def test_an_update_of_departures_forgets_the_search_answers_as_the_querysets_would(settings):
    """A prepared UPDATE skips the queryset's update(): it still calls its forget(), on the
    prepared path and through the ORM, and only when a row changed."""
    from django.core.cache import cache
    from django.db.models import F

    from louage.core.prepared import PreparedUpdate
    from louage.trips import search_cache

    settings.SEARCH_CACHE_SECONDS = 10
    trip = TripFactory(seats_total=8)
    take = PreparedUpdate(
        lambda trip_id, seats: (
            Trip.objects.filter(pk=trip_id, seats_available__gte=seats),
            {"seats_available": F("seats_available") - seats},
        )
    )

    def generation():
        search_cache.key({})  # makes the generation if there is none
        return cache.get(search_cache.GENERATION)

    for args in ((trip.pk, 1), (trip.pk, -1)):  # prepared, then through the ORM
        before = generation()
        assert take.run(*args) == 1
        assert generation() != before
    before = generation()
    assert take.run(trip.pk, 100) == 0  # nothing changed: nothing forgotten
    assert generation() == before
