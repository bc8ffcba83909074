import io

import pytest
from pypdf import PdfReader

from louage.booking import services
from louage.notifications.models import Notice, Notification
from louage.trips import services as trip_services
from tests.factories import ClientFactory
from tests.network_factories import TripFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_tasks_now(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_payment_sends_an_in_app_notification_and_an_email_with_the_ticket(
    trip, client_user, smtp_settings, run_tasks_now, django_capture_on_commit_callbacks
):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    notification = Notification.objects.get(user=client_user, kind="payment_received")
    assert reservation.code in notification.title
    message = smtp_settings.wait_for(lambda m: client_user.email in m["To"])
    assert reservation.code in message["Subject"]
    assert "24,000 DT" in smtp_settings.text_of(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<html" in html
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"billet-{reservation.code}.pdf"]
    text = PdfReader(io.BytesIO(attachments[0].get_content())).pages[0].extract_text()
    assert reservation.code in text
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_no_email_is_sent_inside_the_request_when_no_worker_runs(
    trip, client_user, smtp_settings, django_capture_on_commit_callbacks
):
    reservation = services.reserve_seats(trip=trip, client=client_user, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_payment(reservation=reservation, by=trip.origin.chief)
    assert Notification.objects.filter(user=client_user).count() == 1
    assert smtp_settings.messages == []  # queued in the database for db_worker


def test_cancellation_and_trip_cancellation_notify_the_traveller(
    trip, client_user, run_tasks_now, smtp_settings, django_capture_on_commit_callbacks
):
    first = services.reserve_seats(trip=trip, client=client_user, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_reservation(reservation=first, by=client_user)
    other = ClientFactory()
    second = services.reserve_seats(trip=trip, client=other, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_payment(reservation=second, by=trip.origin.chief)
        trip_services.cancel_trip(trip=trip, by=trip.origin.chief)
    assert Notification.objects.filter(user=client_user, kind="reservation_cancelled").exists()
    cancelled = Notification.objects.get(user=other, kind="trip_cancelled")
    assert "remboursé" in cancelled.body
    smtp_settings.wait_for(lambda m: other.email in m["To"] and "annulé" in m["Subject"])


def test_notice_reaches_only_the_travellers_of_the_chosen_departures(
    api, trip, client_user, other_station
):
    services.reserve_seats(trip=trip, client=client_user, seats=1)
    elsewhere = TripFactory(origin=trip.origin, destination=other_station)
    bystander = ClientFactory()
    services.reserve_seats(trip=elsewhere, client=bystander, seats=1)
    response = api(trip.origin.chief).post(
        "notices", {"trip_ids": [trip.pk], "text": "Départ depuis le quai 3."}
    )
    assert response.status_code == 201 and response.json()["recipients"] == 1
    assert Notification.objects.get(user=client_user, kind="notice").body.startswith(
        "Départ depuis le quai 3."
    )
    assert not Notification.objects.filter(user=bystander).exists()


def test_notices_only_for_the_chiefs_own_departures(api, trip, other_station, client_user):
    assert (
        api(other_station.chief).post("notices", {"trip_ids": [trip.pk], "text": "x"}).status_code
        == 403
    )
    assert api(client_user).post("notices", {"trip_ids": [trip.pk], "text": "x"}).status_code == 403
    assert api(trip.origin.chief).post("notices", {"trip_ids": [], "text": "x"}).status_code == 422
    assert (
        api(trip.origin.chief).post("notices", {"trip_ids": [trip.pk], "text": ""}).status_code
        == 422
    )
    assert (
        api(trip.origin.chief).post("notices", {"trip_ids": [999999], "text": "x"}).status_code
        == 404
    )
    assert not Notice.objects.exists()


def test_notification_api_lists_own_and_marks_read(api, client_user):
    mine = Notification.objects.create(user=client_user, kind="k", title="t", body="b")
    theirs = Notification.objects.create(user=ClientFactory(), kind="k", title="t", body="b")
    body = api(client_user).get("notifications", {"unread": "true"}).json()
    assert [n["id"] for n in body["items"]] == [mine.pk]
    assert api(client_user).post(f"notifications/{theirs.pk}/read").status_code == 404
    assert api(client_user).post(f"notifications/{mine.pk}/read").json()["read_at"] is not None
    assert api(client_user).get("notifications", {"unread": "true"}).json()["count"] == 0


def test_bell_shows_the_unread_count_and_the_list_page_marks_read(web, client_user):
    Notification.objects.create(user=client_user, kind="k", title="Bonjour", body="b")
    web.force_login(client_user)
    assert '<span class="count">1<span class="visually-hidden">' in web.get("/").content.decode()
    notification = Notification.objects.get()
    web.post(f"/notifications/{notification.pk}/lue/")
    assert '<span class="count">' not in web.get("/").content.decode()


def test_chief_notice_page(web, trip, client_user):
    services.reserve_seats(trip=trip, client=client_user, seats=1)
    web.force_login(trip.origin.chief)
    response = web.post(
        "/guichet/avis/", {"trips": [trip.pk], "text": "Retard de 15 minutes."}, follow=True
    )
    assert "Message envoyé à 1 voyageur" in response.content.decode()


def test_a_notice_that_reached_nobody_keeps_the_typed_text_and_says_so(web, trip):
    web.force_login(trip.origin.chief)
    page = web.post(
        "/guichet/avis/", {"trips": [trip.pk], "text": "Le louage part du quai 3."}
    ).content.decode()
    assert 'data-testid="reached-nobody"' in page and "Votre texte est gardé" in page
    assert "Le louage part du quai 3.</textarea>" in page
    assert f'value="{trip.pk}" checked' in page
    assert not Notification.objects.exists()


def test_the_loading_louage_can_be_picked_for_a_notice(web, lined_up, chief_user, client_user):
    from louage.queues import services as queues

    loading = lined_up.turns.get(status="loading").trip
    queues.sell_next_louage(
        queue=lined_up, by=chief_user, seats=1, passenger_name="Ali", passenger_phone=""
    )
    web.force_login(chief_user)
    page = web.get("/guichet/avis/").content.decode()
    assert f'value="{loading.pk}"' in page
    response = web.post("/guichet/avis/", {"trips": [loading.pk], "text": "Départ dans 5 min."})
    assert response.status_code == 200
    assert Notice.objects.get().trips.get() == loading


def test_a_loading_louage_can_get_a_notice_through_the_api(api, lined_up, chief_user):
    from louage.queues import services as queues

    sale = queues.sell_next_louage(
        queue=lined_up, by=chief_user, seats=1, passenger_name="Ali", passenger_phone=""
    )
    response = api(chief_user).post(
        "notices", {"trip_ids": [sale.trip_id], "text": "Départ dans 5 minutes."}
    )
    assert response.status_code == 201, response.content
