"""The app on a phone (360 px Chromium): installable (manifest with its icons in the page's
language, a service worker controlling the page), a ticket opened once online opens again with
no network, with the last search and a station board marked with the time they were fetched; a
page that needs the network says so in French; logout leaves nothing of the traveller."""

import io

from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login, open_menu

SETUP = (
    "import json; from datetime import timedelta; from louage.core import clock;"
    "from louage.accounts.models import User; from louage.booking import services;"
    "from louage.trips.models import Trip;"
    "t = Trip.objects.filter(kind='scheduled', status='scheduled', seats_available__gte=1,"
    " departure__gt=clock.now() + timedelta(hours=2)).order_by('departure').first();"
    "r = services.reserve_seats(trip=t, client=User.objects.get(email='client2@louage.tn'), seats=1);"
    "services.record_cash_payment(reservation=r, by=t.origin.chief);"
    "print(json.dumps({'id': r.pk, 'code': r.code, 'plate': t.vehicle.plate,"
    " 'station': t.origin_id, 'station_name': t.origin.name, 'city': t.origin.city}))"
)

KEPT = """async (path) => {
  for (const name of await caches.keys()) {
    if (name.startsWith("louage-pages-") && await (await caches.open(name)).match(path)) return true;
  }
  return false;
}"""
PAGE_CACHES = (
    """async () => (await caches.keys()).filter((name) => name.startsWith("louage-pages-"))"""
)


def test_the_app_installs_and_opens_a_ticket_offline_until_logout(browser, browser_app):
    ticket = browser_app.shell_json(SETUP)
    context = browser.new_context(
        base_url=browser_app.url, locale="fr-FR", viewport={"width": 360, "height": 740}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    shots = ARTIFACTS / "screenshots" / "installable_app"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        login(page, "client2@louage.tn")

        # Installable: a manifest in the page's language with its icons, a worker in control.
        manifest_url = page.locator("link[rel=manifest]").get_attribute("href")
        manifest = page.request.get(manifest_url)
        assert manifest.headers["content-type"].startswith("application/manifest+json")
        data = manifest.json()
        assert data["lang"] == "fr" and data["display"] == "standalone"
        assert data["start_url"].startswith("/") and data["scope"] == "/"
        assert data["theme_color"] == "#0b6e4f" and data["background_color"]
        sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in data["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
        for icon in data["icons"]:
            image = Image.open(io.BytesIO(page.request.get(icon["src"]).body()))
            assert f"{image.width}x{image.height}" == icon["sizes"]
        arabic = page.request.get(f"{manifest_url.split('?')[0]}?lang=ar").json()
        assert arabic["dir"] == "rtl" and arabic["description"] != data["description"]
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
        # Chromium's own installability verdict (what makes Android offer "Install").
        cdp = context.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        # Playwright's contexts are incognito, where Chromium never installs; nothing else.
        assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
        assert cdp.send("Page.getAppManifest")["errors"] == []

        # Online once: the ticket, a search and a station board.
        ticket_path = f"/reservations/{ticket['id']}/billet/"
        board_path = f"/stations/{ticket['station']}/tableau/"
        for path in (ticket_path, f"/departs/?origin={ticket['city']}", board_path):
            page.goto(path)
            page.wait_for_function(KEPT, arg=path.split("?")[0])
        expect(page.locator("[data-testid=offline-note]")).to_be_hidden()

        context.set_offline(True)
        page.goto(ticket_path)
        expect(page.locator("[data-testid=ticket-code]")).to_have_text(ticket["code"])
        expect(page.locator("[data-testid=qr] svg")).to_be_visible()
        expect(page.locator("[data-testid=ticket-plate]")).to_have_text(ticket["plate"])
        expect(page.locator("[data-testid=ticket-departure]")).not_to_be_empty()
        expect(page.locator("[data-testid=offline-note]")).to_be_visible()
        expect(page.locator("[data-testid=offline-note]")).to_contain_text(
            "dernière mise à jour le"
        )
        page.screenshot(path=str(shots / "ticket-offline.png"), full_page=True)
        # The last search, whatever is asked, and the board, each with its time.
        page.goto("/departs/?origin=Sfax")
        expect(page.locator("input[name=origin]")).to_have_value(ticket["city"])
        expect(page.locator("[data-testid=offline-note]")).to_be_visible()
        page.goto(board_path)
        expect(page.locator("main")).to_contain_text(ticket["station_name"])
        expect(page.locator("[data-testid=offline-note]")).to_be_visible()
        # A page that needs the network says so, in the page's language.
        page.goto("/reservations/")
        expect(page.locator("[data-testid=offline-page] h1")).to_have_text("Pas de connexion")
        assert page.evaluate("document.documentElement.lang") == "fr"
        page.screenshot(path=str(shots / "offline-page.png"), full_page=True)

        # Logout leaves nothing personal: the ticket no longer opens offline.
        context.set_offline(False)
        page.goto("/")
        open_menu(page)
        with page.expect_response(lambda r: r.url.endswith("/accounts/logout/")) as answer:
            page.click("[data-testid=logout]")
        assert answer.value.all_headers().get("clear-site-data") == '"cache"'
        page.wait_for_load_state("networkidle")
        assert not page.evaluate(KEPT, ticket_path)
        assert all(name == "louage-pages-visitor" for name in page.evaluate(PAGE_CACHES))
        context.set_offline(True)
        page.goto(ticket_path)
        expect(page.locator("[data-testid=offline-page]")).to_be_visible()
        expect(page.locator("[data-testid=ticket-code]")).to_have_count(0)
    finally:
        context.close()
