"""Depart-when-full queues: the rules, straight on the services."""

from datetime import timedelta

import pytest

from louage.booking import services as booking
from louage.booking.errors import NotEnoughSeats, TripNotBookable
from louage.booking.models import Reservation, ReservationStatus
from louage.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed, NotFound
from louage.notifications.models import Notification
from louage.payments.models import Payment, PaymentStatus
from louage.queues import selectors, services
from louage.queues.models import NoShowFare, QueuedVehicle, TurnStatus
from louage.queues.tasks import release_no_shows_when_due
from louage.trips import services as trip_services
from louage.trips.models import Trip, TripKind, TripStatus
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
from tests.queues.conftest import FARE

pytestmark = pytest.mark.django_db
S = ReservationStatus


def assert_invariant(trip):
    trip.refresh_from_db()
    taken, held = booking.seats_consistency(trip)
    assert 0 <= trip.seats_available <= trip.seats_total
    assert taken == held, (trip.vehicle.plate, taken, held)


def loading_trip(queue):
    return QueuedVehicle.objects.get(queue=queue, status=TurnStatus.LOADING).trip


def pay_cash(reservation, chief):
    return booking.record_cash_payment(reservation=reservation, by=chief)


def test_the_first_vehicle_added_loads_at_once_at_the_official_fare(
    queue, vehicles, chief_user, clock
):
    services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[0].pk)
    trip = loading_trip(queue)
    assert trip.kind == TripKind.QUEUE
    assert trip.status == TripStatus.SCHEDULED
    assert (trip.price, trip.seats_total, trip.seats_available) == (FARE, 8, 8)
    assert trip.vehicle == vehicles[0]
    assert trip.departure == clock.now


def test_a_vehicle_added_by_plate_at_the_desk_joins_the_end(lined_up, vehicles, chief_user):
    services.add_vehicle(queue=lined_up, by=chief_user, plate="104tu1004")
    view = selectors.queue_view(lined_up.pk)
    assert view.loading.vehicle.plate == "101 TU 1001"
    assert [w.vehicle.plate for w in view.waiting] == ["102 TU 1002", "103 TU 1003", "104 TU 1004"]


def test_booking_the_next_louage_lands_on_the_loading_vehicle(lined_up, client_user, clock):
    reservation = services.reserve_next_louage(queue=lined_up, client=client_user, seats=3)
    assert reservation.status == S.PENDING
    assert reservation.trip.vehicle.plate == "101 TU 1001"
    assert reservation.total_price == 3 * FARE
    assert reservation.expires_at == clock.now + timedelta(minutes=10)
    assert_invariant(reservation.trip)


def test_a_booking_larger_than_the_free_seats_lands_whole_on_the_next_vehicle(
    lined_up, chief_user, clock
):
    services.count_walk_in(queue=lined_up, seats=6, by=chief_user)
    reservation = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=3)
    assert reservation.trip.vehicle.plate == "102 TU 1002"
    assert reservation.seats == 3
    head = loading_trip(lined_up)
    assert head.seats_available == 2  # left for smaller bookings, never split
    small = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=2)
    assert small.trip == head
    for trip in Trip.objects.filter(kind=TripKind.QUEUE):
        assert_invariant(trip)


def test_a_booking_no_vehicle_can_take_whole_is_refused_and_changes_nothing(
    queue, vehicles, chief_user, client_user
):
    services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[3].pk)  # 4 seats
    with pytest.raises(NotEnoughSeats):
        services.reserve_next_louage(queue=queue, client=client_user, seats=5)
    assert not Reservation.objects.exists()
    assert Trip.objects.count() == 1


def test_booking_an_empty_queue_says_no_louage_is_waiting(queue, client_user):
    with pytest.raises(NotEnoughSeats) as exc:
        services.reserve_next_louage(queue=queue, client=client_user, seats=1)
    assert exc.value.code == "queue_empty"


