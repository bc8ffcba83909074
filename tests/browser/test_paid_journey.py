"""From search to ticket: a traveller finds a departure, books, pays on the sandbox page and
downloads the PDF ticket; the chief's check-in page accepts the typed reference once."""

from tests.browser.conftest import login, nav_click


def test_search_book_pay_download_and_board(page, browser, browser_app):
    trip = browser_app.shell_json(
        "import json; from datetime import timedelta; from django.utils import timezone; from louage.core import clock;"
        "from louage.trips.models import Trip;"
        "t = Trip.objects.filter(origin__city='Tunis', destination__city='Nabeul', status='scheduled', kind='scheduled', departure__gt=clock.now() + timedelta(hours=2)).order_by('departure').first();"
        "Trip.objects.filter(pk=t.pk).update(departure=clock.now() + timedelta(minutes=20));"
        # It is the next to leave to Nabeul: boarding its ticket asks nothing.
        "Trip.objects.filter(origin=t.origin, destination=t.destination, kind='scheduled', status='scheduled',"
        " departure__gte=clock.now() - timedelta(minutes=30), departure__lt=clock.now() + timedelta(minutes=20))"
        ".exclude(pk=t.pk).update(departure=clock.now() + timedelta(hours=1));"
        "print(json.dumps({'id': t.pk, 'date': timezone.localtime(clock.now() + timedelta(minutes=20)).date().isoformat()}))"
    )
    login(page, "client3@louage.tn")
    page.goto("/departs/")
    page.fill("input[name=origin]", "Tunis")
    page.fill("input[name=destination]", "Nabeul")
    page.fill("input[name=date]", trip["date"])
    page.wait_for_selector(f"tr[data-trip='{trip['id']}']")
    page.click(f"tr[data-trip='{trip['id']}'] >> text=Réserver")
    page.select_option("select[name=seats]", "1")
    page.click("[data-testid=reserve]")
    page.wait_for_url("**/reservations/*/")
    code = page.inner_text("[data-testid=code]")

    page.click("[data-testid=pay-online]")
    page.wait_for_url("**/paiement/sandbox/**")
    page.fill("input[name=number]", "4000 0000 0000 0002")
    page.fill("input[name=expiry]", "12/30")
    page.fill("input[name=cvc]", "123")
    page.click("[data-testid=pay]")
    assert "Paiement refusé" in page.inner_text(".messages")

    page.click("[data-testid=pay-online]")
    page.fill("input[name=number]", "4242 4242 4242 4242")
    page.fill("input[name=expiry]", "12/30")
    page.fill("input[name=cvc]", "123")
    page.click("[data-testid=pay]")
    assert "Paiement accepté" in page.inner_text(".messages")
    assert page.locator("[data-status=confirmed]").count() == 1
    with page.expect_download() as download:
        page.click("[data-testid=download-ticket]")
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    assert download.value.suggested_filename == f"billet-{code}.pdf"

    chief = browser.new_context(base_url=browser_app.url, locale="fr-FR").new_page()
    login(chief, "chef.tunis@louage.tn")
    nav_click(chief, "Embarquement")
    chief.fill("[data-testid=code-input]", code)
    chief.click("[data-testid=check-in]")
    chief.wait_for_selector("[data-testid=check-in-result][data-ok='1']")
    chief.fill("[data-testid=code-input]", code)
    chief.click("[data-testid=check-in]")
    chief.wait_for_selector("[data-testid=check-in-result][data-ok='0']")
    assert "déjà servi" in chief.inner_text("[data-testid=check-in-result]")
    assert browser_app.sql("SELECT status FROM booking_reservation WHERE code = %s", (code,)) == [
        ("boarded",)
    ]
    chief.context.close()
