"""Threat: denial of service — one caller makes the server work hard (huge pages, long
periods, fuzzy city names, big bodies) or floods it; or a slow client holds a worker.

Attack and defence: every expensive operation has a bound whatever the input (page size 100
on every list operation, report periods 366 days in the API, the web page and its CSV, place
names 60 characters and a fixed number of queries, a PDF ticket one page whatever the names,
bodies REQUEST_MAX_BYTES, avatars 40 million pixels: test_uploads.py); floods meet rate limits that
spare honest traffic behind one address — anonymous calls per address, token holders per
account, seat holds and payments per account, each with Retry-After; nginx buffers slow
clients before a web worker sees them.
"""

import io
import json
import socket
import time

import httpx
import pytest
from pypdf import PdfReader

from louage.accounts.sessions import tokens_for
from louage.core.management.commands.nginx_config import render
from tests.booking_factories import ConfirmedReservationFactory
from tests.factories import ClientFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory
from tests.support.servers import NginxServer

pytestmark = pytest.mark.django_db

LONG_NAME = "Sidi Bou Zid el Gharbia wa el Charkia " + "x" * 22  # 60 characters


def test_search_by_unknown_long_city_names_costs_a_bounded_number_of_queries(
    api, trip, django_assert_max_num_queries
):
    assert len(LONG_NAME) == 60
    api().get("trips")  # the first request of a process loads the routes: not timed
    started = time.monotonic()
    with django_assert_max_num_queries(8):
        response = api().get("trips", {"origin": LONG_NAME, "destination": LONG_NAME[::-1]})
    assert response.status_code == 200 and response.json()["count"] == 0
    assert time.monotonic() - started < 3
    with django_assert_max_num_queries(6):
        assert api().get("places", {"q": LONG_NAME, "page_size": 20}).status_code == 200


@pytest.mark.parametrize(
    "path, params",
    [
        ("trips", {"origin": "x" * 61}),
        ("places", {"q": "x" * 61}),
        ("places", {"q": "Tunis", "page_size": 21}),
        ("trips", {"page_size": 101}),
        ("stations", {"q": "x" * 101}),
        ("fares", {"origin_city": "x" * 61}),
    ],
)
def test_oversized_inputs_to_public_operations_are_refused(api, path, params):
    assert api().get(path, params).status_code == 422


def list_operations_with_a_page_size():
    from louage.api import api

    document = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "page_size":
                    yield path, method, parameter["schema"].get("maximum")


def test_every_list_operation_caps_its_page_size_at_100(api, admin_user):
    found = list(list_operations_with_a_page_size())
    assert len(found) >= 5
    for path, method, maximum in found:
        assert method == "get" and maximum is not None and maximum <= 100, (path, maximum)
        if "{" not in path:
            response = api(admin_user).get(path.removeprefix("/api/v1/"), {"page_size": 101})
            assert response.status_code == 422, path


@pytest.mark.parametrize(
    "path",
    ["/api/v1/reports/sales", "/api/v1/reports/visits", "/gestion/rapports/",
     "/gestion/rapports/sales.csv"],
)  # fmt: skip
def test_reports_cover_366_days_at_most(client, admin_user, path):
    client.force_login(admin_user)
    headers = {"Authorization": f"Bearer {tokens_for(admin_user)['access']}"}
    response = client.get(path, {"from": "2024-01-01", "to": "2026-01-01"}, headers=headers)
    if path.startswith("/api/"):
        assert (response.status_code, response.json()["code"]) == (422, "period_too_long")
    elif path.endswith(".csv"):  # the export falls back to the default 30 days
        assert response.status_code == 200
        assert "2024-01-01" not in response["Content-Disposition"]
        assert len(response.content.decode().splitlines()) <= 32
    else:  # the page says why and shows the default 30 days
        assert response.status_code == 200
        assert "La période demandée compte 732 jours : 366 au plus." in response.content.decode()
        assert response.context["period"].days == 30


