"""Reserve → pay on the sandbox with an approving card → confirmed → the email with the PDF
arrives over real SMTP → the PDF's QR holds the token → check-in accepts it once."""

import io
import re
from datetime import timedelta

import pytest
import segno
from pypdf import PdfReader

from louage.payments.models import Payment
from louage.payments.providers.sandbox import SIGNATURE_HEADER, callback_body, sign
from louage.trips.models import Trip

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def qr_matrix_from_pdf(pdf_bytes):
    """Read the QR code's modules back from the image embedded in the ticket."""
    image = PdfReader(io.BytesIO(pdf_bytes)).pages[0].images[0].image.convert("L")
    scale, border = 8, 2
    modules = image.width // scale - 2 * border
    return tuple(
        tuple(
            1
            if image.getpixel(
                ((c + border) * scale + scale // 2, (r + border) * scale + scale // 2)
            )
            < 128
            else 0
            for c in range(modules)
        )
        for r in range(modules)
    )


def pay(api, reservation_id, token, card):
    started = api(token).post(f"reservations/{reservation_id}/payments").json()
    payment = Payment.objects.get(pk=started["payment_id"])
    body = callback_body(
        reference=payment.provider_reference, card_number=card, amount=payment.amount
    )
    return api().post(
        "payments/webhooks/sandbox", raw=body.decode(), headers={SIGNATURE_HEADER: sign(body)}
    )


def test_the_whole_paid_journey(
    api, trip, client_user, smtp_settings, worker, django_capture_on_commit_callbacks, midday
):
    Trip.objects.filter(pk=trip.pk).update(departure=midday + timedelta(minutes=90))
    reservation = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 2}).json()

    declined = pay(api, reservation["id"], client_user, "4000000000000002")
    assert declined.json()["status"] == "failed"
    assert api(client_user).get(f"reservations/{reservation['id']}").json()["status"] == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        approved = pay(api, reservation["id"], client_user, "4242424242424242")
    assert approved.json()["status"] == "succeeded"
    assert api(client_user).get(f"reservations/{reservation['id']}").json()["status"] == "confirmed"

    message = smtp_settings.wait_for(lambda m: reservation["code"] in m["Subject"])
    pdf = next(message.iter_attachments()).get_content()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    token = next(
        line.strip() for line in text.splitlines() if re.fullmatch(r"LT1\.[\w-]{40,}", line.strip())
    )
    assert qr_matrix_from_pdf(pdf) == tuple(
        tuple(row) for row in segno.make(token, error="m").matrix
    )

    chief = api(trip.origin.chief)
    assert chief.post("tickets/check-in", {"code": token}).json()["status"] == "boarded"
    assert chief.post("tickets/check-in", {"code": token}).json()["code"] == "already_boarded"


def test_cancel_refunds_and_emails(
    api, trip, client_user, smtp_settings, worker, django_capture_on_commit_callbacks
):
    reservation = api(client_user).post("reservations", {"trip_id": trip.pk, "seats": 1}).json()
    with django_capture_on_commit_callbacks(execute=True):
        pay(api, reservation["id"], client_user, "4242424242424242")
    payment = Payment.objects.get(status="succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(client_user).post(f"payments/{payment.pk}/refund")
    assert response.json()["status"] == "refunded"
    message = smtp_settings.wait_for(lambda m: "annulée" in m["Subject"].lower())
    assert "remboursé" in smtp_settings.text_of(message)
    trip.refresh_from_db()
    assert trip.seats_available == 8
