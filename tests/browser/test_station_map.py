"""The stations pages show a Leaflet map whose markers stay when the tiles cannot load; on
the station form a click on the map places the station."""

from tests.browser.conftest import login


def test_map_markers_show_without_tiles_and_a_click_places_a_station(screen, browser_app):
    page = screen
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto("/stations/")
    page.wait_for_selector("#map[data-ready='1']")
    pins = page.locator("#map .map-pin")
    assert pins.count() == 14 and pins.first.is_visible()
    page.wait_for_selector("#map .map-note")  # the tiles failed: said, markers kept
    assert "OpenStreetMap" in page.inner_text("#map .leaflet-control-attribution")
    page.shot("stations-map-without-tiles")

    login(page, "admin@louage.tn")
    page.goto("/stations/ajouter/")
    page.wait_for_selector("#map[data-ready='1']")
    box = page.locator("#map").bounding_box()
    # Away from the other stations' markers (a click on one opens its popup instead).
    page.locator("#map").click(position={"x": box["width"] * 0.12, "y": box["height"] * 0.5})
    page.wait_for_selector("#map .map-pin-new")
    latitude = float(page.input_value("input[name=latitude]"))
    longitude = float(page.input_value("input[name=longitude]"))
    assert 25 <= latitude <= 45 and 0 <= longitude <= 20
    page.shot("station-form-placed")
