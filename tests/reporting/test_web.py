"""The dashboards: who sees what, the period selector, CSV exports, the navigation."""

import pytest

from louage.reporting.models import DailyPageViews
from tests.factories import ChiefFactory

from .conftest import D1, D2

pytestmark = pytest.mark.django_db
PERIOD = {"from": D1.isoformat(), "to": D2.isoformat()}


def test_admin_dashboard_shows_network_figures_with_charts_and_tables(web, admin_user, network):
    DailyPageViews.objects.create(day=D1, page="trips:detail", views=9)
    web.force_login(admin_user)
    response = web.get("/gestion/rapports/", PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "tout le réseau" in html
    assert "50,000 DT" in html  # revenue total
    assert "58,3" in html  # occupancy 7/12
    assert "Détail d&#x27;un départ" in html or "Détail d'un départ" in html
    assert 'id="report-charts" type="application/json"' in html
    for chart in ["visits-days", "top-pages", "accounts-months", "stations-cities",
                  "sales-days", "revenue-days", "revenue-stations", "occupancy-stations",
                  "occupancy-routes", "cancellations-days", "payment-methods", "hours"]:  # fmt: skip
        assert f'data-chart="{chart}"' in html
    assert "<script>" not in html  # the CSP forbids inline scripts: data only as JSON
    chart_data = response.context["chart_data"]
    assert chart_data["charts"]["revenue-days"]["datasets"][0]["data"] == [30.0, 20.0]
    assert chart_data["charts"]["sales-days"]["datasets"][0]["label"] == "Départs"


def test_chief_dashboard_is_own_station_only(web, chief_user, network):
    web.force_login(chief_user)
    response = web.get("/gestion/rapports/", PERIOD)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rapports — Tunis Moncef Bey" in html
    assert "30,000 DT" in html
    assert "Sousse محطة →" not in html  # the other station's departures are not there
    assert 'data-chart="visits-days"' not in html  # network figures are for admins
    assert 'data-chart="revenue-stations"' not in html
    assert response.context["sales"]["totals"]["seats_sold"] == 3


def test_chief_cannot_widen_the_scope_with_a_station_parameter(web, chief_user, network):
    web.force_login(chief_user)
    response = web.get("/gestion/rapports/", {**PERIOD, "station": network.b.pk})
    assert response.context["sales"]["station_id"] == network.a.pk


def test_admin_may_choose_one_station(web, admin_user, network):
    web.force_login(admin_user)
    response = web.get("/gestion/rapports/", {**PERIOD, "station": network.b.pk})
    assert response.context["sales"]["totals"]["seats_sold"] == 4
    assert response.context["network"] is None


def test_chief_without_station_is_told_so(web, network):
    web.force_login(ChiefFactory())
    response = web.get("/gestion/rapports/")
    assert response.status_code == 403
    assert "aucune station" in response.content.decode()


def test_clients_get_403_and_visitors_the_login_page(web, client_user):
    assert web.get("/gestion/rapports/").status_code == 302
    web.force_login(client_user)
    assert web.get("/gestion/rapports/").status_code == 403
    assert web.get("/gestion/rapports/sales.csv").status_code == 403


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"period": "custom", "from": "2026-03-12", "to": "2026-03-10"},
            "est après la date de fin",
        ),
        ({"period": "custom", "from": "2024-01-01", "to": "2026-01-01"}, "366 au plus"),
        ({"period": "custom", "from": "2026-03-10"}, "date de début et la date de fin"),
        (
            {"period": "custom", "from": "n'importe", "to": "2026-03-10"},
            "Saisissez une date valide",
        ),
        ({"period": "forever"}, "Sélectionnez un choix valide"),
        ({"station": "abc"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_periods_show_a_message_and_the_default_period(web, admin_user, params, message):
    web.force_login(admin_user)
    response = web.get("/gestion/rapports/", params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["period"].days == 30


def test_presets_choose_the_period(web, admin_user):
    web.force_login(admin_user)
    assert web.get("/gestion/rapports/", {"period": "7d"}).context["period"].days == 7
    twelve = web.get("/gestion/rapports/", {"period": "12m"}).context["period"]
    assert twelve.first.day == 1 and 335 <= twelve.days <= 366


def test_every_table_exports_as_csv_with_a_bom(web, admin_user, network):
    web.force_login(admin_user)
    for table in ["visits", "pages", "sales", "stations", "routes", "payments", "hours",
                  "accounts", "cities", "totals"]:  # fmt: skip
        response = web.get(f"/gestion/rapports/{table}.csv", PERIOD)
        assert response.status_code == 200, table
        assert response.content.startswith(b"\xef\xbb\xbf"), table
        assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = web.get("/gestion/rapports/stations.csv", PERIOD).content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("N° station,Station,Ville,Départs")
    assert "Sousse محطة" in text
    assert web.get("/gestion/rapports/nothing.csv").status_code == 404


def test_chief_exports_own_sales_but_not_network_tables(web, chief_user, network):
    web.force_login(chief_user)
    text = web.get("/gestion/rapports/stations.csv", PERIOD).content.decode("utf-8-sig")
    assert "Tunis Moncef Bey" in text and "Sousse محطة" not in text
    assert web.get("/gestion/rapports/visits.csv", PERIOD).status_code == 404
    assert web.get("/gestion/rapports/accounts.csv", PERIOD).status_code == 404


def test_reports_are_in_the_navigation_of_admins_and_chiefs(
    web, admin_user, chief_user, client_user
):
    for user, shown in [(admin_user, True), (chief_user, True), (client_user, False)]:
        web.force_login(user)
        assert ('href="/gestion/rapports/"' in web.get("/").content.decode()) is shown


def test_dashboard_labels_follow_the_page_language(web, admin_user, network):
    web.force_login(admin_user)
    web.cookies["django_language"] = "en"
    response = web.get("/gestion/rapports/", PERIOD)
    assert response.context["chart_data"]["locale"] == "en-GB"


def test_dashboard_query_count_does_not_grow_with_data(
    web, admin_user, network, django_assert_max_num_queries
):
    from tests.booking_factories import ConfirmedReservationFactory
    from tests.network_factories import TripFactory

    from .conftest import at

    web.force_login(admin_user)
    with django_assert_max_num_queries(20) as small:
        web.get("/gestion/rapports/", PERIOD)
    for minute in range(10):
        trip = TripFactory(origin=network.b, destination=network.a, departure=at(D2, 9, minute))
        ConfirmedReservationFactory(trip=trip, client=None, passenger_name="V")
    with django_assert_max_num_queries(20) as large:
        web.get("/gestion/rapports/", PERIOD)
    assert len(large.captured_queries) == len(small.captured_queries)
