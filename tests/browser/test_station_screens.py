"""The station's screens on the devices a station has: the chief's and the admin's pages at
360×740 and 1280×800, in French and in Arabic, never scroll sideways and show their main
actions and the logout and language controls within the screen's width; the hall board in
kiosk mode (1920×1080) shows both names of its stations and pages through by itself down to
the next louages. One live server and one browser for all of it; screenshots of every page
go to var/test-artifacts/screenshots/station-screens/."""

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, VIEWPORTS, login, open_menu
from tests.browser.test_languages import choose_language

FOLDER = ARTIFACTS / "screenshots" / "station-screens"
SETUP = (
    "import json; from datetime import timedelta; from louage.core import clock;"
    "from louage.core.times import day_bounds, local_today;"
    "from louage.stations.models import Station; from louage.trips.models import Trip;"
    "s = Station.objects.get(chief__email='chef.tunis@louage.tn');"
    "end = day_bounds(local_today())[1] - timedelta(minutes=1);"
    "t = Trip.objects.filter(origin=s, status='scheduled', kind='scheduled',"
    " departure__gt=clock.now()).order_by('-departure').first();"
    "Trip.objects.filter(pk=t.pk).update(departure=min(clock.now() + timedelta(minutes=50), end),"
    " seats_available=t.seats_total, price=12200);"
    "print(json.dumps({'station': s.pk, 'trip': t.pk, 'name_ar': s.name_ar}))"
)
# Each page and the actions that must be within reach on it.
CHIEF_PAGES = [
    ("today", "/guichet/aujourdhui/", ["[data-testid=day-actions] a", "[data-testid=sell-trip]"]),
    ("desk", "/guichet/", ["[data-testid=sell]", "[data-testid=send]"]),
    ("sale", "/guichet/vente/?trip={trip}", ["[data-testid=sell]"]),
    ("boarding", "/guichet/embarquement/?trip={trip}", ["[data-testid=check-in]"]),
    ("notice", "/guichet/avis/?trip={trip}", ["[data-testid=send-notice]"]),
    ("cash-close", "/guichet/caisse/", ["main h1"]),
]
ADMIN_PAGES = [
    ("users", "/gestion/utilisateurs/", ["main h1"]),
    ("stations", "/stations/", ["main h1"]),
    ("reports", "/gestion/rapports/", ["main h1"]),
    ("departures", "/gestion/departs/", ["main h1"]),
    ("vehicles", "/gestion/vehicules/", ["main h1"]),
]


def within_width(page, selector, width):
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def check_page(page, name, selectors, width, problems):
    page.wait_for_load_state("networkidle")
    page.shot(name)
    scroll, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll > client:
        problems.append(f"{name}: scrolls sideways ({scroll} > {client} px)")
    for selector in selectors:
        if not within_width(page, selector, width):
            problems.append(f"{name}: {selector} not within the {width} px screen")
    open_menu(page)
    if name in ("today", "users") and page.viewport_size["width"] < 400:
        page.screenshot(path=str(FOLDER / f"{page.shot_prefix}-{name}-menu-open.png"))
    for selector in ("[data-testid=logout]", "select[name=language]"):
        control = page.locator(selector)
        if not control.is_visible() or not within_width(page, selector, width):
            problems.append(f"{name}: {selector} out of reach")


def shot_taker(page, language, viewport):
    FOLDER.mkdir(parents=True, exist_ok=True)

    def shot(name):
        page.screenshot(path=str(FOLDER / f"{language}-{viewport}-{name}.png"), full_page=True)

    return shot


def test_station_screens_fit_phones_and_desktops_in_french_and_arabic(browser, browser_app):
    ids = browser_app.shell_json(SETUP)
    problems = []
    for language in ("fr", "ar"):
        for viewport, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                base_url=browser_app.url,
                locale="fr-FR",
                viewport={"width": width, "height": height},
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.shot = shot_taker(page, language, viewport)
            page.shot_prefix = f"{language}-{viewport}"
            for who, pages in (
                ("chef.tunis@louage.tn", CHIEF_PAGES),
                ("admin@louage.tn", ADMIN_PAGES),
            ):
                context.clear_cookies()
                choose_language(page, language)
                login(page, who)
                for name, url, selectors in pages:
                    page.goto(url.format(**ids))
                    assert page.get_attribute("html", "lang") == language, (who, name)
                    check_page(page, name, selectors, width, problems)
                    if name == "today" and viewport == "phone":
                        # Every action of a departure's card is a 44 px target.
                        card = page.locator(f"li[data-trip='{ids['trip']}']")
                        for target in card.locator(".trip-actions .button, summary").all():
                            box = target.bounding_box()
                            assert box["height"] >= 44 and box["width"] >= 44, name
                    if name == "sale":
                        # The amount follows the seats before the sale.
                        sell = page.locator("[data-testid=sell]")
                        amount = "24,400 DT" if language == "fr" else "24.400"
                        page.fill("input[name=seats]", "2")
                        expect(sell).to_contain_text(amount)
            if viewport == "desktop":
                # The menu groups open by keyboard, and Escape closes them.
                page.goto("/gestion/utilisateurs/")
                toggle = page.locator("[data-testid=nav-group-network]")
                toggle.focus()
                page.keyboard.press("Enter")
                expect(toggle).to_have_attribute("aria-expanded", "true")
                page.screenshot(path=str(FOLDER / f"{language}-desktop-menu-open.png"))
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.getAttribute('href')") == (
                    "/gestion/utilisateurs/"
                )
                page.keyboard.press("Escape")
                expect(toggle).to_have_attribute("aria-expanded", "false")
            context.close()
    assert problems == []


