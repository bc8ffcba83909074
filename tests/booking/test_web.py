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


def test_visitors_see_the_total_and_terms_then_log_in_and_chiefs_cannot_reserve(
    web, trip, chief_user
):
    page = web.get(f"/departs/{trip.pk}/").content.decode()
    assert 'data-testid="reserve"' in page and "24,000 DT" in page  # 2 seats at 12,000 DT
    assert "remboursement intégral jusqu'à" in page
    response = web.post(f"/departs/{trip.pk}/reserver/", {"seats": 1})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/reservations/reprendre/"
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


def test_visitors_are_sent_to_the_login_page_from_every_booking_page(web, trip, client_user):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    for url in (
        "/reservations/",
        f"/reservations/{reservation.pk}/",
        "/guichet/reservations/",
        "/guichet/vente/",
    ):
        response = web.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url in (
        f"/reservations/{reservation.pk}/annuler/",
        f"/reservations/{reservation.pk}/encaisser/",
    ):
        assert web.post(url).status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == "pending" and not Payment.objects.exists()


def test_clients_cannot_open_the_desk_pages(web, trip, client_user):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    web.force_login(client_user)
    assert web.get("/guichet/reservations/").status_code == 403
    assert web.get("/guichet/vente/").status_code == 403
    assert web.post(f"/reservations/{reservation.pk}/encaisser/").status_code == 403
    reservation.refresh_from_db()
    assert reservation.status == "pending" and not Payment.objects.exists()


def test_other_stations_reservations_stay_out_of_a_chiefs_list(
    web, trip, client_user, other_station
):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    web.force_login(other_station.chief)
    page = web.get("/guichet/reservations/").content.decode()
    assert f'data-reservation="{reservation.code}"' not in page
    web.force_login(trip.origin.chief)
    assert web.get(f"/reservations/{reservation.pk}/").status_code == 200


def test_admin_sees_and_cancels_any_reservation_on_the_web(web, trip, client_user):
    from tests.factories import AdminFactory

    reservation = services.reserve_seats(trip=trip, client=client_user, seats=3)
    web.force_login(AdminFactory())
    assert web.get(f"/reservations/{reservation.pk}/").status_code == 200
    page = web.get("/guichet/reservations/").content.decode()
    assert f'data-reservation="{reservation.code}"' in page
    assert web.get("/guichet/vente/").status_code == 403  # the desk belongs to the chief
    web.post(f"/reservations/{reservation.pk}/annuler/")
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"
    trip.refresh_from_db()
    assert trip.seats_available == trip.seats_total


def test_the_reserve_box_offers_only_the_free_seats(web, trip, client_user):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    services.reserve_seats(trip=trip, client=ClientFactory(), seats=5)
    trip.refresh_from_db()
    request = RequestFactory().get(f"/departs/{trip.pk}/")
    request.user = client_user
    html = render_to_string("booking/_reserve_box.html", {"trip": trip}, request=request)
    assert html.count("<option") == 3 and 'value="3"' in html and 'value="4"' not in html
    assert "10 minutes" in html
