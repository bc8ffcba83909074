"""GET /api/v1/reports/visits and /sales: field names, scope by role, CSV, bad input."""

import csv
import io

import pytest

from louage.reporting.models import DailyPageViews, DailyVisitors
from tests.factories import ChiefFactory

from .conftest import D1, D2

pytestmark = pytest.mark.django_db
PERIOD = {"from": D1.isoformat(), "to": D2.isoformat()}


def test_sales_fields_are_the_ones_clients_rely_on(api, admin_user, network):
    response = api(admin_user).get("reports/sales", PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert {"days", "totals", "by_station", "by_route", "payment_methods"} <= set(body)
    assert set(body["days"][0]) >= {"date", "departures", "seats_offered", "seats_sold", "revenue"}
    assert set(body["totals"]) >= {
        "departures", "seats_offered", "seats_sold", "revenue", "occupancy", "cancelled", "expired"
    }  # fmt: skip
    assert set(body["payment_methods"][0]) >= {"method", "count", "amount"}
    assert body["days"][0]["date"] == "2026-03-10"
    assert body["totals"]["revenue"] == 50_000
    assert body["totals"]["occupancy"] == 0.5833
    assert body["period"] == {"start": "2026-03-10", "end": "2026-03-11"}


def test_admin_may_ask_for_one_station(api, admin_user, network):
    body = api(admin_user).get("reports/sales", {**PERIOD, "station_id": network.b.pk}).json()
    assert body["station_id"] == network.b.pk
    assert body["totals"]["seats_sold"] == 4
    assert [s["station_id"] for s in body["by_station"]] == [network.b.pk]


def test_chief_sees_own_station_without_asking(api, chief_user, network):
    body = api(chief_user).get("reports/sales", PERIOD).json()
    assert body["station_id"] == network.a.pk
    assert body["totals"]["departures"] == 1
    assert body["totals"]["revenue"] == 30_000
    assert (
        api(chief_user)
        .get("reports/sales", {**PERIOD, "station_id": network.a.pk})
        .json()["totals"]
        == body["totals"]
    )


def test_chief_asking_for_another_station_gets_403(api, chief_user, network):
    response = api(chief_user).get("reports/sales", {**PERIOD, "station_id": network.b.pk})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_chief_without_a_station_gets_403(api, network):
    response = api(ChiefFactory()).get("reports/sales", PERIOD)
    assert response.status_code == 403
    assert "aucune station" in response.json()["detail"]


@pytest.mark.parametrize("who", ["client_user", "chief_user"])
def test_visits_are_for_admins_only(api, who, request, network):
    response = api(request.getfixturevalue(who)).get("reports/visits", PERIOD)
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["reports/visits", "reports/sales"])
def test_reports_need_a_token(api, path):
    assert api().get(path).status_code == 401


def test_client_may_not_read_sales(api, client_user, network):
    assert api(client_user).get("reports/sales", PERIOD).status_code == 403


def test_visits_fields(api, admin_user):
    DailyPageViews.objects.create(day=D1, page="trips:detail", views=7)
    DailyVisitors.objects.create(day=D1, visitors=3)
    body = api(admin_user).get("reports/visits", PERIOD).json()
    assert body["days"] == [
        {"date": "2026-03-10", "page_views": 7, "visitors": 3},
        {"date": "2026-03-11", "page_views": 0, "visitors": 0},
    ]
    assert body["top_pages"] == [
        {"page": "trips:detail", "label": "Détail d'un départ", "page_views": 7}
    ]


def test_default_period_is_the_last_30_days(api, admin_user):
    body = api(admin_user).get("reports/visits").json()
    assert len(body["days"]) == 30


@pytest.mark.parametrize(
    "params, code, field, status",
    [
        ({"from": "2026-03-12", "to": "2026-03-10"}, "invalid_period", "from", 422),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "period_too_long", "to", 422),
        ({"from": "10/03/2026", "to": "2026-03-11"}, "invalid", "from", 422),
        ({"from": "2026-02-30", "to": "2026-03-11"}, "invalid_date", "from", 422),
        ({"from": "2026-03-10", "to": "9999-12-31"}, "invalid", "to", 422),
        ({"from": "2026-03-10\x00", "to": "2026-03-11"}, "invalid", "from", 422),
        ({**PERIOD, "station_id": "999999"}, "unknown_station", "station_id", 404),
        ({**PERIOD, "station_id": "abc"}, "invalid", "station_id", 422),
        ({**PERIOD, "station_id": "99999999999999999999999"}, "invalid", "station_id", 422),
        ({**PERIOD, "format": "xml"}, "invalid", "format", 422),
        ({**PERIOD, "format": "csv", "table": "nope"}, "invalid", "table", 422),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    api, admin_user, network, params, code, field, status
):
    response = api(admin_user).get("reports/sales", params)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"] and body["detail"] != "Données invalides."
    assert body["errors"][0]["field"] == field


def test_exactly_366_days_is_allowed(api, admin_user):
    response = api(admin_user).get("reports/visits", {"from": "2024-01-01", "to": "2024-12-31"})
    assert response.status_code == 200
    assert len(response.json()["days"]) == 366


def test_sales_as_csv_has_a_bom_and_every_table(api, admin_user, network):
    response = api(admin_user).get("reports/sales", {**PERIOD, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    for table in ["# sales", "# totals", "# stations", "# routes", "# payments", "# hours"]:
        assert table in text
    assert "Sousse محطة" in text  # Arabic stays Arabic


def test_one_csv_table_parses_as_plain_csv(api, admin_user, network):
    response = api(admin_user).get("reports/sales", {**PERIOD, "format": "csv", "table": "sales"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["date"] for row in rows] == ["2026-03-10", "2026-03-11"]
    assert rows[0]["revenue"] == "30000"
    assert rows[0]["seats_sold"] == "3"


def test_visits_as_csv(api, admin_user):
    DailyPageViews.objects.create(day=D1, page="home", views=2)
    response = api(admin_user).get("reports/visits", {**PERIOD, "format": "csv", "table": "pages"})
    assert response.content.decode("utf-8-sig").splitlines() == [
        "page,label,page_views",
        "home,Accueil,2",
    ]


def test_chief_csv_is_own_station_only(api, chief_user, network):
    response = api(chief_user).get("reports/sales", {**PERIOD, "format": "csv"})
    text = response.content.decode("utf-8-sig")
    stations = text.split("# stations")[1].split("\r\n\r\n")[0]
    assert "Tunis Moncef Bey" in stations and "Sousse محطة" not in stations


def test_sales_endpoint_query_count_does_not_grow_with_data(
    api, admin_user, network, django_assert_max_num_queries
):
    from tests.booking_factories import ConfirmedReservationFactory
    from tests.network_factories import TripFactory

    from .conftest import at

    client = api(admin_user)
    with django_assert_max_num_queries(7) as small:
        client.get("reports/sales", PERIOD)
    for minute in range(15):
        trip = TripFactory(origin=network.b, destination=network.a, departure=at(D2, 9, minute))
        ConfirmedReservationFactory(trip=trip, client=None, passenger_name="V")
    with django_assert_max_num_queries(7) as large:
        assert client.get("reports/sales", PERIOD).json()["totals"]["departures"] == 17
    assert len(large.captured_queries) == len(small.captured_queries)