def test_sending_the_loading_vehicle_makes_the_next_one_load_by_itself(
    lined_up, chief_user, clock, django_capture_on_commit_callbacks
):
    services.count_walk_in(queue=lined_up, seats=7, by=chief_user)
    early = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=2)
    assert early.trip.vehicle.plate == "102 TU 1002"
    first = loading_trip(lined_up)
    clock.advance(minutes=20)
    with django_capture_on_commit_callbacks(execute=True):
        departed = trip_services.mark_departed(trip=first, by=chief_user)
    assert departed.status == TripStatus.DEPARTED
    assert departed.departure == departed.departed_at == clock.now
    head = loading_trip(lined_up)
    assert head == early.trip
    assert head.departure == clock.now
    turn = QueuedVehicle.objects.get(trip=first)
    assert (turn.status, turn.seats_sold) == (TurnStatus.DEPARTED, 7)
    assert Notification.objects.filter(user=early.client, kind="louage_loading").exists()


def test_a_vehicle_is_sent_once_the_second_click_is_refused(lined_up, chief_user):
    trip = loading_trip(lined_up)
    trip_services.mark_departed(trip=trip, by=chief_user)
    with pytest.raises(InvalidTransition):
        trip_services.mark_departed(trip=trip, by=chief_user)
    assert Trip.objects.filter(status=TripStatus.DEPARTED).count() == 1
    assert loading_trip(lined_up).vehicle.plate == "102 TU 1002"


def test_only_the_loading_vehicle_can_be_sent(lined_up, chief_user):
    waiting = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=8)
    waiting = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    assert waiting.trip.vehicle.plate == "102 TU 1002"
    with pytest.raises(InvalidTransition) as exc:
        trip_services.mark_departed(trip=waiting.trip, by=chief_user)
    assert exc.value.code == "not_loading"


def test_the_last_vehicle_sent_leaves_the_queue_empty_and_idle(queue, vehicles, chief_user):
    services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[0].pk)
    services.send_loading(queue=queue, by=chief_user)
    assert not QueuedVehicle.objects.filter(queue=queue, status__in=["waiting", "loading"]).exists()
    with pytest.raises(Conflict) as exc:
        services.send_loading(queue=queue, by=chief_user)
    assert exc.value.code == "nothing_loading"
    services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[1].pk)
    assert loading_trip(queue).vehicle == vehicles[1]


def test_walk_ins_are_boarded_and_paid_cash_on_the_loading_vehicle(lined_up, chief_user):
    reservation = services.count_walk_in(queue=lined_up, seats=3, by=chief_user)
    assert reservation.status == S.BOARDED
    assert reservation.client is None and reservation.passenger_name
    assert reservation.trip == loading_trip(lined_up)
    payment = Payment.objects.get(reservation=reservation)
    assert (payment.method, payment.amount, payment.status) == ("cash", 3 * FARE, "succeeded")
    assert_invariant(reservation.trip)


def test_walk_ins_beyond_the_loading_vehicles_free_seats_are_refused(lined_up, chief_user):
    services.count_walk_in(queue=lined_up, seats=6, by=chief_user)
    with pytest.raises(NotEnoughSeats):
        services.count_walk_in(queue=lined_up, seats=3, by=chief_user)
    assert loading_trip(lined_up).seats_available == 2
    assert Reservation.objects.count() == 1


def test_a_desk_sale_in_the_next_louage_is_confirmed_and_paid_cash(lined_up, chief_user):
    reservation = services.sell_next_louage(
        queue=lined_up, seats=2, passenger_name="Slim Gharbi", passenger_phone="98 123 456",
        by=chief_user,
    )  # fmt: skip
    assert reservation.status == S.CONFIRMED
    assert reservation.passenger_phone == "+21698123456"
    assert Payment.objects.get(reservation=reservation).amount == 2 * FARE


