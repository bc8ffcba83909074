"""A departure at 00:30 in Tunis is 23:30 UTC the day before: every page, form, email,
notification, PDF and API text that shows it must say 00:30 and the right day — whatever
time zone happens to be active in the process."""

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import dateformat, timezone
from pypdf import PdfReader

from louage.booking import services as booking
from louage.core.times import local_today
from louage.notifications.models import Notification
from louage.notifications.tasks import send_notification_email
from louage.tickets.pdf import render_ticket_pdf
from tests.network_factories import TripFactory

pytestmark = pytest.mark.django_db

TUNIS = ZoneInfo("Africa/Tunis")


@pytest.fixture(params=["Africa/Tunis", "UTC"])
def active_zone(request):
    with timezone.override(request.param):
        yield request.param


@pytest.fixture
def late(
    station, other_station, vehicle, client_user, django_capture_on_commit_callbacks, settings
):
    """A departure at 00:30 Tunis time, two days from now, with a paid traveller and a walk-in.
    (Refunds until 00:15: no time on the pages may legitimately read 23:30.)"""
    settings.REFUND_CUTOFF_MINUTES = 15
    day = local_today() + timedelta(days=2)
    trip = TripFactory(
        origin=station,
        destination=other_station,
        vehicle=vehicle,
        departure=datetime.combine(day, time(0, 30), tzinfo=TUNIS),
    )
    reservation = booking.reserve_seats(trip=trip, client=client_user, seats=2)
    with django_capture_on_commit_callbacks(execute=True):
        booking.record_cash_payment(reservation=reservation, by=station.chief)
    walk_in = booking.sell_at_desk(
        trip=trip, seats=1, passenger_name="Slim Gharbi", passenger_phone="", by=station.chief
    )
    return {"trip": trip, "day": day, "reservation": reservation, "walk_in": walk_in}


def _shows_local(text, late, *, day_format):
    assert "00:30" in text, "the local time 00:30 is missing"
    assert "23:30" not in text, "the UTC time 23:30 is shown"
    assert dateformat.format(late["day"], day_format) in text, "the local day is missing"


def test_every_page_listing_the_departure_shows_00_30_on_its_day(
    web, late, chief_user, client_user, active_zone
):
    trip, day = late["trip"], late["day"]
    iso, previous = day.isoformat(), (day - timedelta(days=1)).isoformat()

    public = {
        f"/departs/?origin=Tunis&destination=Sousse&date={iso}": "d/m",
        f"/departs/{trip.pk}/": "j F Y",
        f"/stations/{trip.origin_id}/": "d/m",
    }
    for url, day_format in public.items():
        _shows_local(web.get(url).content.decode(), late, day_format=day_format)
    # On the day before (when it is in UTC), the search does not list it.
    before = web.get(f"/departs/?origin=Tunis&destination=Sousse&date={previous}").content
    assert f'data-trip="{trip.pk}"'.encode() not in before
    board = web.get(f"/stations/{trip.origin_id}/tableau/").content.decode()
    assert "00:30" in board and "23:30" not in board

    web.force_login(chief_user)
    chief_pages = {
        f"/gestion/departs/?date={iso}": "d/m",
        f"/guichet/vente/?day={iso}": "d/m",
        f"/guichet/avis/?day={iso}": "d/m",
        f"/guichet/embarquement/?day={iso}&trip={trip.pk}": "d/m",
        f"/guichet/aujourdhui/?date={iso}": "j F Y",
        f"/guichet/reservations/?trip={trip.pk}": "d/m",
        f"/reservations/{late['walk_in'].pk}/": "j F Y",
    }
    for url, day_format in chief_pages.items():
        page = web.get(url).content.decode()
        if url.startswith(("/guichet/vente", "/guichet/avis", "/guichet/embarquement")):
            # Pickers list the day's departures under the day's name, each at its time.
            assert f'data-day="{iso}"' in page and f'data-trip="{trip.pk}"' in page, url
            assert "00:30" in page and "23:30" not in page, url
        else:
            _shows_local(page, late, day_format=day_format)
    edit = web.get(f"/gestion/departs/{trip.pk}/modifier/").content.decode()
    assert f'value="{iso}"' in edit and 'value="00:30"' in edit

    web.force_login(client_user)
    reservation = late["reservation"]
    for url, day_format in {
        "/reservations/": "j F Y",
        f"/reservations/{reservation.pk}/": "j F Y",
        f"/reservations/{reservation.pk}/billet/": "j F Y",
    }.items():
        _shows_local(web.get(url).content.decode(), late, day_format=day_format)
    notifications = web.get("/notifications/").content.decode()
    _shows_local(notifications, late, day_format="j F Y")


def test_email_pdf_and_api_say_00_30_on_its_day(api, late, client_user, active_zone, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reservation = late["reservation"]
    notification = Notification.objects.get(user=client_user, kind="payment_received")
    _shows_local(notification.body, late, day_format="j F Y")
    send_notification_email.call(notification.pk, reservation.pk)
    _shows_local(mail.outbox[-1].body, late, day_format="j F Y")

    pdf = PdfReader(io.BytesIO(render_ticket_pdf(reservation))).pages[0].extract_text()
    _shows_local(pdf, late, day_format="d/m/Y")

    body = api().get(f"trips/{late['trip'].pk}").json()
    assert body["departure"] == f"{late['day'].isoformat()}T00:30:00+01:00"

    # The vehicle is busy: the refusal names the other departure in Tunis time.
    chief = api(late["trip"].origin.chief)
    clash = chief.post(
        "trips",
        {
            "destination_id": late["trip"].destination_id,
            "vehicle_id": late["trip"].vehicle_id,
            "departure": f"{late['day'].isoformat()}T00:00:00Z",
            "price": 12000,
        },
    )
    assert clash.status_code == 409
    assert "00:30" in clash.json()["detail"] and "23:30" not in clash.json()["detail"]
    assert dateformat.format(late["day"], "d/m") in clash.json()["detail"]
