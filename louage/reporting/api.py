"""GET /api/v1/reports/visits and /reports/sales: the figures behind the dashboards' charts.

Periods are Africa/Tunis days, `from` and `to` included (default: the last 30 days), at most
366 days. Money is in millimes. `format=csv` returns the same figures as CSV (UTF-8 with a
byte-order mark); `table=` picks one table of it.
"""

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from louage.core.api import CSV, MAX_ID, access, error_responses, jwt_auth
from louage.core.errors import InvalidInput
from louage.payments.models import PaymentMethod

from . import access as access_rules
from . import selectors
from .exports import csv_response, render_csv, tables_of
from .periods import parse_period

router = Router(tags=["reports"], auth=jwt_auth)


class PeriodOut(Schema):
    start: dt.date
    end: dt.date


class VisitDay(Schema):
    date: dt.date
    page_views: int
    visitors: int


class TopPage(Schema):
    page: str
    label: str
    page_views: int


class VisitTotals(Schema):
    page_views: int
    visitors: int


class VisitsOut(Schema):
    period: PeriodOut
    days: list[VisitDay]
    top_pages: list[TopPage]
    totals: VisitTotals


class SalesFigures(Schema):
    departures: int
    seats_offered: int
    seats_sold: int
    revenue: int
    occupancy: float
    cancelled: int
    expired: int
    cancelled_departures: int


class SalesDay(SalesFigures):
    date: dt.date


class SalesHour(SalesFigures):
    hour: int


class StationSales(SalesFigures):
    station_id: int
    station: str
    city: str


class RouteSales(SalesFigures):
    origin_id: int
    origin: str
    origin_city: str
    destination_id: int
    destination: str
    destination_city: str


class PaymentMethodOut(Schema):
    method: PaymentMethod
    label: str
    count: int
    amount: int
    refunded: int


class SalesOut(Schema):
    period: PeriodOut
    station_id: int | None
    days: list[SalesDay]
    totals: SalesFigures
    by_station: list[StationSales]
    by_route: list[RouteSales]
    payment_methods: list[PaymentMethodOut]
    hours: list[SalesHour]


def _output(report, data, fmt, table, filename):
    fmt = (fmt or "json").lower()
    if fmt not in ("json", "csv"):
        raise InvalidInput(
            _("« format » vaut json ou csv."),
            code="invalid_format",
            errors=[{"field": "format", "message": _("json ou csv")}],
        )
    tables = tables_of(report)
    if table:
        if table not in tables:
            raise InvalidInput(
                _("« table » vaut l'une de : %(names)s.") % {"names": ", ".join(tables)},
                code="invalid_table",
                errors=[{"field": "table", "message": _("Table inconnue.")}],
            )
        tables = [table]
    if fmt == "csv":
        return csv_response(render_csv(data, tables), filename)
    return {**data, "period": {"start": data["from"], "end": data["to"]}}


DOCS = {
    "from": "first day (YYYY-MM-DD, Africa/Tunis, 2000 to 2100), default 29 days before `to`; "
    "at most 366 days before `to`",
    "to": "last day, included; default today",
    "format": "json (default) or csv",
    "table": "csv only: one table of the report",
}
# A date as the period parser takes it (the year 2000 to 2100; the day is checked there).
DAY = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
VisitTable = Literal[tuple(tables_of("visits"))]
SalesTable = Literal[tuple(tables_of("sales"))]
REPORT_FILES = {"responses": {200: {"content": CSV}}}


@router.get(
    "/visits",
    response={200: VisitsOut, **error_responses(401, 403, 422)},
    summary="Page views and unique visitors per day; most viewed pages (admins)",
    openapi_extra={**access(admin="all"), **REPORT_FILES},
)
def report_visits(
    request,
    date_from: str = Query(None, alias="from", pattern=DAY, description=DOCS["from"]),
    date_to: str = Query(None, alias="to", pattern=DAY, description=DOCS["to"]),
    format: Literal["json", "csv"] = Query("json", description=DOCS["format"]),  # noqa: A002
    table: VisitTable = Query(None, description=DOCS["table"]),
):
    access_rules.check_can_read_visits(request.auth)
    period = parse_period(date_from, date_to)
    data = selectors.visits_report(period)
    return _output("visits", data, format, table, f"visites-{period.first}-{period.last}.csv")


@router.get(
    "/sales",
    response={200: SalesOut, **error_responses(401, 403, 404, 422)},
    summary="Departures, seats, revenue, occupancy, cancellations (admins; chiefs: own station)",
    openapi_extra={**access(chief="station", admin="all"), **REPORT_FILES},
)
def report_sales(
    request,
    date_from: str = Query(None, alias="from", pattern=DAY, description=DOCS["from"]),
    date_to: str = Query(None, alias="to", pattern=DAY, description=DOCS["to"]),
    station_id: int = Query(
        None, ge=1, le=MAX_ID, description="admins: one station (default: the network)"
    ),
    format: Literal["json", "csv"] = Query("json", description=DOCS["format"]),  # noqa: A002
    table: SalesTable = Query(None, description=DOCS["table"]),
):
    period = parse_period(date_from, date_to)
    station = access_rules.sales_scope(request.auth, access_rules.parse_station_id(station_id))
    data = selectors.sales_report(period, station)
    suffix = f"-station-{station}" if station else ""
    return _output("sales", data, format, table, f"ventes{suffix}-{period.first}-{period.last}.csv")
