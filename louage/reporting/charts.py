"""Chart descriptions for static/js/reports.js, built from the report figures: labels in the
page's language, money in dinars. Each chart's table is rendered beside it from the same
figures, so the table is the chart's text alternative."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from louage.accounts.models import Role
from louage.stations.cities import local_station_name

TOP_ROUTES = 15
TOP_PAGES = 10


def _dinars(millimes):
    return round(millimes / 1000, 3)


def _percent(ratio):
    return round(ratio * 100, 1)


def _day(day):
    return date_format(day, "d/m")


def chart(kind, labels, datasets, **options):
    return {"type": kind, "labels": labels, "datasets": datasets, **options}


def series(label, data, **extra):
    return {"label": str(label), "data": data, **extra}


def sales_charts(sales):
    days, hours = sales["days"], sales["hours"]
    day_labels = [_day(d["date"]) for d in days]
    routes = route_rows(sales)
    return {
        "sales-days": chart(
            "bar",
            day_labels,
            [
                series(_("Départs"), [d["departures"] for d in days]),
                series(_("Places vendues"), [d["seats_sold"] for d in days]),
            ],
        ),
        "revenue-days": chart(
            "line",
            day_labels,
            [series(_("Recettes (DT)"), [_dinars(d["revenue"]) for d in days])],
            unit="money",
        ),
        "revenue-stations": chart(
            "bar",
            [local_station_name(s["station"], s.get("station_ar")) for s in sales["by_station"]],
            [series(_("Recettes (DT)"), [_dinars(s["revenue"]) for s in sales["by_station"]])],
            unit="money",
            horizontal=True,
        ),
        "occupancy-stations": chart(
            "bar",
            [local_station_name(s["station"], s.get("station_ar")) for s in sales["by_station"]],
            [series(_("Remplissage (%)"), [_percent(s["occupancy"]) for s in sales["by_station"]])],
            unit="percent",
            horizontal=True,
        ),
        "occupancy-routes": chart(
            "bar",
            [f"{r['origin_city']} → {r['destination_city']}" for r in routes],
            [series(_("Remplissage (%)"), [_percent(r["occupancy"]) for r in routes])],
            unit="percent",
            horizontal=True,
        ),
        "cancellations-days": chart(
            "bar",
            day_labels,
            [
                series(_("Réservations annulées"), [d["cancelled"] for d in days]),
                series(_("Réservations expirées"), [d["expired"] for d in days]),
                series(_("Départs annulés"), [d["cancelled_departures"] for d in days]),
            ],
            stacked=True,
        ),
        "payment-methods": chart(
            "doughnut",
            [m["label"] for m in sales["payment_methods"]],
            [
                series(
                    _("Montant net (DT)"), [_dinars(m["amount"]) for m in sales["payment_methods"]]
                )
            ],
            unit="money",
        ),
        "hours": chart(
            "bar",
            [f"{h['hour']:02d} h" for h in hours],
            [
                series(_("Places vendues"), [h["seats_sold"] for h in hours]),
                series(_("Départs"), [h["departures"] for h in hours]),
            ],
        ),
    }


def route_rows(sales):
    """The routes the dashboard shows: those offering the most seats."""
    return sorted(sales["by_route"], key=lambda r: (-r["seats_offered"], -r["seats_sold"]))[
        :TOP_ROUTES
    ]


def network_charts(visits, accounts, cities):
    days = visits["days"]
    pages = visits["top_pages"][:TOP_PAGES]
    role_labels = dict(Role.choices)
    return {
        "visits-days": chart(
            "line",
            [_day(d["date"]) for d in days],
            [
                series(_("Pages vues"), [d["page_views"] for d in days]),
                series(_("Visiteurs"), [d["visitors"] for d in days]),
            ],
        ),
        "top-pages": chart(
            "bar",
            [p["label"] for p in pages],
            [series(_("Pages vues"), [p["page_views"] for p in pages])],
            horizontal=True,
        ),
        "accounts-months": chart(
            "bar",
            [row["label"] for row in accounts],
            [
                series(role_labels[role], [row[role] for row in accounts])
                for role in (Role.CLIENT, Role.CHIEF, Role.ADMIN)
            ],
            stacked=True,
        ),
        "stations-cities": chart(
            "bar",
            [c["city"] for c in cities],
            [series(_("Stations"), [c["stations"] for c in cities])],
        ),
    }
