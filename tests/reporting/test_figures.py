"""Each figure against the hand-made network of conftest.py, whose answers are known."""

from datetime import date, timedelta

import pytest

from louage.accounts.models import Role
from louage.reporting import sales, selectors
from louage.reporting.models import DailyPageViews, DailyVisitors
from louage.reporting.periods import Period
from tests.booking_factories import ConfirmedReservationFactory
from tests.factories import ClientFactory
from tests.network_factories import TripFactory

from .conftest import D1, D2, at

pytestmark = pytest.mark.django_db


def test_network_totals_count_sold_seats_net_revenue_cancellations_and_expired_holds(network):
    totals = selectors.sales_report(network.period)["totals"]
    assert totals == {
        "departures": 2,  # T1 and T3; T2 was cancelled
        "seats_offered": 12,
        "seats_sold": 7,  # boarded 2 + confirmed 1 on T1, confirmed 4 on T3
        "revenue": 50_000,  # 20 + 10 + 20 DT paid; both refunds net to zero
        "occupancy": 0.5833,
        "cancelled": 2,
        "expired": 1,
        "cancelled_departures": 1,
    }


def test_days_are_africa_tunis_days_with_every_day_listed(network):
    days = selectors.sales_report(network.period)["days"]
    assert [d["date"] for d in days] == [D1, D2]
    first, second = days
    assert (first["departures"], first["seats_offered"], first["seats_sold"]) == (1, 8, 3)
    assert (first["revenue"], first["cancelled"], first["expired"]) == (30_000, 2, 1)
    assert first["cancelled_departures"] == 1
    # T3 leaves at 00:30 in Tunis on D2, which is still D1 in UTC: it belongs to D2.
    assert (second["departures"], second["seats_sold"], second["revenue"]) == (1, 4, 20_000)
    assert second["occupancy"] == 1.0


def test_a_one_day_period_leaves_out_the_departure_after_midnight(network):
    report = selectors.sales_report(Period(D1, D1))
    assert report["totals"]["departures"] == 1
    assert report["totals"]["revenue"] == 30_000


def test_stations_are_the_departures_origins(network):
    by_station = {s["station"]: s for s in selectors.sales_report(network.period)["by_station"]}
    a, b = by_station["Tunis Moncef Bey"], by_station["Sousse محطة"]
    assert (a["departures"], a["seats_offered"], a["seats_sold"], a["revenue"]) == (1, 8, 3, 30_000)
    assert (a["cancelled"], a["expired"], a["cancelled_departures"]) == (2, 1, 1)
    assert a["occupancy"] == 0.375
    assert (b["departures"], b["seats_sold"], b["revenue"], b["occupancy"]) == (1, 4, 20_000, 1.0)


def test_routes_have_their_own_occupancy(network):
    routes = {
        (r["origin_id"], r["destination_id"]): r
        for r in selectors.sales_report(network.period)["by_route"]
    }
    assert set(routes) == {(network.a.pk, network.b.pk), (network.b.pk, network.a.pk)}
    outbound = routes[(network.a.pk, network.b.pk)]
    assert (outbound["origin_city"], outbound["destination"]) == ("Tunis", "Sousse محطة")
    assert (outbound["seats_offered"], outbound["seats_sold"], outbound["occupancy"]) == (
        8,
        3,
        0.375,
    )


def test_payment_methods_count_payments_received_net_of_refunds_and_skip_failed_ones(network):
    methods = {m["method"]: m for m in selectors.sales_report(network.period)["payment_methods"]}
    assert methods["cash"] == {
        "method": "cash",
        "label": "Espèces au guichet",
        "count": 3,
        "amount": 40_000,
        "refunded": 30_000,
    }
    assert (methods["sandbox"]["count"], methods["sandbox"]["amount"]) == (2, 10_000)
    assert methods["sandbox"]["refunded"] == 20_000
    assert sum(m["amount"] for m in methods.values()) == 50_000


def test_busiest_hours_are_local_hours(network):
    hours = selectors.sales_report(network.period)["hours"]
    assert len(hours) == 24
    assert (hours[8]["departures"], hours[8]["seats_sold"]) == (1, 3)
    assert (hours[0]["departures"], hours[0]["seats_sold"]) == (1, 4)
    assert (hours[17]["departures"], hours[17]["cancelled_departures"]) == (0, 1)
    assert sum(h["seats_sold"] for h in hours) == 7


