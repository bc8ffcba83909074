"""A notification reads in the reader's language (page, API, email), not in the language of
the day it was written; older rows without parameters keep their text."""

import pytest

from louage.booking import services
from louage.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_in_french(trip, client_user, django_capture_on_commit_callbacks):
    client_user.language = "fr"
    client_user.save(update_fields=["language"])
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    notification = Notification.objects.get(user=client_user, kind="payment_received")
    assert notification.title.startswith("Paiement reçu")  # written in French
    return notification


def test_an_arabic_page_shows_a_french_written_notification_in_arabic(
    web, settings, client_user, paid_in_french
):
    web.force_login(client_user)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = web.get("/notifications/").content.decode()
    assert "Paiement reçu" not in html
    assert paid_in_french.reservation.code in html
    assert "تم استلام الدفع" in html  # the Arabic title


def test_the_api_answers_in_the_requests_language(api, client_user, paid_in_french):
    english = api(client_user).get("notifications", headers={"Accept-Language": "en"}).json()
    item = english["items"][0]
    assert item["title"].startswith("Payment received")
    assert "2 seats" in item["body"] and "Paiement" not in item["body"]
    french = api(client_user).get("notifications", headers={"Accept-Language": "fr"}).json()
    assert french["items"][0]["title"].startswith("Paiement reçu")


def test_a_row_written_before_parameters_were_kept_shows_its_text(web, settings, client_user):
    Notification.objects.create(
        user=client_user, kind="payment_received", title="Ancien titre", body="Ancien texte"
    )
    web.force_login(client_user)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    html = web.get("/notifications/").content.decode()
    assert "Ancien titre" in html and "Ancien texte" in html
