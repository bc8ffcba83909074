"""Threat: cross-site scripting — text typed by one person (a station name, a passenger's
name, a notice) runs as script in another person's browser.

Attack: markup and script in every field that others read, shown on the pages that show it.
Templates escape it; the Content-Security-Policy would stop an inline script anyway; the API
answers JSON that browsers never sniff as HTML; no template marks user text safe.
"""

import re
from pathlib import Path

import pytest

from louage.booking import services as booking
from louage.core.times import local_date
from tests.network_factories import StationFactory, TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def assert_escaped(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "<img src=x onerror" not in html
    assert "&lt;script&gt;alert" in html


def test_a_station_name_is_escaped_in_search_results_and_lists(client, station):
    evil = StationFactory(name="Gare " + PAYLOAD, city="Sfax", chief=None)
    vehicle = VehicleFactory(station=station, plate="444 TU 4444")
    trip = TripFactory(origin=station, destination=evil, vehicle=vehicle)
    day = local_date(trip.departure).isoformat()  # three hours from now may be tomorrow
    assert_escaped(client.get("/departs/", {"origin": "Tunis", "destination": "Sfax", "date": day}))
    assert_escaped(client.get("/stations/"))


def test_a_walk_in_passengers_name_is_escaped_on_the_chiefs_desk(client, trip):
    booking.sell_at_desk(
        trip=trip, seats=1, passenger_name=PAYLOAD, passenger_phone="", by=trip.origin.chief
    )
    client.force_login(trip.origin.chief)
    assert_escaped(client.get("/guichet/reservations/"))


def test_the_api_answers_json_that_browsers_do_not_sniff(api, station):
    StationFactory(name="Gare " + PAYLOAD, city="Sfax", chief=None)
    response = api().get("stations")
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_template_turns_off_escaping():
    root = Path(__file__).resolve().parents[2] / "louage"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if re.search(r"\|\s*safe\b|{%\s*autoescape\s+off", path.read_text())
    ]
    assert offenders == []
