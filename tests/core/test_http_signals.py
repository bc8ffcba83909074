"""The HTTP signals generic clients rely on: Location on 201, 204 on DELETE, ETag and
If-Match (412), RateLimit headers, one pagination shape."""

import pytest

from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_a_hold_answers_201_with_the_location_of_the_reservation(api, trip, client_user):
    created = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1})
    assert created.status_code == 201
    location = created["Location"]
    assert location.endswith(f"/api/v1/reservations/{created.json()['id']}")
    assert api(client_user).get(location.split("/api/v1/", 1)[1]).json() == created.json()


def test_a_payment_answers_201_with_its_location(api, trip, client_user):
    hold = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}).json()
    started = api(client_user).post(f"reservations/{hold['id']}/payments")
    assert started.status_code == 201
    payment = api(client_user).get(started["Location"].split("/api/v1/", 1)[1])
    assert payment.status_code == 200 and payment.json()["id"] == started.json()["payment_id"]
    assert api(ClientFactory()).get(f"payments/{payment.json()['id']}").status_code == 404


def test_an_admins_new_station_has_its_location(api, admin_user):
    body = {"name": "Gare Nord", "city": "Bizerte", "latitude": 37.27, "longitude": 9.87}
    created = api(admin_user).post("stations", body)
    assert created.status_code == 201
    assert created["Location"].endswith(f"/api/v1/stations/{created.json()['id']}")


