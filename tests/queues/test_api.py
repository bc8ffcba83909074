"""The queues API as mobile and partner apps use it: names, statuses, permissions."""

import pytest

from louage.booking.models import Reservation
from louage.queues.models import QueuedVehicle, TurnStatus
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.network_factories import VehicleFactory
from tests.queues.conftest import FARE

pytestmark = pytest.mark.django_db
BIG = 10**20


def loading(queue):
    return QueuedVehicle.objects.get(queue=queue, status=TurnStatus.LOADING).trip


def test_anyone_reads_the_queues_of_a_station_with_the_documented_fields(api, lined_up, station):
    response = api().get("queues", {"station_id": station.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    queue = body["items"][0]
    assert {"id", "station_id", "destination_id", "destination", "loading_trip", "waiting",
            "estimated_departure", "fare"} <= set(queue)  # fmt: skip
    assert queue["station_id"] == station.pk
    assert queue["destination"]["city"] == "Sousse"
    assert queue["fare"] == FARE
    trip = queue["loading_trip"]
    assert (trip["kind"], trip["vehicle_plate"], trip["price"], trip["seats_available"]) == (
        "queue", "101 TU 1001", FARE, 8,
    )  # fmt: skip
    assert [w["plate"] for w in queue["waiting"]] == ["102 TU 1002", "103 TU 1003"]
    assert set(queue["waiting"][0]) >= {"vehicle_id", "plate", "seats"}
    assert queue["estimated_departure"] is None  # no history yet
    assert api().get(f"queues/{queue['id']}").json() == queue


def test_queues_are_found_by_city_names_like_departures(api, lined_up):
    assert api().get("queues", {"origin": "tunis", "destination": "Sousse"}).json()["count"] == 1
    assert api().get("queues", {"origin": "Sfax"}).json()["count"] == 0


def test_an_unknown_queue_is_404(api):
    assert api().get("queues/999999").status_code == 404
    assert api().get(f"queues/{BIG}").status_code in (404, 422)


def test_a_chief_opens_a_queue_at_its_station(api, chief_user, station, other_station, fare):
    response = api(chief_user).post("queues", {"destination_id": other_station.pk})
    assert response.status_code == 201, response.content
    assert response.json()["station_id"] == station.pk
    again = api(chief_user).post("queues", {"destination_id": other_station.pk})
    assert (again.status_code, again.json()["code"]) == (409, "queue_exists")


def test_an_admin_opens_a_queue_anywhere_naming_the_station(api, station, other_station, fare):
    admin = AdminFactory()
    missing = api(admin).post("queues", {"destination_id": other_station.pk})
    assert missing.status_code == 422
    response = api(admin).post(
        "queues", {"destination_id": other_station.pk, "station_id": station.pk}
    )
    assert response.status_code == 201


def test_a_route_without_an_official_fare_gets_no_queue(api, chief_user, station, other_station):
    response = api(chief_user).post("queues", {"destination_id": other_station.pk})
    assert (response.status_code, response.json()["code"]) == (409, "no_official_fare")


def test_clients_and_anonymous_callers_cannot_write(api, lined_up, vehicles, other_station):
    for caller, status in ((api(ClientFactory()), 403), (api(), 401)):
        assert caller.post("queues", {"destination_id": other_station.pk}).status_code == status
        assert (
            caller.post(
                f"queues/{lined_up.pk}/vehicles", {"vehicle_id": vehicles[3].pk}
            ).status_code
            == status
        )
        assert caller.post(f"queues/{lined_up.pk}/walk-ins", {"seats": 1}).status_code == status
        assert caller.put(f"queues/{lined_up.pk}/order", {"vehicle_ids": []}).status_code == status
    assert QueuedVehicle.objects.count() == 3


def test_another_stations_chief_cannot_touch_the_queue(api, lined_up, vehicles):
    other = api(ChiefFactory())
    assert (
        other.post(f"queues/{lined_up.pk}/vehicles", {"vehicle_id": vehicles[3].pk}).status_code
        == 404
    )
    assert other.delete(f"queues/{lined_up.pk}/vehicles/{vehicles[1].pk}").status_code == 404
    assert other.post(f"queues/{lined_up.pk}/walk-ins", {"seats": 1}).status_code == 404
    assert other.post(f"trips/{loading(lined_up).pk}/depart").status_code == 404
    assert QueuedVehicle.objects.filter(status__in=["waiting", "loading"]).count() == 3
    assert not Reservation.objects.exists()


def test_vehicles_are_appended_removed_and_reordered(api, chief_user, lined_up, vehicles):
    chief = api(chief_user)
    added = chief.post(f"queues/{lined_up.pk}/vehicles", {"vehicle_id": vehicles[3].pk})
    assert added.status_code == 201
    assert [w["plate"] for w in added.json()["waiting"]][-1] == "104 TU 1004"
    twice = chief.post(f"queues/{lined_up.pk}/vehicles", {"vehicle_id": vehicles[3].pk})
    assert (twice.status_code, twice.json()["code"]) == (409, "vehicle_already_queued")
    order = [vehicles[3].pk, vehicles[2].pk, vehicles[1].pk]
    reordered = chief.put(f"queues/{lined_up.pk}/order", {"vehicle_ids": order})
    assert reordered.status_code == 200
    assert [w["vehicle_id"] for w in reordered.json()["waiting"]] == order
    removed = chief.delete(f"queues/{lined_up.pk}/vehicles/{vehicles[2].pk}")
    assert removed.status_code == 204 and removed.content == b""
    queue = chief.get(f"queues/{lined_up.pk}").json()
    assert [w["vehicle_id"] for w in queue["waiting"]] == [vehicles[3].pk, vehicles[1].pk]
    assert chief.delete(f"queues/{lined_up.pk}/vehicles/{vehicles[2].pk}").status_code == 404


@pytest.mark.parametrize(
    "body, status",
    [
        ({}, 422),
        ({"vehicle_ids": "1,2"}, 422),
        ({"vehicle_ids": [1]}, 409),  # well formed, but not the vehicles waiting
        ({"vehicle_ids": None}, 422),
        ({"x": 1}, 422),
        ({"vehicle_ids": [True]}, 422),
    ],
)
def test_bad_orders_are_refused_and_change_nothing(api, chief_user, lined_up, body, status):
    before = list(QueuedVehicle.objects.order_by("pk").values_list("position", flat=True))
    assert api(chief_user).put(f"queues/{lined_up.pk}/order", body).status_code == status
    assert list(QueuedVehicle.objects.order_by("pk").values_list("position", flat=True)) == before


def test_a_vehicle_of_another_station_is_not_found_here(api, chief_user, lined_up):
    foreign = VehicleFactory(plate="555 TU 5555")
    response = api(chief_user).post(f"queues/{lined_up.pk}/vehicles", {"vehicle_id": foreign.pk})
    assert response.status_code == 404


def test_walk_ins_are_a_cash_paid_reservation_on_the_loading_vehicle(api, chief_user, lined_up):
    response = api(chief_user).post(f"queues/{lined_up.pk}/walk-ins", {"seats": 3})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["seats"], body["total_price"]) == ("boarded", 3, 3 * FARE)
    assert body["trip"]["vehicle_plate"] == "101 TU 1001"
    too_many = api(chief_user).post(f"queues/{lined_up.pk}/walk-ins", {"seats": 6})
    assert (too_many.status_code, too_many.json()["code"]) == (409, "not_enough_seats")
    assert loading(lined_up).seats_available == 5


def test_departing_through_the_trip_sends_it_once_and_the_next_loads(api, chief_user, lined_up):
    trip = loading(lined_up)
    response = api(chief_user).post(f"trips/{trip.pk}/depart")
    assert response.status_code == 200
    assert response.json()["status"] == "departed"
    assert api(chief_user).post(f"trips/{trip.pk}/depart").status_code == 409
    head = api().get(f"queues/{lined_up.pk}").json()["loading_trip"]
    assert head["vehicle_plate"] == "102 TU 1002"


def test_depart_also_sends_a_scheduled_departure(api, trip):
    response = api(trip.origin.chief).post(f"trips/{trip.pk}/depart")
    assert (response.status_code, response.json()["status"]) == (200, "departed")


def test_a_client_books_the_next_louage_by_queue_id_and_is_told_the_vehicle(api, lined_up):
    client = ClientFactory()
    response = api(client).post("reservations", {"queue_id": lined_up.pk, "seats": 2})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["expires_at"]
    assert body["total_price"] == 2 * FARE
    assert body["trip"]["vehicle_plate"] == "101 TU 1001"
    assert body["trip"]["kind"] == "queue"


def test_an_overflowing_booking_lands_whole_on_the_next_vehicle(api, chief_user, lined_up):
    api(chief_user).post(f"queues/{lined_up.pk}/walk-ins", {"seats": 7})
    body = api(ClientFactory()).post("reservations", {"queue_id": lined_up.pk, "seats": 2}).json()
    assert (body["seats"], body["trip"]["vehicle_plate"]) == (2, "102 TU 1002")


@pytest.mark.parametrize(
    "body",
    [
        {"seats": 1},
        {"trip_id": None, "queue_id": None, "seats": 1},
        "both",
        {"queue_id": "x", "seats": 1},
        {"queue_id": 1, "seats": 1, "price": 1},
    ],
)
def test_exactly_one_of_trip_id_and_queue_id_else_422(api, lined_up, trip, body):
    if body == "both":
        body = {"trip_id": trip.pk, "queue_id": lined_up.pk, "seats": 1}
    response = api(ClientFactory()).post("reservations", body)
    assert response.status_code == 422, response.content
    assert not Reservation.objects.exists()


def test_booking_an_unknown_queue_is_404(api):
    assert (
        api(ClientFactory()).post("reservations", {"queue_id": 999999, "seats": 1}).status_code
        == 404
    )


def test_booking_a_queue_trip_by_trip_id_points_to_the_queue(api, lined_up):
    response = api(ClientFactory()).post(
        "reservations", {"trip_id": loading(lined_up).pk, "seats": 1}
    )
    assert (response.status_code, response.json()["code"]) == (409, "book_the_queue")


def test_a_chief_sells_the_next_louage_at_the_desk_by_queue_id(api, chief_user, lined_up):
    response = api(chief_user).post(
        "reservations/desk", {"queue_id": lined_up.pk, "seats": 2, "passenger_name": "Salma Jebali"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "confirmed"


def test_mark_full_and_no_show_release_over_the_api(api, chief_user, lined_up, clock):
    chief = api(chief_user)
    booked = api(ClientFactory()).post("reservations", {"queue_id": lined_up.pk, "seats": 1}).json()
    assert chief.post(f"reservations/{booked['id']}/confirm").status_code == 200
    full = chief.post(f"queues/{lined_up.pk}/full")
    assert (full.status_code, full.json()["loading_full"]) == (200, True)
    early = chief.post(f"queues/{lined_up.pk}/no-shows")
    assert (early.status_code, early.json()["code"]) == (409, "grace_period")
    clock.advance(minutes=10)
    released = chief.post(f"queues/{lined_up.pk}/no-shows")
    assert released.status_code == 200
    assert [r["code"] for r in released.json()] == [booked["code"]]
    assert released.json()[0]["status"] == "cancelled"


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("post", "reservations", {"queue_id": BIG, "seats": 1}),
        ("post", "reservations", {"queue_id": 1, "seats": BIG}),
        ("post", "queues", {"destination_id": BIG}),
        ("post", f"queues/{BIG}/vehicles", {"vehicle_id": 1}),
        ("post", "queues/1/vehicles", {"vehicle_id": BIG}),
        ("put", "queues/1/order", {"vehicle_ids": [BIG, -1]}),
        ("post", "queues/1/walk-ins", {"seats": "\x00"}),
        ("get", "queues", {"station_id": BIG}),
        ("get", "queues", {"origin": "\x00"}),
        ("put", "fares", [{"origin_city": "\x00", "destination_city": "Sousse", "price": BIG}]),
        ("get", f"stations/{BIG}/cash-report", None),
        ("get", "stations/1/cash-report", {"date": "2024-02-30"}),
        ("get", "stations/1/cash-report", {"format": "xls"}),
        ("post", f"trips/{BIG}/depart", None),
    ],
)
def test_nasty_queue_inputs_never_cause_a_server_error(
    api, client_user, admin_user, chief_user, lined_up, method, path, body
):
    for user in (client_user, admin_user, chief_user, None):
        c = api(user)
        r = c.get(path, body) if method == "get" else getattr(c, method)(path, body)
        assert r.status_code < 500, (path, r.status_code, r.content[:300])
        if r.status_code >= 400:
            assert {"detail", "code"} <= set(r.json())


def test_the_openapi_document_lists_the_queue_fare_and_cash_close_endpoints(api):
    paths = api().get("/api/v1/openapi.json").json()["paths"]
    for path, methods in {
        "/api/v1/queues": {"get", "post"},
        "/api/v1/queues/{queue_id}": {"get"},
        "/api/v1/queues/{queue_id}/vehicles": {"post"},
        "/api/v1/queues/{queue_id}/vehicles/{vehicle_id}": {"delete"},
        "/api/v1/queues/{queue_id}/order": {"put"},
        "/api/v1/queues/{queue_id}/walk-ins": {"post"},
        "/api/v1/trips/{trip_id}/depart": {"post"},
        "/api/v1/fares": {"get", "put"},
        "/api/v1/stations/{station_id}/cash-report": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    reserve = paths["/api/v1/reservations"]["post"]["requestBody"]["content"]["application/json"]
    assert "queue_id" in str(api().get("/api/v1/openapi.json").json()["components"]) and reserve
