"""The figures of the dashboards and of /api/v1/reports, each computed by GROUP BY queries.

Every report runs a fixed, small number of queries whatever the amount of data. Sales figures
belong to the departure: a reservation, its payment and its refund count on the day, hour,
station (the origin) and route of the departure they are for.

- departures, seats_offered: departures that were not cancelled, and their seats;
- seats_sold: seats of confirmed and boarded reservations;
- revenue: what was paid (payments that succeeded, refunded or not) minus what was refunded;
- occupancy: seats_sold / seats_offered (0 when nothing was offered);
- cancelled, expired: reservations cancelled, holds that expired;
- cancelled_departures: departures cancelled.
"""

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from louage.accounts.models import Role, User
from louage.payments.models import PaymentMethod
from louage.stations.models import Station
from louage.trips.models import Trip, TripStatus

from .models import DailyPageViews, DailyVisitors, TripSalesByMethod
from .pages import page_label
from .sql import local_date, local_hour, local_month

TRIP_FIGURES = ("departures", "seats_offered", "cancelled_departures")
RESERVATION_FIGURES = ("seats_sold", "revenue", "cancelled", "expired")
SALES_FIGURES = (*TRIP_FIGURES, *RESERVATION_FIGURES)
# Also summed per payment method.
PAYMENT_FIGURES = ("payments", "revenue", "refunded")


def occupancy(seats_sold, seats_offered):
    return round(seats_sold / seats_offered, 4) if seats_offered else 0.0


def _trip_aggregates():
    live = ~Q(status=TripStatus.CANCELLED)
    return {
        "departures": Count("pk", filter=live),
        "seats_offered": Coalesce(Sum("seats_total", filter=live), 0),
        "cancelled_departures": Count("pk", filter=Q(status=TripStatus.CANCELLED)),
    }


def _sales_sums():
    """Sums of the departures' TripSales rows (kept up to date by louage.reporting.sales; a
    departure with no row sold nothing): one small row per departure, not every reservation
    joined with its payment."""
    return {name: Coalesce(Sum(f"sales__{name}"), 0) for name in RESERVATION_FIGURES}


def _trips(period, station_id):
    trips = Trip.objects.filter(departure__gte=period.start, departure__lt=period.end)
    if station_id is not None:
        trips = trips.filter(origin_id=station_id)
    return trips.order_by()


def _add(target, row, names):
    for name in names:
        target[name] = target.get(name, 0) + (row[name] or 0)


def _empty():
    return dict.fromkeys(SALES_FIGURES, 0)


def sales_report(period, station_id=None):
    """Sales figures of the departures of `period` (of one origin station, or the network).

    Four queries: the departures with their sales rows grouped once by (day, hour) and once
    by route, their sales per payment method, then the stations' names. Days, hours, stations
    and totals are sums of those grouped rows."""
    days = {day: _empty() for day in period.dates()}
    hours = {hour: _empty() for hour in range(24)}
    cell = {
        "day": local_date("departure", period),
        "hour": local_hour("departure", period),
    }
    for row in (
        _trips(period, station_id)
        .annotate(**cell)
        .values("day", "hour")
        .annotate(**_trip_aggregates(), **_sales_sums())
    ):
        _add(days[row["day"]], row, SALES_FIGURES)
        _add(hours[row["hour"]], row, SALES_FIGURES)

    methods = {}
    by_method = TripSalesByMethod.objects.filter(
        trip__departure__gte=period.start, trip__departure__lt=period.end
    )
    if station_id is not None:
        by_method = by_method.filter(trip__origin_id=station_id)
    for row in (
        by_method.order_by()
        .values("method")
        .annotate(payments=Sum("payments"), revenue=Sum("revenue"), refunded=Sum("refunded"))
    ):
        methods[row["method"]] = {name: row[name] for name in PAYMENT_FIGURES}

    routes = {}
    route = {"from_id": F("origin_id"), "to_id": F("destination_id")}
    for row in (
        _trips(period, station_id)
        .annotate(**route)
        .values("from_id", "to_id")
        .annotate(**_trip_aggregates(), **_sales_sums())
    ):
        _add(routes.setdefault((row["from_id"], row["to_id"]), _empty()), row, SALES_FIGURES)

    station_ids = {key[0] for key in routes} | {key[1] for key in routes}
    stations = {
        s["id"]: s
        for s in Station.objects.filter(pk__in=station_ids).values("id", "name", "name_ar", "city")
    }
    by_route, by_station = [], {}
    for (origin_id, destination_id), figures in routes.items():
        origin, destination = stations[origin_id], stations[destination_id]
        by_route.append(
            {
                "origin_id": origin_id,
                "origin": origin["name"],
                "origin_ar": origin["name_ar"],
                "origin_city": origin["city"],
                "destination_id": destination_id,
                "destination": destination["name"],
                "destination_ar": destination["name_ar"],
                "destination_city": destination["city"],
                **_public(figures),
            }
        )
        station = by_station.setdefault(
            origin_id,
            {
                "station_id": origin_id,
                "station": origin["name"],
                "station_ar": origin["name_ar"],
                "city": origin["city"],
            },
        )
        _add(station, figures, SALES_FIGURES)
    by_route.sort(key=lambda r: (-r["seats_sold"], -r["revenue"], r["origin"], r["destination"]))
    by_station = [{**row, **_public(row)} for row in by_station.values()]
    by_station.sort(key=lambda r: (-r["revenue"], -r["seats_sold"], r["station"]))

    totals = _empty()
    for figures in days.values():
        _add(totals, figures, SALES_FIGURES)
    labels = dict(PaymentMethod.choices)
    payment_methods = [
        {
            "method": method,
            "label": str(labels.get(method, method)),
            "count": figures["payments"],
            "amount": figures["revenue"],
            "refunded": figures["refunded"],
        }
        for method, figures in methods.items()
    ]
    payment_methods.sort(key=lambda r: (-r["amount"], r["method"]))
    return {
        "from": period.first,
        "to": period.last,
        "station_id": station_id,
        "days": [{"date": day, **_public(figures)} for day, figures in days.items()],
        "totals": _public(totals),
        "by_station": by_station,
        "by_route": by_route,
        "payment_methods": payment_methods,
        "hours": [{"hour": hour, **_public(figures)} for hour, figures in hours.items()],
    }


