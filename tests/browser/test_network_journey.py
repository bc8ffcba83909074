"""The Sousse chief adds a vehicle and plans a departure; a visitor finds it by searching."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.conftest import login, open_menu


def test_chief_plans_a_departure_and_a_visitor_finds_it(page, browser, browser_app):
    login(page, "chef.sousse@louage.tn")
    open_menu(page)
    page.click("nav >> text=Mes véhicules")
    page.click("text=Ajouter un véhicule")
    page.fill("input[name=plate]", "199 tu 9999")
    page.fill("input[name=owner_name]", "Moez Trabelsi")
    page.fill("input[name=owner_phone]", "55 123 456")
    page.click("main form button[type=submit]")
    assert page.locator("tr[data-vehicle='199 TU 9999']").count() == 1

    tomorrow = (datetime.now(ZoneInfo("Africa/Tunis")) + timedelta(days=1)).date()
    open_menu(page)
    page.click("nav >> text=Mes départs")
    page.click("text=Programmer un départ")
    page.select_option("select[name=destination_id]", label="Monastir — Monastir Centre")
    page.select_option("select[name=vehicle_id]", label="199 TU 9999 — 8 places")
    page.fill("input[name=date]", tomorrow.isoformat())
    page.fill("input[name=time]", "23:40")
    page.fill("input[name=price_dt]", "1.750")  # under the official fare (1,800 DT)
    page.click("main form button[type=submit]")
    assert "Départ programmé." in page.inner_text(".messages")
    trip_url = page.url

    visitor = browser.new_context(base_url=browser_app.url, locale="fr-FR").new_page()
    visitor.goto("/departs/")
    visitor.fill("input[name=origin]", "sousse")
    visitor.fill("input[name=destination]", "Monastir")
    visitor.fill("input[name=date]", tomorrow.isoformat())
    # htmx updates the results in place and keeps the URL shareable.
    visitor.wait_for_selector("text=1,750 DT")
    assert "destination=Monastir" in visitor.url
    row = visitor.locator("tr", has_text="1,750 DT")
    row.locator("text=Réserver").click()
    assert visitor.url == trip_url
    assert "199 TU 9999" in visitor.inner_text("main")
    visitor.context.close()
