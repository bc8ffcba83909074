"""Emails and PDF tickets speak the recipient's language, whoever's request sent them."""

import io
import unicodedata

import pytest
from pypdf import PdfReader

from louage.booking import services
from louage.notifications.models import Notification
from louage.tickets.pdf import render_ticket_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_tasks_now(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def arabic_trip(trip):
    trip.origin.name_ar = "محطة تونس المنصف باي"
    trip.origin.save()
    trip.destination.name_ar = "محطة سوسة المركز"
    trip.destination.save()
    return trip


def pdf_text(content):
    # Shaped Arabic is drawn with presentation forms: NFKC gives back the letters as typed.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return unicodedata.normalize("NFKC", text)


def test_a_paid_reservation_emails_an_arabic_reader_in_arabic_with_an_arabic_ticket(
    arabic_trip, client_user, smtp_settings, run_tasks_now, django_capture_on_commit_callbacks
):
    client_user.language = "ar"
    client_user.save()
    reservation = services.reserve_seats(trip=arabic_trip, client=client_user, seats=2)
    # The chief's desk works in French: the traveller still reads Arabic.
    with django_capture_on_commit_callbacks(execute=True):
        services.record_cash_payment(reservation=reservation, by=arabic_trip.origin.chief)

    notification = Notification.objects.get(user=client_user, kind="payment_received")
    assert "تم استلام الدفع" in notification.title
    assert "24.000 د.ت" in notification.body and "DT" not in notification.body
    assert "تونس" in notification.body and "سوسة" in notification.body

    message = smtp_settings.wait_for(lambda m: client_user.email in m["To"])
    text = smtp_settings.text_of(message)
    assert "مرحبا" in text and "Bonjour" not in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'lang="ar" dir="rtl"' in html
    assert "التذكرة" in html

    attachment = next(message.iter_attachments())
    pdf = pdf_text(attachment.get_content())
    assert "محطة تونس المنصف باي" in pdf
    assert "محطة سوسة المركز" in pdf
    # Words in reading order: the label, then its value; origin before destination.
    assert pdf.index("محطة تونس المنصف باي") < pdf.index("محطة سوسة المركز")
    assert "تذكرة سفر" in pdf
    assert reservation.code in pdf
    assert "Billet" not in pdf and "Trajet" not in pdf


def test_the_same_ticket_reads_in_french_and_english(arabic_trip, client_user):
    reservation = services.reserve_seats(trip=arabic_trip, client=client_user, seats=1)
    services.record_cash_payment(reservation=reservation, by=arabic_trip.origin.chief)
    french = pdf_text(render_ticket_pdf(reservation, language="fr"))
    assert "Billet de voyage" in french and "Tunis Moncef Bey" in french
    assert "12,000 DT" in french
    english = pdf_text(render_ticket_pdf(reservation, language="en"))
    assert "Travel ticket" in english and "Tunis Moncef Bey" in english
    assert "TND 12.000" in english and "Billet" not in english


def test_an_arabic_ticket_embeds_its_arabic_font(arabic_trip, client_user):
    reservation = services.reserve_seats(trip=arabic_trip, client=client_user, seats=1)
    services.record_cash_payment(reservation=reservation, by=arabic_trip.origin.chief)
    reader = PdfReader(io.BytesIO(render_ticket_pdf(reservation, language="ar")))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [f.get_object()["/BaseFont"] for f in fonts.values()]
    assert any("NotoSansArabic" in str(name) for name in embedded)
    descriptors = [
        f.get_object()["/FontDescriptor"].get_object()
        for f in fonts.values()
        if "NotoSansArabic" in str(f.get_object()["/BaseFont"])
    ]
    assert descriptors and all("/FontFile2" in d for d in descriptors)  # glyphs inside the file


def test_a_password_reset_email_reads_in_the_accounts_language(client, client_user, settings):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client_user.language = "ar"
    client_user.save()
    # Asked for from a French page: the email still follows the account.
    response = client.post("/accounts/password/reset/", {"email": client_user.email})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [client_user.email]
    assert "كلمة المرور" in message.subject + message.body
    assert "mot de passe" not in message.body.lower()


def test_signing_up_on_arabic_pages_keeps_arabic_for_later_emails(client, settings):
    from louage.accounts.models import User

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.post(
        "/accounts/signup/",
        {
            "email": "nour@example.tn",
            "first_name": "Nour",
            "last_name": "Ben Ali",
            "phone": "98 123 456",
            "password1": "Vers-Sousse-2026!",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="nour@example.tn").language == "ar"