def test_only_the_stations_own_chief_or_an_admin_sells_and_counts(lined_up, admin_user):
    for action in (
        lambda by: services.count_walk_in(queue=lined_up, seats=1, by=by),
        lambda by: services.sell_next_louage(queue=lined_up, seats=1, passenger_name="X", by=by),
    ):
        with pytest.raises(NotFound):
            action(ChiefFactory())
        with pytest.raises(NotAllowed):
            action(ClientFactory())
    assert not Reservation.objects.exists()
    door = services.count_walk_in(queue=lined_up, seats=2, by=admin_user)
    assert Payment.objects.get(reservation=door).recorded_by == admin_user


@pytest.mark.parametrize("seats", [0, 9, -1, "2", None, True])
def test_bad_seat_counts_are_refused_everywhere_and_change_nothing(lined_up, chief_user, seats):
    with pytest.raises(InvalidInput):
        services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=seats)
    with pytest.raises(InvalidInput):
        services.count_walk_in(queue=lined_up, seats=seats, by=chief_user)
    assert not Reservation.objects.exists()


def test_a_vehicle_already_queued_is_refused(lined_up, vehicles, chief_user, station):
    with pytest.raises(Conflict) as exc:
        services.add_vehicle(queue=lined_up, by=chief_user, vehicle_id=vehicles[1].pk)
    assert exc.value.code == "vehicle_already_queued"


def test_a_vehicle_on_a_live_departure_is_refused(
    queue, vehicles, chief_user, station, other_station, clock
):
    TripFactory(origin=station, destination=other_station, vehicle=vehicles[0],
                departure=clock.now + timedelta(minutes=40))  # fmt: skip
    with pytest.raises(Conflict) as exc:
        services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[0].pk)
    assert exc.value.code == "vehicle_busy"
    assert not QueuedVehicle.objects.exists()


def test_a_vehicle_of_another_station_or_out_of_service_is_refused(queue, chief_user, vehicles):
    foreign = VehicleFactory(plate="555 TU 5555")
    with pytest.raises(NotFound):
        services.add_vehicle(queue=queue, by=chief_user, vehicle_id=foreign.pk)
    with pytest.raises(NotFound):
        services.add_vehicle(queue=queue, by=chief_user, plate="555 TU 5555")
    with pytest.raises(InvalidInput):
        services.add_vehicle(queue=queue, by=chief_user, plate="not a plate")
    vehicles[0].active = False
    vehicles[0].save()
    with pytest.raises(Conflict):
        services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[0].pk)
    assert not QueuedVehicle.objects.exists()


def test_another_stations_chief_and_clients_cannot_touch_the_queue(lined_up, vehicles):
    with pytest.raises(NotFound):
        services.add_vehicle(queue=lined_up, by=ChiefFactory(), vehicle_id=vehicles[3].pk)
    with pytest.raises(NotAllowed):
        services.send_loading(queue=lined_up, by=ClientFactory())
    assert QueuedVehicle.objects.count() == 3


def test_an_admin_runs_any_queue(lined_up, vehicles):
    admin = AdminFactory()
    services.add_vehicle(queue=lined_up, by=admin, vehicle_id=vehicles[3].pk)
    services.send_loading(queue=lined_up, by=admin)
    assert loading_trip(lined_up).vehicle == vehicles[1]


def test_waiting_vehicles_are_reordered_and_the_loading_one_stays_at_the_head(
    lined_up, vehicles, chief_user
):
    services.reorder(queue=lined_up, by=chief_user, vehicle_ids=[vehicles[2].pk, vehicles[1].pk])
    view = selectors.queue_view(lined_up.pk)
    assert [t.vehicle.pk for t in view.turns] == [vehicles[0].pk, vehicles[2].pk, vehicles[1].pk]
    services.reorder(
        queue=lined_up, by=chief_user, vehicle_ids=[vehicles[0].pk, vehicles[1].pk, vehicles[2].pk]
    )
    view = selectors.queue_view(lined_up.pk)
    assert [t.vehicle.pk for t in view.turns] == [vehicles[0].pk, vehicles[1].pk, vehicles[2].pk]
    services.move_vehicle(queue=lined_up, by=chief_user, vehicle_id=vehicles[2].pk, step=-1)
    view = selectors.queue_view(lined_up.pk)
    assert [t.vehicle.pk for t in view.turns] == [vehicles[0].pk, vehicles[2].pk, vehicles[1].pk]


