"""A visitor types "Soussa", picks the suggestion, sees arrival times, opens a departure, sees
the total before logging in, signs up, comes back holding the seats, pays, opens the ticket
page with the QR code on screen, cancels in the page and reads the refunded amount."""

import re

from tests.support.web import link_in_text


def test_visitor_searches_signs_up_holds_pays_shows_the_ticket_and_cancels(screen, browser_app):
    page = screen
    trip = browser_app.shell_json(
        "import json; from datetime import timedelta; from louage.core import clock; from louage.core.times import local_date, local_today;"
        "from louage.trips.models import Trip;"
        "t = Trip.objects.filter(origin__city='Tunis', destination__city='Sousse', kind='scheduled', status='scheduled', seats_available__gte=2).order_by('departure').first();"
        "when = clock.now() + timedelta(hours=3); Trip.objects.filter(pk=t.pk).update(departure=when);"
        "print(json.dumps({'id': t.pk, 'price': t.price, 'today': local_date(when) == local_today()}))"
    )
    email = f"voyageur.{page.viewport_name}@example.tn"

    page.goto("/departs/")
    page.fill("input[name=origin]", "Tunis")
    page.locator("input[name=destination]").press_sequentially("Soussa", delay=40)
    suggestion = page.locator("#id_destination-suggestions [role=option]", has_text="Sousse").first
    suggestion.wait_for()
    page.shot("suggestions")
    suggestion.click()
    assert page.input_value("input[name=destination]") == "Sousse"
    if not trip["today"]:
        page.click("[data-testid=tomorrow]")
    row = page.locator(f"tr[data-trip='{trip['id']}']")
    row.wait_for()
    assert re.search(r"\d\d:\d\d", row.locator("[data-testid=arrival]").inner_text())
    assert "estimation" in row.locator("[data-testid=arrival]").inner_text()
    page.shot("results")

    row.locator("text=Réserver").click()
    page.wait_for_url(f"**/departs/{trip['id']}/")
    page.select_option("select[name=seats]", "2")
    total = page.inner_text("[data-testid=total]")
    assert total == f"{trip['price'] * 2 // 1000},{trip['price'] * 2 % 1000:03d} DT"
    assert "remboursement intégral" in page.inner_text("[data-testid=terms]")
    page.shot("departure-before-login")
    page.click("[data-testid=reserve]")

    page.wait_for_url("**/accounts/login/**")
    assert "vos 2 places" in page.inner_text("[data-testid=booking-intent]")
    page.click("main a[href*='/accounts/signup/']")
    page.fill("input[name=email]", email)
    page.fill("input[name=first_name]", "Nour")
    page.fill("input[name=last_name]", "Ben Ali")
    page.fill("input[name=phone]", "98 123 456")  # a booking needs a phone number
    page.fill("input[name=password1]", "Vers-Sousse-2026!")
    page.shot("short-sign-up")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    message = browser_app.smtp.wait_for(lambda m: email in m["To"])
    page.goto(link_in_text(browser_app.smtp.text_of(message), "/accounts/confirm-email/"))
    page.click("main form button[type=submit]")
    # The phone number came with the sign-up: the seats are held at once.

    page.wait_for_url(re.compile(r".*/reservations/\d+/$"))
    assert page.inner_text("[data-testid=seats]") == "2"
    assert page.locator("[data-status=pending]").count() == 1
    code = page.inner_text("[data-testid=code]")
    page.shot("held-after-sign-up")

    page.click("[data-testid=pay-online]")
    page.wait_for_url("**/paiement/sandbox/**")
    page.fill("input[name=number]", "4242 4242 4242 4242")
    page.fill("input[name=expiry]", "12/30")
    page.fill("input[name=cvc]", "123")
    page.click("[data-testid=pay]")
    assert "Paiement accepté" in page.inner_text(".messages")

    page.click("[data-testid=open-ticket]")
    page.wait_for_url("**/billet/")
    qr = page.locator("[data-testid=qr] svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 300 and abs(box["width"] - box["height"]) < 2
    assert page.inner_text("[data-testid=ticket-code]") == code
    assert page.inner_text("[data-testid=ticket-seats]") == "2"
    page.shot("ticket")

    page.click("text=Détails de la réservation")
    page.click("[data-testid=cancel]")
    confirm = page.locator("[data-testid=confirm-cancel]")
    refund = f"{trip['price'] * 2 // 1000},{trip['price'] * 2 % 1000:03d} DT"
    assert f"Annuler et être remboursé de {refund}" in confirm.inner_text()
    assert "possible jusqu'à" in confirm.inner_text()
    page.shot("cancel-confirmation")
    confirm.click()
    page.wait_for_load_state("networkidle")
    assert f"{refund} vous sont remboursés" in page.inner_text(".messages")
    page.shot("cancelled")
    assert browser_app.sql(
        "SELECT r.status, p.status FROM booking_reservation r JOIN payments_payment p "
        "ON p.reservation_id = r.id WHERE r.code = %s AND p.status != 'pending'",
        (code,),
    ) == [("cancelled", "refunded")]
