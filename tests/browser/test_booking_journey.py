"""A client books two seats, sees the countdown and cancels; the chief confirms a pending
reservation with cash and sells seats at the desk."""

from playwright.sync_api import expect

from tests.browser.conftest import login, open_menu


def test_client_books_sees_the_countdown_and_cancels(page, browser_app):
    trip_id = browser_app.shell_json(
        "import json; from datetime import timedelta; from louage.core import clock; from louage.trips.models import Trip;"
        "t = Trip.objects.filter(origin__city='Tunis', status='scheduled', kind='scheduled', departure__gt=clock.now() + timedelta(hours=2)).order_by('departure').first();"
        "print(json.dumps(t.pk))"
    )
    login(page, "client1@louage.tn")
    page.goto(f"/departs/{trip_id}/")
    before = int(page.inner_text("[data-testid=seats-available]").split("/")[0])
    page.select_option("select[name=seats]", "2")
    page.click("[data-testid=reserve]")
    page.wait_for_url("**/reservations/*/")
    assert page.inner_text("[data-testid=seats]") == "2"
    code = page.inner_text("[data-testid=code]")
    countdown = page.locator("[data-testid=countdown]")
    # (wait_for_function would poll through eval, which the CSP forbids)
    expect(countdown).to_contain_text(":")
    first = countdown.inner_text()
    assert first.startswith(("9:", "10:"))
    page.wait_for_timeout(1500)
    assert countdown.inner_text() != first  # it ticks
    page.goto(f"/departs/{trip_id}/")
    assert int(page.inner_text("[data-testid=seats-available]").split("/")[0]) == before - 2

    open_menu(page)
    page.click("nav >> text=Mes réservations")
    # Confirmed in the page (never a browser dialog), saying nothing was paid.
    page.click(f"article[data-reservation='{code}'] [data-testid=cancel]")
    page.click(f"article[data-reservation='{code}'] [data-testid=confirm-cancel]")
    page.wait_for_load_state("networkidle")
    assert "Rien n'avait été payé" in page.inner_text(".messages")
    page.goto(f"/departs/{trip_id}/")
    assert int(page.inner_text("[data-testid=seats-available]").split("/")[0]) == before


def test_chief_confirms_with_cash_and_sells_at_the_desk(page, browser_app):
    setup = browser_app.shell_json(
        "import json; from datetime import timedelta; from louage.core import clock; from louage.trips.models import Trip;"
        "from louage.accounts.models import User; from louage.booking.services import reserve_seats;"
        "t = Trip.objects.filter(origin__city='Sousse', status='scheduled', kind='scheduled', departure__gt=clock.now() + timedelta(hours=2)).order_by('departure').first();"
        "r = reserve_seats(trip=t, client=User.objects.get(email='client2@louage.tn'), seats=3);"
        "print(json.dumps({'trip': t.pk, 'code': r.code}))"
    )
    login(page, "chef.sousse@louage.tn")
    open_menu(page)
    page.click("nav >> text=Réservations")
    row = page.locator(f"tr[data-reservation='{setup['code']}']")
    row.locator("[data-testid=confirm-cash]").click()
    page.wait_for_load_state("networkidle")
    assert "Paiement en espèces enregistré" in page.inner_text(".messages")
    assert (
        page.locator(f"tr[data-reservation='{setup['code']}'] [data-status=confirmed]").count() == 1
    )

    page.goto(f"/guichet/vente/?trip={setup['trip']}")
    assert page.locator(f"label.picker-option[data-trip='{setup['trip']}'] input").is_checked()
    page.fill("input[name=seats]", "2")
    page.fill("input[name=passenger_name]", "Hamza Dridi")
    page.fill("input[name=passenger_phone]", "29 555 666")
    page.click("[data-testid=sell]")
    page.wait_for_url("**/reservations/*/")
    assert "Vente enregistrée" in page.inner_text(".messages")
    code = page.inner_text("[data-testid=code]")
    rows = browser_app.sql(
        "SELECT status, seats, passenger_phone FROM booking_reservation WHERE code = %s", (code,)
    )
    assert rows == [("confirmed", 2, "+21629555666")]
    payments = browser_app.sql(
        "SELECT COUNT(*) FROM payments_payment WHERE method = 'cash' AND status = 'succeeded'"
    )
    assert payments[0][0] >= 2
