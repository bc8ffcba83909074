import pytest

from louage.booking import services
from louage.booking.models import Reservation
from louage.payments.models import Payment
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_client_reserves_from_the_departure_page(web, trip, client_user):
    web.force_login(client_user)
    page = web.get(f"/departs/{trip.pk}/").content.decode()
    assert 'data-testid="reserve"' in page
    response = web.post(f"/departs/{trip.pk}/reserver/", {"seats": 2})
    reservation = Reservation.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/reservations/{reservation.pk}/"
    )
    detail = web.get(response["Location"]).content.decode()
    assert "24,000 DT" in detail and "data-expires-at" in detail


def test_bad_seat_count_on_the_web_is_a_message_not_an_error(web, trip, client_user):
    web.force_login(client_user)
    response = web.post(f"/departs/{trip.pk}/reserver/", {"seats": 12}, follow=True)
    assert "entre 1 et 8" in response.content.decode()
    assert not Reservation.objects.exists()


def test_visitors_are_asked_to_log_in_and_chiefs_cannot_reserve(web, trip, chief_user):
    assert "Connectez-vous pour réserver" in web.get(f"/departs/{trip.pk}/").content.decode()
    assert web.post(f"/departs/{trip.pk}/reserver/", {"seats": 1}).status_code == 302
    web.force_login(chief_user)
    assert web.post(f"/departs/{trip.pk}/reserver/", {"seats": 1}).status_code == 403
    assert not Reservation.objects.exists()


def test_my_reservations_lists_and_cancels(web, trip, client_user):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    web.force_login(client_user)
    page = web.get("/reservations/").content.decode()
    assert f'data-reservation="{reservation.code}"' in page and "data-expires-at" in page
    web.post(f"/reservations/{reservation.pk}/annuler/", {"next": "/reservations/"})
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"


def test_someone_elses_reservation_is_404_on_the_web(web, trip, client_user, other_station):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    for intruder in (ClientFactory(), other_station.chief):
        web.force_login(intruder)
        assert web.get(f"/reservations/{reservation.pk}/").status_code == 404
        web.post(f"/reservations/{reservation.pk}/annuler/")
    reservation.refresh_from_db()
    assert reservation.status == "pending"


def test_chief_station_page_confirms_with_cash_and_filters(web, trip, client_user):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    web.force_login(trip.origin.chief)
    page = web.get("/guichet/reservations/?status=pending").content.decode()
    assert f'data-reservation="{reservation.code}"' in page
    web.post(f"/reservations/{reservation.pk}/encaisser/", {"next": "/guichet/reservations/"})
    reservation.refresh_from_db()
    assert reservation.status == "confirmed"
    assert Payment.objects.get().method == "cash"
    assert (
        f'data-reservation="{reservation.code}"'
        not in web.get("/guichet/reservations/?status=pending").content.decode()
    )
    assert web.get(f"/guichet/reservations/?trip={trip.pk}&date=bad").status_code == 200


def test_other_chief_cannot_confirm(web, trip, client_user, other_station):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    web.force_login(other_station.chief)
    web.post(f"/reservations/{reservation.pk}/encaisser/")
    reservation.refresh_from_db()
    assert reservation.status == "pending" and not Payment.objects.exists()


def test_desk_sale_form(web, trip):
    web.force_login(trip.origin.chief)
    bad = web.post(
        "/guichet/vente/",
        {"trip": trip.pk, "seats": 2, "passenger_name": "Ali", "passenger_phone": "12"},
    )
    assert bad.status_code == 200 and "Numéro de téléphone invalide" in bad.content.decode()
    too_many = web.post("/guichet/vente/", {"trip": trip.pk, "seats": 9, "passenger_name": "Ali"})
    assert too_many.status_code == 200
    ok = web.post(
        "/guichet/vente/",
        {
            "trip": trip.pk,
            "seats": 2,
            "passenger_name": "Ali Zouari",
            "passenger_phone": "98 111 222",
        },
    )
    assert ok.status_code == 302
    reservation = Reservation.objects.get()
    assert (reservation.status, reservation.passenger_name) == ("confirmed", "Ali Zouari")