@pytest.mark.parametrize(
    "order",
    [[], ["x"], [2], [1, 1], "omitted-one", "loading-not-first", "duplicate", "foreign"],
)
def test_a_reorder_that_is_not_the_waiting_vehicles_once_each_is_refused(
    lined_up, vehicles, chief_user, order
):
    a, b, c = (v.pk for v in vehicles[:3])
    ids = (
        {
            "omitted-one": [b],
            "loading-not-first": [b, a, c],
            "duplicate": [b, c, c],
            "foreign": [b, c, vehicles[3].pk],
        }.get(order, order)
        if isinstance(order, str)
        else order
    )
    before = list(QueuedVehicle.objects.order_by("pk").values_list("position", flat=True))
    with pytest.raises((InvalidInput, Conflict)):
        services.reorder(queue=lined_up, by=chief_user, vehicle_ids=ids)
    assert list(QueuedVehicle.objects.order_by("pk").values_list("position", flat=True)) == before


def test_removing_the_empty_loading_vehicle_loads_the_next(lined_up, vehicles, chief_user):
    first = loading_trip(lined_up)
    services.remove_vehicle(queue=lined_up, by=chief_user, vehicle_id=vehicles[0].pk)
    first.refresh_from_db()
    assert first.status == TripStatus.CANCELLED
    assert loading_trip(lined_up).vehicle == vehicles[1]
    # The vehicle may queue again later.
    services.add_vehicle(queue=lined_up, by=chief_user, vehicle_id=vehicles[0].pk)


def test_a_vehicle_with_travellers_cannot_be_removed(lined_up, vehicles, chief_user):
    services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    with pytest.raises(Conflict) as exc:
        services.remove_vehicle(queue=lined_up, by=chief_user, vehicle_id=vehicles[0].pk)
    assert exc.value.code == "vehicle_has_travellers"
    assert loading_trip(lined_up).vehicle == vehicles[0]


def test_a_vehicle_whose_holds_ran_out_can_be_removed(lined_up, vehicles, chief_user, clock):
    services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=2)
    clock.advance(minutes=11)
    services.remove_vehicle(queue=lined_up, by=chief_user, vehicle_id=vehicles[0].pk)
    assert Reservation.objects.get().status == S.EXPIRED


def test_removing_a_vehicle_not_in_the_queue_is_not_found(lined_up, vehicles, chief_user):
    with pytest.raises(NotFound):
        services.remove_vehicle(queue=lined_up, by=chief_user, vehicle_id=vehicles[3].pk)


def test_a_full_vehicle_sends_online_bookings_to_the_next_but_takes_walk_ins(lined_up, chief_user):
    services.count_walk_in(queue=lined_up, seats=5, by=chief_user)
    services.mark_full(queue=lined_up, by=chief_user)
    with pytest.raises(InvalidTransition):
        services.mark_full(queue=lined_up, by=chief_user)
    online = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    assert online.trip.vehicle.plate == "102 TU 1002"
    door = services.count_walk_in(queue=lined_up, seats=3, by=chief_user)
    assert door.trip == loading_trip(lined_up)
    assert loading_trip(lined_up).seats_available == 0


@pytest.fixture
def full_with_a_no_show(lined_up, chief_user, clock):
    """The loading vehicle: 6 walk-ins, one online traveller who boards, one who never comes."""
    services.count_walk_in(queue=lined_up, seats=6, by=chief_user)
    came = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    absent = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    pay_cash(came, chief_user)
    pay_cash(absent, chief_user)
    booking.board_reservation(reservation=came, by=chief_user)
    services.mark_full(queue=lined_up, by=chief_user)
    return lined_up, came, absent


