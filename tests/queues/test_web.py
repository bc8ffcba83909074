"""The desk page (/guichet/) and the public "next louage" pages."""

import io

import pytest
from pypdf import PdfReader

from louage.booking import services as booking
from louage.booking.models import Reservation
from louage.queues import services
from louage.queues.models import QueuedVehicle, TurnStatus
from louage.trips.models import TripStatus
from tests.factories import AdminFactory, ChiefFactory, ClientFactory
from tests.queues.conftest import FARE

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def loading(queue):
    return QueuedVehicle.objects.get(queue=queue, status=TurnStatus.LOADING).trip


def test_the_desk_shows_each_destination_with_its_loading_vehicle_and_free_seats(
    web, chief_user, lined_up
):
    services.count_walk_in(queue=lined_up, seats=3, by=chief_user)
    web.force_login(chief_user)
    page = web.get("/guichet/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-destination="Sousse"' in html
    assert "101 TU 1001" in html and "102 TU 1002" in html
    assert '<strong data-testid="seats-free">5</strong>' in html
    assert 'hx-trigger="every 5s"' in html  # the seats stay live


def test_the_live_part_is_cheap_to_poll(web, chief_user, lined_up, django_assert_max_num_queries):
    web.force_login(chief_user)
    with django_assert_max_num_queries(12):
        response = web.get(f"/guichet/files/{lined_up.pk}/", headers=HTMX)
    assert response.status_code == 200
    assert 'id="live-' in response.content.decode()


def test_counting_walk_ins_from_the_desk_updates_the_seats_in_place(web, chief_user, lined_up):
    web.force_login(chief_user)
    response = web.post(f"/guichet/files/{lined_up.pk}/porte/", {"seats": "3"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "flash-success" in html and '<strong data-testid="seats-free">5</strong>' in html
    assert response["HX-Trigger"] == "louage:done"
    assert loading(lined_up).seats_available == 5
    too_many = web.post(f"/guichet/files/{lined_up.pk}/porte/", {"seats": "6"}, headers=HTMX)
    assert "flash-error" in too_many.content.decode()
    assert "HX-Trigger" not in too_many
    assert loading(lined_up).seats_available == 5


def test_selling_at_the_desk_names_the_vehicle_and_refuses_a_missing_name(
    web, chief_user, lined_up
):
    web.force_login(chief_user)
    sold = web.post(f"/guichet/files/{lined_up.pk}/vendre/",
                    {"seats": "2", "passenger_name": "Slim Gharbi", "passenger_phone": ""}, headers=HTMX)  # fmt: skip
    assert "101 TU 1001" in sold.content.decode()
    bad = web.post(
        f"/guichet/files/{lined_up.pk}/vendre/", {"seats": "2", "passenger_name": ""}, headers=HTMX
    )
    assert "flash-error" in bad.content.decode()
    bad_phone = web.post(f"/guichet/files/{lined_up.pk}/vendre/",
                         {"seats": "1", "passenger_name": "A", "passenger_phone": "12"}, headers=HTMX)  # fmt: skip
    assert "flash-error" in bad_phone.content.decode()
    assert Reservation.objects.count() == 1


def test_the_chief_adds_by_plate_marks_full_and_sends_and_the_next_loads(web, chief_user, lined_up):
    web.force_login(chief_user)
    added = web.post(f"/guichet/files/{lined_up.pk}/ajouter/", {"plate": "104tu1004"}, headers=HTMX)
    assert 'data-plate="104 TU 1004"' in added.content.decode()
    bad = web.post(f"/guichet/files/{lined_up.pk}/ajouter/", {"plate": "nope"}, headers=HTMX)
    assert "Immatriculation invalide" in bad.content.decode()
    web.post(f"/guichet/files/{lined_up.pk}/complet/", headers=HTMX)
    assert QueuedVehicle.objects.get(status="loading").full_at is not None
    first = loading(lined_up)
    sent = web.post(f"/guichet/files/{lined_up.pk}/envoyer/", headers=HTMX)
    first.refresh_from_db()
    assert first.status == TripStatus.DEPARTED
    assert 'data-testid="loading-plate">102 TU 1002' in sent.content.decode()


def test_waiting_vehicles_move_up_and_down_and_leave(web, chief_user, lined_up, vehicles):
    web.force_login(chief_user)
    web.post(f"/guichet/files/{lined_up.pk}/vehicules/{vehicles[2].pk}/monter/", headers=HTMX)
    order = [
        t.vehicle_id for t in QueuedVehicle.objects.filter(status="waiting").order_by("position")
    ]
    assert order == [vehicles[2].pk, vehicles[1].pk]
    web.post(f"/guichet/files/{lined_up.pk}/vehicules/{vehicles[2].pk}/retirer/", headers=HTMX)
    assert not QueuedVehicle.objects.filter(vehicle=vehicles[2], status="waiting").exists()
    assert (
        web.post(f"/guichet/files/{lined_up.pk}/vehicules/{vehicles[1].pk}/sauter/").status_code
        == 404
    )


def test_without_javascript_the_desk_forms_redirect_back_with_a_message(web, chief_user, lined_up):
    web.force_login(chief_user)
    response = web.post(f"/guichet/files/{lined_up.pk}/porte/", {"seats": "2"}, follow=True)
    assert response.redirect_chain[-1][0] == "/guichet/"
    assert "2 voyageurs à la porte comptés" in response.content.decode()


def test_the_chief_boards_a_traveller_from_the_desk_list(web, chief_user, lined_up):
    reservation = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    booking.record_cash_payment(reservation=reservation, by=chief_user)
    web.force_login(chief_user)
    page = web.get(f"/guichet/files/{lined_up.pk}/", headers=HTMX).content.decode()
    assert reservation.code in page
    web.post(f"/guichet/files/{lined_up.pk}/embarquer/{reservation.pk}/", headers=HTMX)
    reservation.refresh_from_db()
    assert reservation.status == "boarded"


def test_another_chief_clients_and_visitors_are_kept_off_the_desk(web, lined_up):
    web.force_login(ChiefFactory())
    assert web.get(f"/guichet/files/{lined_up.pk}/").status_code == 404
    assert web.post(f"/guichet/files/{lined_up.pk}/porte/", {"seats": "2"}).status_code == 404
    assert web.post(f"/guichet/files/{lined_up.pk}/envoyer/").status_code == 404
    web.force_login(ClientFactory())
    assert web.get("/guichet/").status_code == 403
    assert web.post(f"/guichet/files/{lined_up.pk}/envoyer/").status_code == 403
    web.logout()
    assert web.get("/guichet/").status_code == 302
    assert loading(lined_up).status == TripStatus.SCHEDULED
    assert not Reservation.objects.exists()


def test_an_admin_opens_any_stations_desk(web, lined_up, station):
    web.force_login(AdminFactory())
    assert '<select name="station"' in web.get("/guichet/").content.decode()
    page = web.get("/guichet/", {"station": station.pk}).content.decode()
    assert "101 TU 1001" in page and 'data-testid="sell-form"' in page
    web.post(f"/guichet/files/{lined_up.pk}/porte/", {"seats": "2"}, headers=HTMX)
    assert loading(lined_up).seats_available == 6
    web.post(f"/guichet/files/{lined_up.pk}/envoyer/", {"station": station.pk})
    assert loading(lined_up).vehicle.plate == "102 TU 1002"


def test_the_chief_opens_a_queue_and_sets_the_no_show_rule(
    web, chief_user, station, other_station, fare
):
    web.force_login(chief_user)
    web.post("/guichet/files/ouvrir/", {"destination_id": other_station.pk})
    assert station.queues.filter(destination=other_station).exists()
    web.post("/guichet/regle-absents/", {"no_show_fare": "refund"})
    assert services.no_show_policy(station.pk) == "refund"
    web.post("/guichet/regle-absents/", {"no_show_fare": "steal"})
    assert services.no_show_policy(station.pk) == "refund"


def test_a_traveller_books_the_next_louage_and_is_told_its_plate(web, lined_up, chief_user):
    services.count_walk_in(queue=lined_up, seats=7, by=chief_user)
    page = web.get(f"/prochain-louage/{lined_up.pk}/").content.decode()
    assert "places libres dans le prochain louage" in page
    client = ClientFactory()
    web.force_login(client)
    response = web.post(f"/prochain-louage/{lined_up.pk}/reserver/", {"seats": "2"}, follow=True)
    html = response.content.decode()
    assert "Vos places sont dans le louage 102 TU 1002" in html
    assert 'data-testid="vehicle-plate">102 TU 1002' in html
    assert "quand le louage est complet" in html
    reservation = Reservation.objects.get(client=client)
    assert (reservation.seats, reservation.total_price) == (2, 2 * FARE)


def test_the_ticket_of_a_queue_seat_prints_the_plate_and_the_official_fare(
    web, lined_up, chief_user
):
    reservation = services.reserve_next_louage(queue=lined_up, client=ClientFactory(), seats=1)
    booking.record_cash_payment(reservation=reservation, by=chief_user)
    web.force_login(reservation.client)
    pdf = web.get(f"/reservations/{reservation.pk}/billet.pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "101 TU 1001" in text
    assert "quand le louage est complet" in text
    assert "Tarif officiel" in text and "12,750" in text


def test_search_and_station_pages_show_the_next_louage_line(web, lined_up, chief_user, station):
    services.count_walk_in(queue=lined_up, seats=3, by=chief_user)
    results = web.get("/departs/", {"origin": "Tunis", "destination": "Sousse"}).content.decode()
    assert "Prochain louage vers Sousse : 5 places libres" in results
    assert "estimation" in results
    assert "Prochain louage vers Sousse" in web.get(f"/stations/{station.pk}/").content.decode()
    assert (
        "Prochain louage vers Sousse"
        in web.get(f"/stations/{station.pk}/tableau/").content.decode()
    )


def test_a_queue_trips_page_says_it_leaves_when_full(web, lined_up):
    page = web.get(f"/departs/{loading(lined_up).pk}/").content.decode()
    assert "Départ quand le louage est complet" in page
    assert "Réserver dans le prochain louage" in page


def test_a_client_sees_a_queue_seat_among_its_upcoming_reservations(web, lined_up, clock):
    client = ClientFactory()
    reservation = services.reserve_next_louage(queue=lined_up, client=client, seats=1)
    clock.advance(minutes=5)
    web.force_login(client)
    page = web.get("/reservations/")
    assert reservation in list(page.context["upcoming"])


def test_a_traveller_without_a_phone_number_is_sent_to_add_one_and_back(web, lined_up):
    web.force_login(ClientFactory(phone=""))
    response = web.post(f"/prochain-louage/{lined_up.pk}/reserver/", {"seats": "1"})
    assert response.status_code == 302
    assert f"next=%2Fprochain-louage%2F{lined_up.pk}%2F" in response["Location"]
    assert not Reservation.objects.exists()