def test_every_list_has_one_shape_with_next_and_previous():
    from louage.api import api as louage_api

    document = louage_api.get_openapi_schema()
    schemas = document["components"]["schemas"]
    lists = 0
    for path, methods in document["paths"].items():
        answer = methods.get("get", {}).get("responses", {}).get("200", {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" not in schema:
            continue
        fields = schemas[schema["$ref"].rsplit("/", 1)[1]].get("properties", {})
        if "items" in fields and fields["items"].get("type") == "array":
            lists += 1
            assert {"items", "count", "next", "previous"} <= set(fields), path
    assert lists >= 12


def test_pages_link_to_their_neighbours(api, fare):
    from tests.network_factories import FareFactory

    for city in ("Sfax", "Gabès", "Bizerte"):
        FareFactory(origin_city="Tunis", destination_city=city, price=10_000)
    first = api().get("fares", {"page_size": 2, "origin_city": "Tunis"}).json()
    assert first["count"] == 4 and len(first["items"]) == 2 and first["previous"] is None
    second = api().get(first["next"].split("/api/v1/", 1)[1]).json()
    assert "origin_city=Tunis" in first["next"] and "page=2" in first["next"]
    assert second["next"] is None and second["previous"] is not None
    assert {f["destination_city"] for f in first["items"] + second["items"]} == {
        "Sousse",
        "Sfax",
        "Gabès",
        "Bizerte",
    }


def test_places_come_paged_like_every_list(api, trip):
    body = api().get("places", {"q": "s", "page_size": 1}).json()
    assert len(body["items"]) == 1 and body["count"] > 1 and "page=2" in body["next"]


def test_every_delete_answers_204_in_the_document():
    from louage.api import api as louage_api

    document = louage_api.get_openapi_schema()
    deletes = [
        (path, sorted(code for code in methods["delete"]["responses"] if code < "300"))
        for path, methods in document["paths"].items()
        if "delete" in methods
    ]
    assert len(deletes) >= 6
    assert all(codes == ["204"] for _path, codes in deletes), deletes


def test_two_chiefs_editing_one_departure_the_stale_write_gets_412(api, trip):
    chief = api(trip.origin.chief)
    read = chief.get(f"trips/{trip.pk}")
    etag = read["ETag"]
    assert etag.startswith('"')
    first = chief.patch(f"trips/{trip.pk}", {"price": trip.price - 500}, headers={"If-Match": etag})
    assert first.status_code == 200 and first["ETag"] != etag
    stale = chief.patch(f"trips/{trip.pk}", {"price": trip.price - 900}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    trip.refresh_from_db()
    assert trip.price == first.json()["price"]
    assert chief.get(f"trips/{trip.pk}")["ETag"] == first["ETag"]  # what a new read gets


def test_two_admins_replacing_the_fare_table_the_stale_write_gets_412(api, admin_user, fare):
    admin = api(admin_user)
    etag = admin.get("fares", {"page_size": 1})["ETag"]
    table = [{"origin_city": "Tunis", "destination_city": "Sousse", "price": 13_000}]
    assert admin.put("fares", table, headers={"If-Match": etag}).status_code == 200
    table[0]["price"] = 14_000
    stale = admin.put("fares", table, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert api().get("fares").json()["items"][0]["price"] == 13_000


def test_me_and_stations_carry_etags_and_refuse_stale_writes(api, client_user, admin_user, station):
    me = api(client_user)
    etag = me.get("me")["ETag"]
    assert me.patch("me", {"first_name": "Amel"}, headers={"If-Match": etag}).status_code == 200
    assert me.patch("me", {"first_name": "Amal"}, headers={"If-Match": etag}).status_code == 412
    admin = api(admin_user)
    etag = admin.get(f"stations/{station.pk}")["ETag"]
    assert admin.patch(f"stations/{station.pk}", {"address": "Rue 1"},
                       headers={"If-Match": '"stale"'}).status_code == 412  # fmt: skip
    assert admin.patch(f"stations/{station.pk}", {"address": "Rue 1"},
                       headers={"If-Match": etag}).status_code == 200  # fmt: skip


def test_answers_say_the_rate_limit_they_were_counted_under(api, settings, client_user):
    settings.API_RATE_ANONYMOUS = "5/m"
    first = api().get("stations")
    assert first["RateLimit-Policy"] == '"api";q=5;w=60'
    assert first["RateLimit"].startswith('"api";r=4;t=')
    mine = api(client_user).get("me")  # counted per account, apart from the address
    assert mine["RateLimit"].startswith('"api";r=4;')
    for _ in range(4):
        last = api().get("stations")
    assert last["RateLimit"].startswith('"api";r=0;')
    refused = api().get("stations")
    assert refused.status_code == 429 and refused["Retry-After"]


def test_bad_input_is_422_before_any_precondition(api, trip):
    chief = api(trip.origin.chief)
    stale = {"If-Match": '"stale"'}
    assert chief.patch(f"trips/{trip.pk}", {"price": "x"}, headers=stale).status_code == 422
    assert chief.patch(f"trips/{trip.pk}", {"price": 9_000}, headers=stale).status_code == 412


def test_the_rate_limit_headers_are_declared_where_answers_carry_them(api, trip, client_user):
    from louage.api import api as louage_api

    document = louage_api.get_openapi_schema()
    rate_limit = {"RateLimit", "RateLimit-Policy"}

    def declared(path, method, status):
        response = document["paths"][f"/api/v1/{path}"][method]["responses"][str(status)]
        return set(response.get("headers", {}))

    assert rate_limit <= declared("reservations", "post", 201)
    assert rate_limit | {"Retry-After"} <= declared("reservations", "post", 429)
    ticket = "reservations/{reservation_id}/ticket.pdf"
    assert not rate_limit & declared(ticket, "get", 200)  # a file, answered by the view
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                json = set(response.get("content", {})) <= {"application/json"}
                if status.startswith("2") and json:
                    assert rate_limit <= set(response.get("headers", {})), (method, path)
    counted = {
        ("reservations", "post", 201): api(client_user).post(
            "reservations", {"trip_id": trip.pk, "seats": 1}
        ),
        ("reservations/{reservation_id}", "get", 404): api(client_user).get("reservations/999999"),
        ("reservations", "post", 422): api(client_user).post("reservations", {"trip_id": "x"}),
        ("stations", "get", 200): api().get("stations"),
    }
    for (path, method, status), answer in counted.items():
        assert answer.status_code == status, (path, answer.content)
        assert rate_limit <= declared(path, method, status), (path, status)
        assert answer["RateLimit"].startswith('"api";r=') and answer["RateLimit-Policy"]
    refused = api().post("reservations", {"trip_id": trip.pk, "seats": 1})
    assert refused.status_code == 401 and "RateLimit" not in refused  # before it is counted
    assert not rate_limit & declared("reservations", "post", 401)
