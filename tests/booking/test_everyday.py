"""Money said plainly, the visitor's seats kept through login, the ticket page, notices that
say who they missed, notifications that link to their reservation, the chief's today page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from louage.booking import services
from louage.booking.models import Reservation
from louage.booking.selectors import cancel_terms
from louage.notifications.models import Notification
from louage.payments.models import Payment, PaymentStatus
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_a_visitors_seats_are_held_when_they_come_back_logged_in(web, trip, client_user):
    web.post(f"/departs/{trip.pk}/reserver/", {"seats": 3})
    login_page = web.get("/accounts/login/?next=/reservations/reprendre/").content.decode()
    assert "vos 3 places sur Tunis → Sousse" in login_page
    web.force_login(client_user)
    response = web.get("/reservations/reprendre/")
    reservation = Reservation.objects.get()
    assert response["Location"] == f"/reservations/{reservation.pk}/"
    assert reservation.seats == 3 and reservation.client == client_user
    # Once only: coming back again holds nothing more.
    assert web.get("/reservations/reprendre/")["Location"] == "/reservations/"
    assert Reservation.objects.count() == 1


def test_login_lands_a_chief_on_today_and_a_visitor_with_seats_on_resume(rf, chief_user):
    from django.contrib.sessions.backends.db import SessionStore

    from louage.accounts.adapters import AccountAdapter

    request = rf.get("/")
    request.session = SessionStore()
    request.user = chief_user
    assert AccountAdapter(request).get_login_redirect_url(request) == "/guichet/aujourdhui/"
    request.session["booking_intent"] = {"trip": 1, "seats": 1}
    assert AccountAdapter(request).get_login_redirect_url(request) == "/reservations/reprendre/"


def test_cancel_terms_say_the_refund_and_its_deadline(trip, client_user, settings):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    terms = cancel_terms(reservation, client_user)
    assert terms.allowed and terms.refund == 0
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    reservation.refresh_from_db()
    terms = cancel_terms(reservation, client_user)
    assert terms.allowed and terms.refund == 24000 and terms.paid_in_cash
    assert terms.deadline == trip.departure - timedelta(minutes=settings.REFUND_CUTOFF_MINUTES)
    late = cancel_terms(reservation, client_user, now=terms.deadline + timedelta(minutes=1))
    assert not late.allowed and late.refund == 0
    assert cancel_terms(reservation, ClientFactory()).allowed is False
    assert cancel_terms(reservation, trip.origin.chief).refund == 24000


def test_reservation_page_has_one_cancel_that_names_the_amount_and_says_it_after(
    web, trip, client_user
):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    web.force_login(client_user)
    html = web.get(f"/reservations/{reservation.pk}/").content.decode()
    assert html.count('data-testid="cancel"') == 1 and "data-confirm" not in html
    assert "Annuler et être remboursé de 24,000 DT (possible jusqu" in html
    assert 'data-testid="refund-deadline"' in html
    response = web.post(
        f"/reservations/{reservation.pk}/annuler/", {"next": f"/reservations/{reservation.pk}/"}
    )
    page = web.get(response["Location"]).content.decode()
    assert "24,000 DT vous sont remboursés en espèces au guichet" in page
    assert Payment.objects.get().status == PaymentStatus.REFUNDED


def test_a_late_paid_reservation_reads_non_refundable(web, trip, client_user, settings):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    settings.REFUND_CUTOFF_MINUTES = 60 * 24  # the deadline has passed
    web.force_login(client_user)
    html = web.get(f"/reservations/{reservation.pk}/").content.decode()
    assert "Non remboursable" in html and 'data-testid="cancel"' not in html


def test_abandoned_gateway_visits_read_abandoned(web, trip, client_user):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    web.force_login(client_user)
    web.post(f"/reservations/{reservation.pk}/payer/")
    web.post(f"/reservations/{reservation.pk}/payer/")
    html = web.get(f"/reservations/{reservation.pk}/").content.decode()
    assert html.count('data-payment="abandoned"') == 1 and html.count('data-payment="pending"') == 1
    Reservation.objects.filter(pk=reservation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    html = web.get(f"/reservations/{reservation.pk}/").content.decode()
    assert html.count('data-payment="abandoned"') == 2 and "En cours" not in html


def test_ticket_page_shows_the_qr_for_its_owner_only_once_paid(web, trip, client_user):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    web.force_login(client_user)
    assert web.get(f"/reservations/{reservation.pk}/billet/")["Location"].endswith(
        f"/reservations/{reservation.pk}/"
    )
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    html = web.get(f"/reservations/{reservation.pk}/billet/").content.decode()
    assert '<svg viewBox="0 0' in html and reservation.code in html and "123 TU 4567" in html
    assert 'style="' not in html.split('data-testid="qr"')[1][:3000]  # CSP: no inline style
    web.force_login(ClientFactory())
    assert web.get(f"/reservations/{reservation.pk}/billet/").status_code == 404


def test_notice_says_who_it_could_not_reach_and_why(api, web, trip, client_user):
    services.reserve_seats(trip=trip, client=client_user, seats=1)
    services.sell_at_desk(
        trip=trip, seats=1, passenger_name="Slim Gharbi", passenger_phone="98 123 456",
        by=trip.origin.chief,
    )  # fmt: skip
    body = api(trip.origin.chief).post("notices", {"trip_ids": [trip.pk], "text": "Quai 3"}).json()
    assert body["recipients"] == 1
    assert body["unreached"][0]["passenger_name"] == "Slim Gharbi"
    assert body["unreached"][0]["passenger_phone"] == "+21698123456"
    assert "guichet" in body["unreached"][0]["reason"]
    web.force_login(trip.origin.chief)
    html = web.post("/guichet/avis/", {"trips": [trip.pk], "text": "Quai 3"}).content.decode()
    assert 'data-testid="unreached"' in html and "Slim Gharbi" in html


def test_notifications_link_their_reservation_and_never_speak_of_a_missing_attachment(
    web, trip, client_user, django_capture_on_commit_callbacks
):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    notification = Notification.objects.get(user=client_user)
    assert notification.reservation_id == reservation.pk
    assert "joint" not in notification.body
    web.force_login(client_user)
    html = web.get("/notifications/").content.decode()
    assert f'href="/reservations/{reservation.pk}/"' in html


def test_today_page_counts_sold_free_and_boarded_for_the_chief_only(web, trip, client_user):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    web.force_login(trip.origin.chief)
    html = web.get(f"/guichet/aujourdhui/?date={timezone.localdate(trip.departure)}").content
    html = html.decode()
    assert f'data-trip="{trip.pk}"' in html and 'data-testid="next-trip"' in html
    assert 'data-testid="sold-total">2<' in html
    assert web.get("/guichet/aujourdhui/?date=nonsense").status_code == 200
    web.force_login(client_user)
    assert web.get("/guichet/aujourdhui/").status_code == 403