def test_no_shows_are_released_only_after_the_grace_period(full_with_a_no_show, chief_user, clock):
    queue, _came, absent = full_with_a_no_show
    clock.advance(minutes=9)
    with pytest.raises(Conflict) as exc:
        services.release_no_shows(queue=queue, by=chief_user)
    assert exc.value.code == "grace_period"
    absent.refresh_from_db()
    assert absent.status == S.CONFIRMED


def test_a_released_no_show_keeps_its_fare_by_default_and_is_told(
    full_with_a_no_show, chief_user, clock, django_capture_on_commit_callbacks
):
    queue, came, absent = full_with_a_no_show
    clock.advance(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):
        released = services.release_no_shows(queue=queue, by=chief_user)
    assert [r.pk for r in released] == [absent.pk]
    absent.refresh_from_db()
    assert absent.status == S.CANCELLED
    assert Payment.objects.get(reservation=absent).status == PaymentStatus.SUCCEEDED
    trip = loading_trip(queue)
    assert trip.seats_available == 1
    note = Notification.objects.get(user=absent.client, kind="no_show")
    assert "pas remboursé" in note.body
    # The freed seat goes to a walk-in; the boarded traveller is untouched.
    services.count_walk_in(queue=queue, seats=1, by=chief_user)
    came.refresh_from_db()
    assert came.status == S.BOARDED
    assert_invariant(trip)


def test_a_station_refunding_no_shows_refunds_them(
    full_with_a_no_show, chief_user, station, clock, django_capture_on_commit_callbacks
):
    queue, _came, absent = full_with_a_no_show
    services.set_no_show_policy(station=station, by=chief_user, no_show_fare=NoShowFare.REFUND)
    clock.advance(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        services.release_no_shows(queue=queue, by=chief_user)
    payment = Payment.objects.get(reservation=absent)
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, FARE)
    assert "remboursé" in Notification.objects.get(user=absent.client, kind="no_show").body


def test_the_task_releases_no_shows_when_the_grace_period_ends(full_with_a_no_show, clock):
    queue, _came, absent = full_with_a_no_show
    turn = QueuedVehicle.objects.get(queue=queue, status=TurnStatus.LOADING)
    assert release_no_shows_when_due.call(turn.pk) == 0  # not due yet
    clock.advance(minutes=10)
    assert release_no_shows_when_due.call(turn.pk) == 1
    absent.refresh_from_db()
    assert absent.status == S.CANCELLED


def test_releasing_before_the_vehicle_is_full_is_refused(lined_up, chief_user):
    with pytest.raises(Conflict) as exc:
        services.release_no_shows(queue=lined_up, by=chief_user)
    assert exc.value.code == "not_full"


def test_sending_early_refunds_absent_travellers_and_cancels_unpaid_holds(
    lined_up, chief_user, clock
):
    paid = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=2)
    pay_cash(paid, chief_user)
    unpaid = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    desk = services.sell_next_louage(queue=lined_up, seats=1, passenger_name="Ali", by=chief_user)
    trip = services.send_loading(queue=lined_up, by=chief_user)
    paid.refresh_from_db()
    unpaid.refresh_from_db()
    desk.refresh_from_db()
    assert paid.status == unpaid.status == S.CANCELLED
    assert Payment.objects.get(reservation=paid).status == PaymentStatus.REFUNDED
    assert desk.status == S.CONFIRMED  # sold in person at the window: not a no-show
    assert QueuedVehicle.objects.get(trip=trip).seats_sold == 1
    assert_invariant(trip)


def test_sending_after_the_grace_period_applies_the_stations_policy(
    full_with_a_no_show, chief_user, clock
):
    queue, came, absent = full_with_a_no_show
    clock.advance(minutes=15)
    services.send_loading(queue=queue, by=chief_user)
    absent.refresh_from_db()
    assert absent.status == S.CANCELLED
    assert Payment.objects.get(reservation=absent).status == PaymentStatus.SUCCEEDED  # kept


