"""Account emails are Louage's own: HTML and text parts in the reader's language, named after
the site (never its host and port), their links in both parts."""

import re

import pytest
from django.conf import settings

from louage.accounts.models import User
from tests.factories import PASSWORD, ClientFactory
from tests.support.mail import assert_in_language, links, parts

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "nour.benali@example.tn",
    "first_name": "Nour",
    "last_name": "Ben Ali",
    "phone": "98 123 456",
    "password1": "Vers-Sousse-2026!",
}


def on_pages_in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def assert_louage_branded(message):
    for text in parts(message).values():
        assert "127.0.0.1" not in text.replace(settings.SITE_URL, "")
        assert "testserver" not in text.replace("http://testserver/", "")
        assert "Hello from" not in text and "example.com" not in text
        assert "Louage" in text


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_the_activation_email_is_louages_in_the_language_of_the_sign_up_pages(
    client, mailoutbox, language
):
    on_pages_in(client, language).post("/accounts/signup/", SIGNUP)
    [message] = mailoutbox
    assert message.to == [SIGNUP["email"]]
    assert_in_language(message, language)
    assert_louage_branded(message)
    [activation] = [url for url in links(message) if "/accounts/confirm-email/" in url]
    for text in parts(message).values():
        assert activation in text  # the link in both parts
        assert "Nour" in text  # the reader by their name


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_a_password_reset_email_follows_the_account_not_the_page(client, mailoutbox, language):
    user = ClientFactory(language=language, first_name="Sami")
    on_pages_in(client, "fr" if language != "fr" else "en").post(
        "/accounts/password/reset/", {"email": user.email}
    )
    [message] = mailoutbox
    assert_in_language(message, language)
    assert_louage_branded(message)
    assert any("/accounts/password/reset/key/" in url for url in links(message))


def test_signing_up_with_a_taken_address_tells_its_owner_in_the_owners_language(client, mailoutbox):
    owner = ClientFactory(email=SIGNUP["email"], language="ar")
    on_pages_in(client, "en").post("/accounts/signup/", SIGNUP)
    [message] = mailoutbox
    assert message.to == [owner.email]
    assert_in_language(message, "ar")
    assert any("/accounts/password/reset/" in url for url in links(message))


def test_a_reset_for_an_address_without_account_offers_sign_up_in_the_pages_language(
    client, mailoutbox
):
    on_pages_in(client, "en").post("/accounts/password/reset/", {"email": "nobody@example.tn"})
    [message] = mailoutbox
    assert_in_language(message, "en")
    assert any(url.endswith("/accounts/signup/") for url in links(message))
    assert not any("/password/reset/key/" in url for url in links(message))


def test_an_email_change_mails_the_new_address_then_the_old_one_with_its_undo_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    user = ClientFactory(language="en", first_name="Lina")
    old = user.email
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/compte/email/", {"email": "lina.new@example.tn", "password": PASSWORD})
    [confirmation] = mailoutbox
    assert confirmation.to == ["lina.new@example.tn"]
    assert_in_language(confirmation, "en")
    [confirm_url] = [url for url in links(confirmation) if "/confirm-email/" in url]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(re.sub(r"^https?://[^/]+", "", confirm_url))
    notice = mailoutbox[-1]
    assert notice.to == [old]
    assert_in_language(notice, "en")
    [undo_url] = [url for url in links(notice) if "/compte/email/retablir/" in url]
    for text in parts(notice).values():
        assert undo_url in text and "lina.new@example.tn" in text


def test_the_plain_part_of_a_notification_email_is_not_html_escaped(mailoutbox, trip):
    from louage.booking.models import Reservation
    from louage.notifications.services import notify_payment_received
    from louage.notifications.tasks import send_notification_email

    client = ClientFactory(language="fr", first_name="Ons")
    reservation = Reservation.objects.create(
        trip=trip, client=client, seats=1, total_price=trip.price, status="confirmed"
    )
    notification = notify_payment_received(reservation)
    send_notification_email.call(notification.pk, reservation.pk)
    [message] = mailoutbox
    assert_in_language(message, "fr")
    assert "l'afficher" in parts(message)["plain"]


def test_the_development_console_names_attachments_instead_of_printing_them(capsys):
    from django.core.mail import EmailMultiAlternatives, get_connection

    message = EmailMultiAlternatives(
        "[Louage] Paiement reçu", "Votre billet : http://127.0.0.1:8000/reservations/1/",
        to=["ons@example.tn"], from_email="Louage <no-reply@louage.tn>",
    )  # fmt: skip
    message.attach_alternative("<p>Votre billet</p>", "text/html")
    message.attach("billet-AB12CD.pdf", b"%PDF-1.7 " + bytes(range(256)) * 200, "application/pdf")
    get_connection("louage.core.mail.ConsoleBackend").send_messages([message])
    printed = capsys.readouterr().out
    assert "http://127.0.0.1:8000/reservations/1/" in printed
    assert "billet-AB12CD.pdf" in printed and "51209 bytes" in printed
    assert len(printed.splitlines()) < 15  # no base64 lines


def test_users_keep_their_language_after_sign_up(client):
    on_pages_in(client, "ar").post("/accounts/signup/", SIGNUP)
    assert User.objects.get(email=SIGNUP["email"]).language == "ar"
