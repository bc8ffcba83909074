"""The station's real day in a browser: the chief runs the desk on a tablet (opens a queue,
adds arriving vehicles by plate, counts walk-ins, sends a full vehicle) while a traveller on
a phone books "the next louage", pays, and finds its vehicle's plate on the ticket."""

import io

from pypdf import PdfReader

from tests.browser.conftest import login

VEHICLES = """
import json
from louage.stations.models import Station, Vehicle
tunis = Station.objects.get(city="Tunis")
for plate in ("901 TU 9901", "902 TU 9902"):
    Vehicle.objects.get_or_create(plate=plate, defaults={"station": tunis, "owner_name": "Kamel Zribi", "seats": 8})
print(json.dumps({"station": tunis.pk}))
"""


def test_the_chief_runs_the_desk_while_a_client_books_the_next_louage(browser, browser_app):
    setup = browser_app.shell_json(VEHICLES)
    tablet = browser.new_context(
        base_url=browser_app.url, locale="fr-FR", viewport={"width": 1024, "height": 1366}
    )
    tablet.set_default_timeout(15_000)
    desk = tablet.new_page()
    desk.on("dialog", lambda dialog: dialog.accept())
    login(desk, "chef.tunis@louage.tn")
    desk.goto("/guichet/")
    desk.select_option(
        "[data-testid=open-queue-form] select", label="Bizerte — Bizerte Station louage"
    )
    desk.click("[data-testid=open-queue]")
    card = desk.locator("[data-testid=desk-queue][data-destination=Bizerte]")
    card.locator("[data-testid=nothing-loading]").wait_for()
    for typed, plate in (("901 tu 9901", "901 TU 9901"), ("902 TU 9902", "902 TU 9902")):
        card.locator("[data-testid=add-vehicle-form] input[name=plate]").fill(typed)
        card.locator("[data-testid=add-vehicle]").click()
        card.locator("[data-testid=desk-flash]", has_text=f"{plate} ajouté").wait_for()
    assert card.locator("[data-testid=loading-plate]").inner_text() == "901 TU 9901"
    assert card.locator("[data-testid=add-vehicle-form] input[name=plate]").input_value() == ""
    card.locator("[data-testid=walk-in-form] select").select_option("6")
    card.locator("[data-testid=count-walk-in]").click()
    card.locator("[data-testid=seats-free]", has_text="2").wait_for()

    phone = browser.new_context(
        base_url=browser_app.url, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    phone.set_default_timeout(15_000)
    traveller = phone.new_page()
    login(traveller, "client4@louage.tn")
    traveller.goto(f"/stations/{setup['station']}/")
    line = traveller.locator("[data-testid=next-louages] li", has_text="Bizerte")
    assert "2 places libres" in line.inner_text()
    line.locator("a").click()
    traveller.select_option("select[name=seats]", "3")
    traveller.click("[data-testid=reserve-next]")
    traveller.wait_for_url("**/reservations/*/")
    # Three seats do not fit in the two left: the whole booking goes to the next vehicle.
    assert "902 TU 9902" in traveller.inner_text(".messages")
    assert traveller.inner_text("[data-testid=vehicle-plate]") == "902 TU 9902"
    code = traveller.inner_text("[data-testid=code]")

    # The desk sees the booking land on the waiting vehicle by itself (polling).
    card.locator("[data-testid=waiting] li[data-plate='902 TU 9902']", has_text="5/8").wait_for(
        timeout=20_000
    )

    traveller.click("[data-testid=pay-online]")
    traveller.wait_for_url("**/paiement/sandbox/**")
    traveller.fill("input[name=number]", "4242 4242 4242 4242")
    traveller.fill("input[name=expiry]", "12/30")
    traveller.fill("input[name=cvc]", "123")
    traveller.click("[data-testid=pay]")
    assert traveller.locator("[data-status=confirmed]").count() == 1

    # Two more at the door fill the first vehicle: full, sent; the next loads by itself.
    card.locator("[data-testid=walk-in-form] select").select_option("2")
    card.locator("[data-testid=count-walk-in]").click()
    card.locator("[data-testid=seats-free]", has_text="0").wait_for()
    card.locator("[data-testid=mark-full]").click()
    card.locator("[data-testid=full-badge]").wait_for()
    card.locator("[data-testid=send]").click()
    card.locator("[data-testid=loading-plate]", has_text="902 TU 9902").wait_for()
    assert card.locator("[data-testid=seats-free]").inner_text() == "5"
    assert card.locator(f"[data-reservation='{code}']").count() == 1  # expected on board

    traveller.reload()
    assert "en chargement maintenant" in traveller.inner_text("[data-testid=queue-departure]")
    with traveller.expect_download() as download:
        traveller.click("[data-testid=download-ticket]")
    with open(download.value.path(), "rb") as pdf:
        text = PdfReader(io.BytesIO(pdf.read())).pages[0].extract_text()
    assert "902 TU 9902" in text and code in text
    assert "Tarif officiel" in text
    assert browser_app.sql(
        "SELECT t.status FROM trips_trip t JOIN stations_vehicle v ON v.id = t.vehicle_id WHERE v.plate = %s",
        ("901 TU 9901",),
    ) == [("departed",)]
    tablet.close()
    phone.close()
