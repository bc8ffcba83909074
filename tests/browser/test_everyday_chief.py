"""A chief logs in and lands on the today page, sells at the desk from today's departures
shown in Tunis time, sends a notice to one of today's departures (told who could not be
reached), and plans a departure whose date field keeps its default."""

import time as clock
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.conftest import login

TUNIS = ZoneInfo("Africa/Tunis")


def _leave_midnight():
    # The departure set up below must fall today in Tunis: never start in the last minutes.
    now = datetime.now(TUNIS)
    if now.hour == 23 and now.minute >= 45:
        clock.sleep((60 - now.minute) * 60 - now.second + 5)


def test_chief_runs_today_sells_posts_a_notice_and_plans(screen, browser_app):
    page = screen
    _leave_midnight()
    setup = browser_app.shell_json(
        "import json; from datetime import timedelta; from louage.core import clock; from louage.core.times import format_local, local_today, day_bounds;"
        "from louage.trips.models import Trip;"
        "end = day_bounds(local_today())[1] - timedelta(minutes=1);"
        "when = min(clock.now() + timedelta(minutes=40), end);"
        "t = Trip.objects.filter(origin__city='Tunis', status='scheduled', kind='scheduled', departure__gt=clock.now()).order_by('-departure').first();"
        "Trip.objects.filter(pk=t.pk).update(departure=when, seats_available=t.seats_total);"
        # A vehicle back from its trips in time for a 23:59 departure to Sousse (a vehicle is
        # away for its route's time there and back).
        "from datetime import datetime, time; from louage.core.times import TUNIS; from louage.stations.models import Station, Vehicle;"
        "from louage.trips.services import away_minutes, clashing_trip;"
        "late = datetime.combine(local_today(), time(23, 59), tzinfo=TUNIS); sousse = Station.objects.get(name='Sousse Bab Jedid');"
        "away = timedelta(minutes=away_minutes(t.origin, sousse));"
        "free = [v.pk for v in Vehicle.objects.filter(station=t.origin, active=True).exclude(pk=t.vehicle_id).order_by('pk') if clashing_trip(v, late, away) is None];"
        "print(json.dumps({'id': t.pk, 'time': format_local(when, 'time'), 'vehicle': t.vehicle_id, 'free_vehicle': free[0], 'today': local_today().isoformat()}))"
    )
    login(page, "chef.tunis@louage.tn")
    page.wait_for_url("**/guichet/aujourdhui/")
    row = page.locator(f"li[data-trip='{setup['id']}']")
    assert row.locator("[data-testid=time]").inner_text() == setup["time"]
    page.shot("today")

    row.locator("[data-testid=sell-trip]").click()
    page.wait_for_url("**/guichet/vente/**")
    option = page.locator(f"label.picker-option[data-trip='{setup['id']}']")
    assert setup["time"] in option.inner_text()
    assert option.locator("input").is_checked()
    assert "Aujourd'hui" in page.inner_text("[data-testid=picker] legend")
    page.fill("input[name=seats]", "2")
    page.fill("input[name=passenger_name]", "Hamza Dridi")
    page.fill("input[name=passenger_phone]", "29 555 666")
    page.shot("desk-sale")
    page.click("[data-testid=sell]")
    page.wait_for_url("**/reservations/*/")
    assert "Vente enregistrée" in page.inner_text(".messages")

    page.goto("/guichet/aujourdhui/")
    page.locator(f"li[data-trip='{setup['id']}'] >> text=Avis").click()
    page.wait_for_url("**/guichet/avis/**")
    assert page.locator(f"label.picker-option[data-trip='{setup['id']}'] input").is_checked()
    page.fill("textarea[name=text]", "Le louage part du quai 3.")
    page.click("[data-testid=send-notice]")
    unreached = page.inner_text("[data-testid=unreached]")
    assert "Hamza Dridi" in unreached and "vendu au guichet, sans compte" in unreached
    assert "29 555 666" in unreached  # the phone as people say it
    page.shot("notice-unreached")

    page.goto("/gestion/departs/programmer/")
    assert page.input_value("input[name=date]") == setup["today"]
    page.select_option("select[name=destination_id]", label="Sousse — Sousse Bab Jedid")
    # (wait_for_function would poll through eval, which the CSP forbids)
    expect(page.locator("input[name=price_dt]")).not_to_have_value("")
    vehicles = page.locator("select[name=vehicle_id] option").all()
    assert str(setup["free_vehicle"]) in [o.get_attribute("value") for o in vehicles]
    page.select_option("select[name=vehicle_id]", str(setup["free_vehicle"]))
    page.fill("input[name=time]", "23:59")
    page.shot("plan-departure")
    page.click("main form button[type=submit]")
    assert "Départ programmé." in page.inner_text(".messages")
    planned = browser_app.shell_json(
        "import json; from louage.core.times import local_date; from louage.trips.models import Trip;"
        "t = Trip.objects.order_by('-created_at', '-pk').first();"
        "print(json.dumps({'day': local_date(t.departure).isoformat(), 'price': t.price}))"
    )
    assert planned["day"] == setup["today"] and planned["price"] > 0
