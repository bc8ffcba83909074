"""A chief checks tickets with no network: the check-in page verifies the signed token in the
browser (WebCrypto Ed25519, the public keys kept from when it was online), says a valid ticket
is valid but not yet synced, refuses forged, other-station and second scans, and boards the
kept tickets on the server once the network is back — where a second boarding is refused. The
page itself reloads with no network (the service worker keeps it after one visit)."""

import time as clock
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, login

TUNIS = ZoneInfo("Africa/Tunis")

SETUP = (
    "import json, base64; from datetime import timedelta; from louage.core import clock;"
    "from louage.core.times import day_bounds, local_today, local_date;"
    "from louage.accounts.models import User; from louage.booking import services;"
    "from louage.stations.models import Station; from louage.trips.models import Trip;"
    "from louage.tickets import tokens;"
    "end = day_bounds(local_today())[1] - timedelta(minutes=1);"
    "when = min(clock.now() + timedelta(minutes=40), end);"
    "station = Station.objects.get(chief__email='chef.tunis@louage.tn');"
    "t = Trip.objects.filter(origin=station, kind='scheduled', status='scheduled', departure__gt=clock.now()).order_by('-departure').first();"
    "Trip.objects.filter(pk=t.pk).update(departure=when, seats_available=t.seats_total);"
    "t.refresh_from_db();"
    "r = services.reserve_seats(trip=t, client=User.objects.get(email='client2@louage.tn'), seats=2);"
    "services.record_cash_payment(reservation=r, by=station.chief);"
    "r.refresh_from_db(); good = tokens.ticket_token(r);"
    "raw = base64.urlsafe_b64decode(good[4:] + '=' * (-len(good[4:]) % 4));"
    "forged = 'LT1.' + base64.urlsafe_b64encode(raw[:27] + bytes([8]) + raw[28:]).rstrip(b'=').decode();"
    "other = Trip.objects.exclude(origin=station).filter(status='scheduled').first();"
    "elsewhere = tokens.issue(code='ZZZZ2222', trip_id=other.pk, station_id=other.origin_id, seats=1, day=local_date(when));"
    "print(json.dumps({'code': r.code, 'good': good, 'forged': forged, 'elsewhere': elsewhere,"
    " 'destination': t.destination.name}))"
)


KEPT = """async (path) => {
  for (const name of await caches.keys()) {
    if (name.startsWith("louage-pages-") && await (await caches.open(name)).match(path)) return true;
  }
  return false;
}"""


def _leave_midnight():
    # The departure set up below must fall today in Tunis: never start in the last minutes.
    now = datetime.now(TUNIS)
    if now.hour == 23 and now.minute >= 45:
        clock.sleep((60 - now.minute) * 60 - now.second + 5)


def scan(page, value):
    page.fill("[data-testid=code-input]", value)
    page.click("[data-testid=check-in]")
    return page.locator("#check-in-result [data-testid=check-in-result]")


def status_of(app, code):
    return app.sql("SELECT status FROM booking_reservation WHERE code = %s", (code,))[0][0]


def test_a_ticket_is_checked_offline_then_boarded_when_the_network_is_back(page, browser_app):
    _leave_midnight()
    ticket = browser_app.shell_json(SETUP)
    login(page, "chef.tunis@louage.tn")
    page.goto("/guichet/embarquement/")
    # The public keys are fetched and kept while the page is online.
    expect(page.locator("#check-in-form")).to_have_attribute("data-keys", "ready")

    # The service worker keeps the page: a reload with no network opens it again, and the
    # kept keys still verify.
    page.wait_for_function(KEPT, arg="/guichet/embarquement/")
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("[data-testid=offline-note]")).to_be_visible()
    expect(page.locator("#check-in-form")).to_have_attribute("data-keys", "ready")
    result = scan(page, ticket["good"])
    expect(result).to_contain_text("pas encore synchronisé")
    expect(result).to_contain_text(f"réf. {ticket['code']}")
    expect(result).to_contain_text(ticket["destination"])
    expect(result).to_contain_text("2 places")
    expect(result).to_have_attribute("data-ok", "1")
    expect(page.locator("[data-testid=check-in-pending]")).to_contain_text("1")
    assert status_of(browser_app, ticket["code"]) == "confirmed"  # the server has not seen it
    shots = ARTIFACTS / "screenshots" / "offline_check_in"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "offline.png"), full_page=True)

    expect(scan(page, ticket["good"])).to_contain_text("déjà été scanné hors ligne")
    expect(scan(page, ticket["forged"])).to_contain_text("falsifié")
    expect(scan(page, ticket["elsewhere"])).to_contain_text("autre station")
    expect(scan(page, ticket["code"])).to_contain_text("une référence saisie se vérifie en ligne")
    expect(page.locator("#check-in-result [data-ok='0']")).to_have_count(1)
    assert status_of(browser_app, ticket["code"]) == "confirmed"

    page.context.set_offline(False)
    synced = page.locator("[data-testid=check-in-synced] li")
    expect(synced).to_contain_text("Embarquement validé")
    expect(page.locator("[data-testid=check-in-pending]")).to_be_hidden()
    assert status_of(browser_app, ticket["code"]) == "boarded"

    # Online, the server decides: the same ticket cannot board twice.
    result = scan(page, ticket["good"])
    expect(result).to_contain_text("déjà servi")
    expect(result).to_have_attribute("data-ok", "0")
    expect(scan(page, ticket["forged"])).to_contain_text("falsifié")
    page.screenshot(path=str(shots / "synced.png"), full_page=True)

    # Offline again later: this phone remembers the ticket has served.
    page.context.set_offline(True)
    expect(scan(page, ticket["good"])).to_contain_text("déjà servi aujourd'hui")
    expect(page.locator("[data-testid=check-in-pending]")).to_be_hidden()