def test_a_traveller_on_the_next_vehicle_pays_online_and_holds_expire_as_usual(
    lined_up, chief_user, clock
):
    services.count_walk_in(queue=lined_up, seats=8, by=chief_user)
    hold = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=2)
    assert hold.trip.vehicle.plate == "102 TU 1002"
    clock.advance(minutes=11)
    assert booking.expire_stale_holds() == 1
    assert_invariant(hold.trip)
    hold.trip.refresh_from_db()
    assert hold.trip.seats_available == 8


def test_a_queue_trip_is_booked_through_its_queue_not_by_trip_id(lined_up, client_user, chief_user):
    trip = loading_trip(lined_up)
    with pytest.raises(TripNotBookable) as exc:
        booking.reserve_seats(trip=trip, client=client_user, seats=1)
    assert exc.value.code == "book_the_queue"
    with pytest.raises(TripNotBookable):
        booking.sell_at_desk(trip=trip, seats=1, passenger_name="A", by=chief_user)


def test_a_queue_trip_is_neither_edited_nor_cancelled_like_a_scheduled_one(lined_up, chief_user):
    trip = loading_trip(lined_up)
    with pytest.raises(InvalidTransition):
        trip_services.update_trip(trip=trip, by=chief_user, price=1000)
    with pytest.raises(InvalidTransition):
        trip_services.cancel_trip(trip=trip, by=chief_user)
    trip.refresh_from_db()
    assert (trip.price, trip.status) == (FARE, TripStatus.SCHEDULED)


def test_a_queue_needs_an_official_fare_and_is_opened_once(
    station, other_station, chief_user, fare
):
    services.create_queue(by=chief_user, destination_id=other_station.pk)
    with pytest.raises(Conflict) as exc:
        services.create_queue(by=chief_user, destination_id=other_station.pk)
    assert exc.value.code == "queue_exists"
    sfax = StationFactory(name="Sfax Bab Jebli", city="Sfax", chief=None)
    with pytest.raises(Conflict) as exc:
        services.create_queue(by=chief_user, destination_id=sfax.pk)
    assert exc.value.code == "no_official_fare"
    with pytest.raises(InvalidInput):
        services.create_queue(by=chief_user, destination_id=station.pk)
    with pytest.raises(NotAllowed):
        services.create_queue(by=ClientFactory(), destination_id=other_station.pk)
    with pytest.raises(InvalidInput):
        services.create_queue(by=AdminFactory(), destination_id=other_station.pk)


def test_a_fare_a_queue_runs_on_cannot_be_removed(queue, fare, admin_user):
    with pytest.raises(Conflict) as exc:
        trip_services.delete_fare(by=admin_user, fare=fare)
    assert exc.value.code == "fare_in_use"
    with pytest.raises(Conflict):
        trip_services.replace_fares(by=admin_user, fares=[])
    fare.refresh_from_db()


def test_the_estimated_departure_follows_the_stations_recent_fill_rate(clock, lined_up, chief_user):
    view = selectors.queue_view(lined_up.pk)
    assert view.estimated_departure is None  # no history yet: no estimate
    # The first vehicle fills its 8 seats in 16 minutes: 0.5 seat a minute.
    clock.advance(minutes=16)
    services.count_walk_in(queue=lined_up, seats=8, by=chief_user)
    services.send_loading(queue=lined_up, by=chief_user)
    services.count_walk_in(queue=lined_up, seats=3, by=chief_user)
    view = selectors.queue_view(lined_up.pk)
    assert view.loading.seats_available == 5
    assert view.estimated_departure == clock.now + timedelta(minutes=10)
    assert view.estimated_minutes == 10
    # The vehicle behind leaves once the 5 free seats and its own 8 are sold.
    assert view.waiting[0].estimated_departure == clock.now + timedelta(minutes=26)


