"""Threat: cross-site request forgery — a page on another site makes a logged-in visitor's
browser post to Louage (cancel a reservation, change a role, delete the account).

Attack: form posts without the CSRF token, with a wrong one, or from another origin over
HTTPS; and calls to the JSON API that carry only the browser's session cookie. Web forms
refuse them (403) and change nothing; the API reads no cookie at all (bearer tokens only), so
a forged cross-site call is a 401.
"""

import pytest
from django.conf import settings
from django.test import Client

from louage.booking.models import Reservation, ReservationStatus
from tests.booking_factories import ReservationFactory
from tests.factories import AdminFactory, ClientFactory

pytestmark = pytest.mark.django_db


def strict_browser(user=None):
    browser = Client(enforce_csrf_checks=True)
    if user is not None:
        browser.force_login(user)
    return browser


def test_the_login_form_refuses_a_post_without_its_token():
    response = strict_browser().post("/accounts/login/", {"login": "a@b.tn", "password": "x"})
    assert response.status_code == 403


def test_a_forged_cancellation_changes_nothing(trip):
    reservation = ReservationFactory(trip=trip)
    browser = strict_browser(reservation.client)
    response = browser.post(f"/reservations/{reservation.pk}/annuler/")
    assert response.status_code == 403
    browser.cookies["csrftoken"] = "a" * 32
    response = browser.post(
        f"/reservations/{reservation.pk}/annuler/", {"csrfmiddlewaretoken": "b" * 32}
    )
    assert response.status_code == 403
    assert Reservation.objects.get(pk=reservation.pk).status == ReservationStatus.PENDING


def test_a_forged_role_change_changes_nothing():
    target = ClientFactory()
    response = strict_browser(AdminFactory()).post(
        f"/gestion/utilisateurs/{target.pk}/role/", {"role": "admin"}
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.role == "client"


def test_a_forged_account_deletion_changes_nothing(password):
    user = ClientFactory()
    response = strict_browser(user).post("/compte/supprimer/", {"password": password})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.is_active


def test_the_api_ignores_the_session_cookie(trip):
    user = ClientFactory()
    browser = Client()  # no CSRF check needed: the cookie alone must not authenticate
    browser.force_login(user)
    response = browser.post(
        "/api/v1/reservations", {"trip_id": trip.pk, "seats": 1}, content_type="application/json"
    )
    assert response.status_code == 401
    assert not Reservation.objects.exists()


def test_cookies_do_not_travel_with_cross_site_posts():
    assert settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert settings.SESSION_COOKIE_HTTPONLY
