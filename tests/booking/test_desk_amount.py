"""The desk says how much to collect, before the sale (follows the departure and the seats)
and after it, with a receipt to print: the desk sale page and the queue desk alike."""

import json
import re

import pytest

from louage.booking.models import Reservation
from tests.factories import ClientFactory
from tests.queues.conftest import FARE

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def amounts_of(page, trip_pk):
    found = re.search(rf'value="{trip_pk}"[^>]*data-amounts="([^"]+)"', page)
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_the_sale_page_shows_the_amount_for_the_chosen_departure_and_seats(web, trip):
    web.force_login(trip.origin.chief)
    page = web.get(f"/guichet/vente/?trip={trip.pk}").content.decode()
    assert "Encaisser 12,000 DT" in page  # one seat, before anything is typed
    assert amounts_of(page, trip.pk)[:3] == ["12,000 DT", "24,000 DT", "36,000 DT"]
    assert "12,000 DT la place" in page
    refused = web.post(
        "/guichet/vente/",
        {"trip": trip.pk, "seats": 3, "passenger_name": "Ali", "passenger_phone": "1"},
    ).content.decode()
    assert "Encaisser 36,000 DT" in refused  # the form comes back with the amount it had
    assert not Reservation.objects.exists()


def test_after_a_desk_sale_the_amount_and_a_printable_receipt(web, trip):
    chief = trip.origin.chief
    web.force_login(chief)
    response = web.post(
        "/guichet/vente/",
        {"trip": trip.pk, "seats": 2, "passenger_name": "Ali Zouari", "passenger_phone": ""},
        follow=True,
    )
    page = response.content.decode()
    sale = Reservation.objects.get()
    assert f"Vente enregistrée : référence {sale.code}. Encaissez 24,000 DT." in page
    assert f'href="/reservations/{sale.pk}/recu/"' in page
    receipt = web.get(f"/reservations/{sale.pk}/recu/").content.decode()
    for expected in (
        "Tunis Moncef Bey",
        "Sousse",
        "123 TU 4567",
        "24,000 DT",
        "2 × 12,000 DT",
        sale.code,
        "Ali Zouari",
        "data-print",
    ):
        assert expected in receipt, expected


def test_the_receipt_is_for_the_station_only(web, trip, other_station):
    web.force_login(trip.origin.chief)
    web.post("/guichet/vente/", {"trip": trip.pk, "seats": 1, "passenger_name": "Ali"})
    sale = Reservation.objects.get()
    web.force_login(other_station.chief)
    assert web.get(f"/reservations/{sale.pk}/recu/").status_code == 404
    web.force_login(ClientFactory())
    assert web.get(f"/reservations/{sale.pk}/recu/").status_code == 403


def test_the_queue_desk_shows_the_fare_to_collect_and_the_amount_after_a_sale(
    web, chief_user, lined_up
):
    web.force_login(chief_user)
    page = web.get("/guichet/").content.decode()
    assert "Encaisser 12,750 DT" in page and FARE == 12_750
    assert "&quot;25,500 DT&quot;" in page  # two seats, for the script to follow the choice
    sold = web.post(
        f"/guichet/files/{lined_up.pk}/vendre/",
        {"seats": "2", "passenger_name": "Slim Gharbi", "passenger_phone": ""},
        headers=HTMX,
    ).content.decode()
    sale = Reservation.objects.get()
    assert "Encaissez 25,500 DT" in sold and "2 places" in sold
    assert f'href="/reservations/{sale.pk}/recu/"' in sold


def test_the_api_desk_sale_answers_the_amount_to_collect(api, trip):
    response = api(trip.origin.chief).post(
        "reservations/desk", {"trip_id": trip.pk, "seats": 3, "passenger_name": "Ali"}
    )
    assert response.status_code == 201
    assert response.json()["total_price"] == 36_000  # millimes: 3 × 12,000 DT
    assert Reservation.objects.get().payments.get().amount == 36_000