def _public(figures):
    """The published figures of a group, with its occupancy."""
    return {
        **{name: figures[name] for name in SALES_FIGURES},
        "occupancy": occupancy(figures["seats_sold"], figures["seats_offered"]),
    }


# --- visits ---------------------------------------------------------------------------------


def visits_report(period):
    """Page views and unique visitors per day; page views per page, most viewed first."""
    views = dict(
        DailyPageViews.objects.filter(day__gte=period.first, day__lte=period.last)
        .order_by()
        .values("day")
        .annotate(views=Sum("views"))
        .values_list("day", "views")
    )
    visitors = dict(
        DailyVisitors.objects.filter(day__gte=period.first, day__lte=period.last).values_list(
            "day", "visitors"
        )
    )
    days = [
        {"date": day, "page_views": views.get(day, 0), "visitors": visitors.get(day, 0)}
        for day in period.dates()
    ]
    top = (
        DailyPageViews.objects.filter(day__gte=period.first, day__lte=period.last)
        .order_by()
        .values("page")
        .annotate(page_views=Sum("views"))
        .order_by("-page_views", "page")
    )
    return {
        "from": period.first,
        "to": period.last,
        "days": days,
        "totals": {
            "page_views": sum(d["page_views"] for d in days),
            "visitors": sum(d["visitors"] for d in days),
        },
        "top_pages": [
            {"page": row["page"], "label": page_label(row["page"]), "page_views": row["page_views"]}
            for row in top
        ],
    }


# --- the network ------------------------------------------------------------------------------


def accounts_by_month(period):
    """New accounts per Africa/Tunis month of the period, per role."""
    counts = {}
    for row in (
        User.objects.filter(date_joined__gte=period.start, date_joined__lt=period.end)
        .order_by()
        .annotate(month=local_month("date_joined", period))
        .values("month", "role")
        .annotate(count=Count("pk"))
    ):
        counts[(f"{row['month']:%Y-%m}", row["role"])] = row["count"]
    months = []
    for month in period.months():
        row = {"month": month, **{role: counts.get((month, role), 0) for role in Role.values}}
        row["total"] = sum(row[role] for role in Role.values)
        months.append(row)
    return months


def stations_by_city():
    """Active stations per city, most first."""
    return [
        {"city": row["city"], "stations": row["stations"]}
        for row in Station.objects.filter(is_active=True)
        .order_by()
        .values("city")
        .annotate(stations=Count("pk"))
        .order_by("-stations", "city")
    ]


def station_choices():
    return [(s.pk, s.choice_label) for s in Station.objects.order_by("city", "name")]


def describe_station(station_id):
    return Station.objects.filter(pk=station_id).values("id", "name", "name_ar", "city").first()
