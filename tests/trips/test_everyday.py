"""Search that guides (places, dates, alternatives, arrival times) and the chief's pages."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from louage.core.times import TUNIS, local_date, local_today
from louage.stations.places import fold, resolve, search_places
from louage.trips import services as trip_services
from louage.trips.models import RouteDuration
from tests.factories import AdminFactory
from tests.network_factories import StationFactory, TripFactory, VehicleFactory

pytestmark = pytest.mark.django_db


def test_names_fold_accents_case_and_arabic_letter_variants():
    assert fold("  GABÈS ") == "gabes"
    assert fold("Le-Kef") == "le kef"
    assert fold("أريانة") == fold("اريانه")


def test_places_match_latin_arabic_and_near_misses(trip):
    assert [p.name for p in search_places("Soussa")][:1] == ["Sousse"]
    assert [p.name for p in search_places("سوسة")][:1] == ["Sousse"]
    assert [p.name for p in search_places("sous")][:1] == ["Sousse"]
    assert search_places("zzzz") == []
    assert resolve("SOUSSE") == resolve("سوسة") == [trip.destination_id]
    assert resolve("Soussa") == []  # a near miss is suggested, never searched silently


def test_places_api_answers_suggestions_and_refuses_bad_input(api, trip):
    body = api().get("places", {"q": "soussa"}).json()
    assert body["items"][0]["kind"] == "city" and body["items"][0]["value"] == "Sousse"
    assert body["items"][0]["name_ar"] == "سوسة"
    assert any(item["kind"] == "station" for item in body["items"])
    assert api().get("places").status_code == 422
    assert api().get("places", {"q": "x" * 61}).status_code == 422
    assert api().get("places", {"q": "a", "page_size": 500}).status_code == 422
    assert api().get("places", {"q": "\x00"}).status_code in (200, 422)


def test_search_starts_today_and_offers_next_dates_and_did_you_mean(web, station, other_station):
    vehicle = VehicleFactory(station=station)
    in_three_days = local_today() + timedelta(days=3)
    later = TripFactory(
        origin=station,
        destination=other_station,
        vehicle=vehicle,
        departure=datetime.combine(in_three_days, time(9, 0), tzinfo=TUNIS),
    )
    page = web.get("/departs/").content.decode()
    assert f'value="{local_today().isoformat()}"' in page
    empty = web.get("/departs/?origin=Tunis&destination=Sousse").content.decode()
    assert 'data-testid="next-date"' in empty and f"date={in_three_days.isoformat()}" in empty
    typo = web.get("/departs/?origin=Tunis&destination=Soussa").content.decode()
    assert "Lieu inconnu" in typo and 'data-testid="did-you-mean"' in typo
    assert later.pk


def test_other_stations_of_the_city_are_offered_when_a_station_has_nothing(web, station, trip):
    other = StationFactory(name="Tunis Bab Saadoun", city="Tunis")
    # A day when `station` has nothing (its trip leaves in three hours: maybe tomorrow).
    day = local_date(trip.departure) + timedelta(days=2)
    at_ten = datetime.combine(day, time(10), tzinfo=TUNIS)
    TripFactory(origin=other, destination=trip.destination, departure=at_ten)
    html = web.get(
        f"/departs/?origin={station.pk}&destination=Sousse&date={day.isoformat()}"
    ).content.decode()
    assert 'data-testid="other-station"' in html and "Tunis Bab Saadoun" in html


def test_arrival_is_estimated_until_an_admin_sets_the_route_duration(api, trip):
    estimated = api().get(f"trips/{trip.pk}").json()
    assert estimated["duration_estimated"] is True and estimated["duration_minutes"] >= 15
    admin = AdminFactory()
    trip_services.set_route_duration(
        by=admin, origin_city="Tunis", destination_city="Sousse", minutes=125
    )
    body = api().get(f"trips/{trip.pk}").json()
    assert body["duration_estimated"] is False and body["duration_minutes"] == 125
    assert body["arrival"] > body["departure"]
    response = api(admin).put(
        "trips/durations", {"origin_city": "Tunis", "destination_city": "Sousse", "minutes": None}
    )
    assert response.status_code == 200 and not RouteDuration.objects.exists()
    bad = api(admin).put(
        "trips/durations", {"origin_city": "Tunis", "destination_city": "Sousse", "minutes": 2}
    )
    assert bad.status_code == 422
    assert (
        api(trip.origin.chief)
        .put(
            "trips/durations", {"origin_city": "Tunis", "destination_city": "Sousse", "minutes": 90}
        )
        .status_code
        == 403
    )


def test_planning_form_sends_iso_date_and_the_routes_last_price(web, trip):
    web.force_login(trip.origin.chief)
    form = web.get(f"/gestion/departs/programmer/?destination_id={trip.destination_id}")
    html = form.content.decode()
    assert f'type="date" name="date" value="{local_today().isoformat()}"' in html
    assert 'name="price_dt" value="12.000"' in html
    options = web.get(f"/gestion/departs/options/?destination_id={trip.destination_id}").json()
    assert options["price"] == 12000 and options["vehicles"]


def test_departure_list_defaults_to_coming_departures_soonest_first(web, station, trip):
    past = TripFactory(origin=station, destination=trip.destination)
    type(past).objects.filter(pk=past.pk).update(departure=trip.departure - timedelta(days=2))
    soon = TripFactory(origin=station, destination=trip.destination)
    type(soon).objects.filter(pk=soon.pk).update(departure=trip.departure - timedelta(hours=2))
    web.force_login(station.chief)
    html = web.get("/gestion/departs/").content.decode()
    assert f'data-trip="{past.pk}"' not in html
    assert html.index(f'data-trip="{soon.pk}"') < html.index(f'data-trip="{trip.pk}"')
    assert f'data-trip="{past.pk}"' in web.get("/gestion/departs/?when=past").content.decode()


def test_chief_picker_of_a_station_offers_only_free_chiefs(web, station, other_station):
    from tests.factories import ChiefFactory

    free = ChiefFactory()
    admin = AdminFactory()
    web.force_login(admin)
    html = web.get(f"/stations/{station.pk}/modifier/").content.decode()
    assert f'value="{free.pk}"' in html and f'value="{station.chief_id}"' in html
    assert f'value="{other_station.chief_id}"' not in html


def test_station_pages_carry_the_map_and_the_csp_allows_the_tiles(web, station, settings):
    response = web.get("/stations/")
    html = response.content.decode()
    assert 'id="map"' in html and 'id="map-points"' in html and "leaflet.js" in html
    assert "https://tile.openstreetmap.org" in response["Content-Security-Policy"]
    assert str(Decimal(station.latitude)).rstrip("0")[:5] in html


def test_new_pages_answer_nasty_input_with_a_page_never_a_500(web, trip):
    web.force_login(trip.origin.chief)
    for url in (
        "/gestion/departs/options/?origin_id=99999999999999999999999&destination_id=x",
        "/guichet/aujourdhui/?date=9999-12-31",
        "/guichet/aujourdhui/?date=0001-01-01",
        "/guichet/vente/?day=nonsense&destination=abc&q=%00",
        "/guichet/avis/?trip=99999999999999999999999",
        "/guichet/embarquement/?trip=-1&day=2026-02-31",
        "/departs/?origin=%00&destination=" + "x" * 200 + "&date=9999-12-31",
        "/reservations/reprendre/",
    ):
        assert web.get(url).status_code < 500, url


def test_the_seats_field_of_the_search_shows_one_when_left_out(web, trip):
    html = web.get("/departs/", {"origin": trip.origin.city}).content.decode()
    field = re.search(r'<input[^>]*name="seats"[^>]*>', html).group(0)
    assert 'value="1"' in field
