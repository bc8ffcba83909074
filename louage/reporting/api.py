"""GET /api/v1/reports/visits and /reports/sales: the figures behind the dashboards' charts.

Periods are Africa/Tunis days, `from` and `to` included (default: the last 30 days), at most
366 days. Money is in millimes. `format=csv` returns the same figures as CSV (UTF-8 with a
byte-order mark); `table=` picks one table of it.
"""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from louage.core.api import error_responses, jwt_auth
from louage.core.errors import InvalidInput

from . import access, selectors
from .exports import TABLES, csv_response, render_csv, tables_of
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
    method: str
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
    "from": "first day (YYYY-MM-DD, Africa/Tunis), default 29 days before `to`",
    "to": "last day, included; default today",
    "format": "json (default) or csv",
    "table": f"csv only: one table ({', '.join(TABLES)})",
}


@router.get(
    "/visits",
    response={200: VisitsOut, **error_responses(401, 403, 422)},
    summary="Page views and unique visitors per day; most viewed pages (admins)",
)
def visits(
    request,
    date_from: str | None = Query(None, alias="from", max_length=40, description=DOCS["from"]),
    date_to: str | None = Query(None, alias="to", max_length=40, description=DOCS["to"]),
    format: str = Query("json", max_length=10, description=DOCS["format"]),  # noqa: A002
    table: str | None = Query(None, max_length=20, description=DOCS["table"]),
):
    access.check_can_read_visits(request.auth)
    period = parse_period(date_from, date_to)
    data = selectors.visits_report(period)
    return _output("visits", data, format, table, f"visites-{period.first}-{period.last}.csv")


@router.get(
    "/sales",
    response={200: SalesOut, **error_responses(401, 403, 422)},
    summary="Departures, seats, revenue, occupancy, cancellations (admins; chiefs: own station)",
)
def sales(
    request,
    date_from: str | None = Query(None, alias="from", max_length=40, description=DOCS["from"]),
    date_to: str | None = Query(None, alias="to", max_length=40, description=DOCS["to"]),
    station_id: str | None = Query(
        None, max_length=40, description="admins: one station (default: the network)"
    ),
    format: str = Query("json", max_length=10, description=DOCS["format"]),  # noqa: A002
    table: str | None = Query(None, max_length=20, description=DOCS["table"]),
):
    period = parse_period(date_from, date_to)
    station = access.sales_scope(request.auth, access.parse_station_id(station_id))
    data = selectors.sales_report(period, station)
    suffix = f"-station-{station}" if station else ""
    return _output("sales", data, format, table, f"ventes{suffix}-{period.first}-{period.last}.csv")