BOARDING = (
    "import json; from datetime import timedelta; from louage.core import clock;"
    "from louage.core.times import day_bounds, local_today; from louage.booking import services;"
    "from louage.trips.models import Trip;"
    "t = Trip.objects.get(pk={trip}); chief = t.origin.chief;"
    # Another of today's departures, moved into today: late in the day none is left.
    "other = Trip.objects.filter(origin=t.origin, status='scheduled', kind='scheduled',"
    " departure__gte=clock.now()).exclude(pk=t.pk).order_by('departure').first();"
    "Trip.objects.filter(pk=other.pk).update(departure=min(clock.now() + timedelta(minutes=30),"
    " day_bounds(local_today())[1] - timedelta(minutes=2)));"
    "r = services.sell_at_desk(trip=t, seats=2, passenger_name='Hamza Dridi', passenger_phone='',"
    " by=chief);"
    "print(json.dumps({{'code': r.code, 'other': other.pk, 'plate': t.vehicle.plate}}))"
)


def test_boarding_another_departures_ticket_asks_first_on_a_phone(browser, browser_app):
    ids = browser_app.shell_json(SETUP)
    sale = browser_app.shell_json(BOARDING.format(trip=ids["trip"]))
    context = browser.new_context(
        base_url=browser_app.url, locale="fr-FR", viewport={"width": 360, "height": 740}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    login(page, "chef.tunis@louage.tn")
    page.goto(f"/guichet/embarquement/?trip={sale['other']}")
    page.fill("[data-testid=code-input]", sale["code"])
    page.click("[data-testid=check-in]")
    warning = page.locator("#check-in-result [data-confirm='1']")
    expect(warning).to_contain_text("Embarquer quand même ?")
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / "fr-phone-boarding-warning.png"), full_page=True)
    status = "SELECT status FROM booking_reservation WHERE code = %s"
    assert browser_app.sql(status, (sale["code"],)) == [("confirmed",)]
    page.click("[data-testid=confirm-boarding]")
    done = page.locator("#check-in-result [data-ok='1']")
    expect(done).to_contain_text("Hamza Dridi")
    expect(done).to_contain_text(sale["plate"])
    assert browser_app.sql(status, (sale["code"],)) == [("boarded",)]
    context.close()


def test_the_kiosk_board_shows_both_names_and_pages_down_to_the_next_louages(browser, browser_app):
    ids = browser_app.shell_json(SETUP)
    for language in ("fr", "ar"):
        context = browser.new_context(
            base_url=browser_app.url, locale="fr-FR", viewport={"width": 1920, "height": 1080}
        )
        page = context.new_page()
        choose_language(page, language)
        page.goto(f"/stations/{ids['station']}/tableau/?kiosk=1&every=3")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(FOLDER / f"{language}-kiosk-board.png"))
        heading = page.inner_text("h1")
        assert ids["name_ar"] in heading and "Tunis" in heading
        # Each destination in both scripts: Latin and Arabic.
        destination = page.locator("tr[data-trip] td.big").nth(1).inner_text()
        assert any("\u0600" <= ch <= "\u06ff" for ch in destination), destination
        assert any("a" <= ch.lower() <= "z" for ch in destination), destination
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client
        louages = page.locator("[data-testid=next-louages]")
        expect(louages).to_have_count(1)
        # Below the fold at first; the screen turns its pages until it is shown.
        in_view = "el => { const r = el.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"
        assert not louages.evaluate(in_view)
        page.wait_for_function(
            "() => { const r = document.querySelector('[data-testid=next-louages]').getBoundingClientRect();"
            " return r.top < innerHeight && r.bottom > 0; }",
            timeout=30_000,
        )
        page.screenshot(path=str(FOLDER / f"{language}-kiosk-board-next-louages.png"))
        assert page.inner_text("[data-kiosk-page]").count("/") == 1
        context.close()