def test_the_seat_invariant_holds_per_vehicle_through_a_busy_sequence(lined_up, chief_user, clock):
    clients = [ClientFactory() for _ in range(6)]
    made = [services.reserve_next_louage(queue=lined_up, client=c, seats=3) for c in clients[:4]]
    services.count_walk_in(queue=lined_up, seats=2, by=chief_user)
    booking.cancel_reservation(reservation=made[1], by=made[1].client)
    pay_cash(made[0], chief_user)
    services.sell_next_louage(queue=lined_up, seats=3, passenger_name="B", by=chief_user)
    clock.advance(minutes=12)
    services.reserve_next_louage(queue=lined_up, client=clients[5], seats=4)
    services.send_loading(queue=lined_up, by=chief_user)
    for trip in Trip.objects.filter(kind=TripKind.QUEUE):
        assert_invariant(trip)
    for reservation in Reservation.objects.all():
        assert reservation.seats <= reservation.trip.seats_total


def test_a_booking_behind_many_full_vehicles_costs_a_bounded_number_of_queries(
    queue, station, chief_user, django_assert_max_num_queries
):
    for n in range(20):
        vehicle = VehicleFactory(station=station, plate=f"{600 + n} TU {6000 + n}")
        services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicle.pk)
    for _ in range(19):
        services.reserve_next_louage(queue=queue, client=ClientFactory(), seats=8)
    client = ClientFactory()
    # Full vehicles are skipped from one read under the queue's lock, not locked one by one.
    with django_assert_max_num_queries(30):
        reservation = services.reserve_next_louage(queue=queue, client=client, seats=2)
    assert reservation.trip.vehicle.plate == "619 TU 6019"


def test_a_queued_vehicle_removed_from_the_fleet_is_kept_out_of_service(
    queue, vehicles, chief_user
):
    from louage.stations import services as stations

    services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[3].pk)
    services.add_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[0].pk)  # waits, no trip
    services.remove_vehicle(queue=queue, by=chief_user, vehicle_id=vehicles[0].pk)
    assert not vehicles[0].trips.exists()
    assert stations.remove_vehicle(vehicle=vehicles[0], by=chief_user) == "deactivated"
    vehicles[0].refresh_from_db()
    assert vehicles[0].active is False
    assert stations.remove_vehicle(vehicle=vehicles[2], by=chief_user) == "deleted"


def test_a_station_a_queue_goes_to_is_not_deleted(queue, other_station, admin_user):
    from louage.stations import services as stations

    with pytest.raises(Conflict) as exc:
        stations.delete_station(station=other_station, by=admin_user)
    assert exc.value.code == "station_in_use"
    other_station.refresh_from_db()


def test_next_louage_holds_count_against_the_accounts_limits(lined_up, trip, settings):
    from louage.booking.errors import TooManyHeldSeats

    client = ClientFactory()
    booking.reserve_seats(trip=trip, client=client, seats=7)
    with pytest.raises(TooManyHeldSeats):
        services.reserve_next_louage(queue=lined_up, client=client, seats=2)
    services.reserve_next_louage(queue=lined_up, client=client, seats=1)
    settings.BOOKING_REQUIRES_VERIFIED = True
    unverified = ClientFactory()
    unverified.emailaddress_set.update(verified=False)
    with pytest.raises(NotAllowed) as exc:
        services.reserve_next_louage(queue=lined_up, client=unverified, seats=1)
    assert exc.value.code == "email_unverified"
    assert Reservation.objects.filter(trip__kind=TripKind.QUEUE).count() == 1


def test_booking_the_next_louage_needs_a_phone_number(lined_up):
    from louage.booking.errors import PhoneRequired

    client = ClientFactory(phone="")
    with pytest.raises(PhoneRequired):
        services.reserve_next_louage(queue=lined_up, client=client, seats=1)
    assert not Reservation.objects.exists()