def test_a_ticket_pdf_is_one_small_page_whatever_the_names(api, settings):
    long = "Station " + "\u0645" * 60 + " W" * 26  # 120 characters, Arabic and wide Latin
    origin = StationFactory(name=long[:120])
    destination = StationFactory(name=long[::-1][:120])
    trip = TripFactory(
        origin=origin, destination=destination, vehicle=VehicleFactory(station=origin)
    )
    reservation = ConfirmedReservationFactory(trip=trip, passenger_name="W" * 150, seats=1)
    started = time.monotonic()
    response = api(reservation.client).get(f"reservations/{reservation.pk}/ticket.pdf")
    assert response.status_code == 200
    assert time.monotonic() - started < 5
    assert len(response.content) < 100_000
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1


def test_anonymous_floods_are_limited_per_address_not_per_account(api, settings, station):
    settings.API_RATE_ANONYMOUS = "5/m"
    codes = [api().get("stations").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    refused = api().get("stations")
    assert refused.json()["code"] == "rate_limited" and 0 < int(refused["Retry-After"]) <= 60
    # Someone with a token, behind the same address, is counted on their own.
    assert api(ClientFactory()).get("stations").status_code == 200


def test_seat_holds_are_limited_per_account(api, settings, trip):
    settings.API_RATE_BOOKING = "2/m"
    settings.MAX_PENDING_HOLDS = 10
    greedy, other = ClientFactory(), ClientFactory()
    codes = [api(greedy).post("reservations", {"trip_id": trip.pk, "seats": 1}).status_code
             for _ in range(3)]  # fmt: skip
    assert codes == [201, 201, 429]
    assert api(other).post("reservations", {"trip_id": trip.pk, "seats": 1}).status_code == 201


def test_payments_are_limited_per_account(api, settings, trip):
    from louage.booking import services

    settings.API_RATE_PAYMENT = "2/m"
    client = ClientFactory()
    reservation = services.reserve_seats(trip=trip, client=client, seats=1)
    codes = [api(client).post(f"reservations/{reservation.pk}/payments").status_code
             for _ in range(3)]  # fmt: skip
    assert codes[:2] == [201, 201] and codes[2] == 429


def test_request_bodies_are_capped_before_they_are_read(client, settings):
    settings.REQUEST_MAX_BYTES = 1024
    response = client.post("/api/v1/reservations", "x" * 2048, content_type="application/json")
    assert response.status_code == 413


def test_nginx_buffers_slow_clients_and_bodies_before_the_web_server():
    site = render(
        upstreams=["127.0.0.1:8000"], listen="127.0.0.1:80", server_name="_",
        static_root="/srv/static", media_root="/srv/media", rate=10, burst=20, connections=100,
    )  # fmt: skip
    for directive in (
        "proxy_request_buffering on;", "proxy_buffering on;", "client_body_timeout 10s;",
        "client_header_timeout 10s;", "client_max_body_size 8m;",
    ):  # fmt: skip
        assert directive in site, directive


def slow_client(port):
    """Sends the headers and the start of a body, then nothing: a slowloris."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"email": '
    )
    return sock


def answers_at_once(url):
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TimeoutException:
        return False


@pytest.mark.live
def test_slow_clients_tie_up_nginx_not_a_web_worker(live_app, tmp_path):
    server = live_app("sqlite", workers=1)
    # Straight to the web server, a slow client per thread holds its only worker: the attack
    # is real.
    held = [slow_client(server.port) for _ in range(int(server.env.get("WEB_THREADS", "2")))]
    try:
        time.sleep(0.5)  # both bodies awaited before the probe
        assert not answers_at_once(server.url)
    finally:
        for sock in held:
            sock.close()
    assert answers_at_once(server.url)
    nginx = NginxServer(
        upstreams=[f"127.0.0.1:{server.port}"], static_root=tmp_path, media_root=tmp_path
    ).start()
    try:
        held = [slow_client(nginx.port) for _ in range(10)]
        # nginx waits for the bodies itself; the worker serves everyone else meanwhile.
        assert answers_at_once(nginx.url)
        assert answers_at_once(nginx.url)
        for sock in held:
            sock.close()
    finally:
        nginx.stop()
