"""The admin and a station chief open their dashboards on a phone-sized screen: every chart
is drawn (non-empty canvas), beside its table. Screenshots are kept as test artefacts in
var/test-artefacts/reports/."""

from pathlib import Path

from tests.browser.conftest import login, open_menu

ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts" / "reports"

CANVASES = """() => Array.from(document.querySelectorAll("canvas[data-chart]")).map((canvas) => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted += 1;
  return {chart: canvas.dataset.chart, drawn: !!window.Chart.getChart(canvas), painted: painted};
})"""


def open_reports(page):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    open_menu(page)
    page.click("nav >> text=Rapports")
    page.wait_for_selector("canvas[data-chart]")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".every((c) => window.Chart && window.Chart.getChart(c))"
    )
    return problems


def assert_all_drawn(page, expected):
    canvases = page.evaluate(CANVASES)
    assert {c["chart"] for c in canvases} == expected
    for canvas in canvases:
        assert canvas["drawn"] and canvas["painted"] > 500, canvas


def screenshot(page, name):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_admin_dashboard_draws_every_chart_on_a_phone(page):
    page.set_viewport_size({"width": 360, "height": 780})
    login(page, "admin@louage.tn")
    problems = open_reports(page)
    assert page.url.endswith("/gestion/rapports/")
    assert "Rapports — tout le réseau" in page.inner_text("h1")
    assert_all_drawn(
        page,
        {
            "visits-days", "top-pages", "accounts-months", "stations-cities", "sales-days",
            "revenue-days", "revenue-stations", "occupancy-stations", "occupancy-routes",
            "cancellations-days", "payment-methods", "hours",
        },
    )  # fmt: skip
    # Each chart has its table beside it (its text alternative), with the demo's figures.
    assert page.locator("#visits table tbody tr").count() == 30
    assert page.locator("#payments table tbody tr").count() >= 1
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not problems, problems
    screenshot(page, "admin-360px")

    page.select_option("select[name=period]", "7d")
    page.click("form[data-testid=report-filters] button[type=submit]")
    page.wait_for_selector("canvas[data-chart]")
    assert page.locator("#sales table tbody tr").count() == 7
    csv_link = page.locator("#sales a", has_text="Exporter en CSV")
    with page.expect_download() as download:
        csv_link.click()
    assert Path(download.value.path()).read_bytes().startswith(b"\xef\xbb\xbf")


def test_chief_dashboard_shows_own_station_charts(page):
    login(page, "chef.sousse@louage.tn")
    problems = open_reports(page)
    assert "Sousse Bab Jedid" in page.inner_text("h1")
    assert_all_drawn(
        page,
        {"sales-days", "revenue-days", "occupancy-routes", "cancellations-days",
         "payment-methods", "hours"},
    )  # fmt: skip
    routes = page.inner_text("#routes table")
    assert "Sousse Bab Jedid →" in routes
    assert "Tunis Moncef Bey →" not in routes
    assert not problems, problems
    screenshot(page, "chief-sousse-390px")