def test_one_station_report_keeps_only_its_departures(network):
    report = selectors.sales_report(network.period, network.a.pk)
    assert report["totals"]["departures"] == 1
    assert report["totals"]["seats_sold"] == 3
    assert report["totals"]["revenue"] == 30_000
    assert [s["station_id"] for s in report["by_station"]] == [network.a.pk]
    assert {m["method"]: m["amount"] for m in report["payment_methods"]} == {
        "cash": 20_000,
        "sandbox": 10_000,
    }


def test_queue_trips_count_as_departures_like_any_other(network):
    queue_trip = TripFactory(
        origin=network.a, destination=network.b, departure=at(D2, 10), price=8_000, kind="queue"
    )
    ConfirmedReservationFactory(trip=queue_trip, seats=2, client=None, passenger_name="V")
    sales.refresh(queue_trip.pk)  # written by a factory: no event did it
    totals = selectors.sales_report(network.period)["totals"]
    assert (totals["departures"], totals["seats_offered"], totals["seats_sold"]) == (3, 20, 9)


def test_an_empty_period_is_all_zeros():
    report = selectors.sales_report(Period(date(2025, 1, 1), date(2025, 1, 7)))
    assert report["totals"]["departures"] == 0
    assert report["totals"]["occupancy"] == 0
    assert len(report["days"]) == 7
    assert report["by_station"] == report["by_route"] == report["payment_methods"] == []


def test_sales_report_runs_the_same_few_queries_whatever_the_data(
    network, django_assert_num_queries
):
    with django_assert_num_queries(4):
        selectors.sales_report(network.period)
    for day in range(20):
        trip = TripFactory(
            origin=network.b, destination=network.a, departure=at(D1, 6) + timedelta(minutes=day)
        )
        ConfirmedReservationFactory(trip=trip, seats=1 + day % 3, client=None, passenger_name="V")
    sales.rebuild()
    with django_assert_num_queries(4):
        report = selectors.sales_report(network.period)
    assert report["totals"]["departures"] == 22


def test_visits_report_adds_up_pages_and_visitors_per_day(db, django_assert_num_queries):
    DailyPageViews.objects.create(day=D1, page="trips:detail", views=7)
    DailyPageViews.objects.create(day=D1, page="home", views=3)
    DailyPageViews.objects.create(day=D2, page="home", views=5)
    DailyPageViews.objects.create(day=D2 + timedelta(days=1), page="home", views=100)
    DailyVisitors.objects.create(day=D1, visitors=4)
    DailyVisitors.objects.create(day=D2, visitors=2)
    with django_assert_num_queries(3):
        report = selectors.visits_report(Period(D1, D2))
    assert report["days"] == [
        {"date": D1, "page_views": 10, "visitors": 4},
        {"date": D2, "page_views": 5, "visitors": 2},
    ]
    assert report["top_pages"] == [
        {"page": "home", "label": "Accueil", "page_views": 8},
        {"page": "trips:detail", "label": "Détail d'un départ", "page_views": 7},
    ]
    assert report["totals"] == {"page_views": 15, "visitors": 6}


def test_new_accounts_are_counted_per_local_month_and_role(db):
    for joined, role in [
        (at(date(2026, 1, 31), 23, 30), Role.CLIENT),  # 22:30 UTC: still January in Tunis
        (at(date(2026, 2, 1), 0, 30), Role.CLIENT),  # 23:30 UTC on 31 January: February here
        (at(date(2026, 2, 14), 12), Role.CHIEF),
        (at(date(2026, 4, 1), 12), Role.CLIENT),  # after the period
    ]:
        user = ClientFactory(role=role)
        type(user).objects.filter(pk=user.pk).update(date_joined=joined)
    months = selectors.accounts_by_month(Period(date(2026, 1, 15), date(2026, 3, 31)))
    assert months == [
        {"month": "2026-01", "admin": 0, "chief": 0, "client": 1, "total": 1},
        {"month": "2026-02", "admin": 0, "chief": 1, "client": 1, "total": 2},
        {"month": "2026-03", "admin": 0, "chief": 0, "client": 0, "total": 0},
    ]


def test_stations_per_city_count_active_stations(network):
    from tests.network_factories import StationFactory

    StationFactory(name="Tunis Nord", city="Tunis")
    StationFactory(name="Tunis fermée", city="Tunis", is_active=False)
    assert selectors.stations_by_city() == [
        {"city": "Tunis", "stations": 2},
        {"city": "Sousse", "stations": 1},
    ]
